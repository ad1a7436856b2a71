// Drives the real pulumi CLI (built by scripts/engines.sh) against a file:// backend in a temp
// dir: no network, no Pulumi Cloud, the project's Node 22 and node_modules.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundlePlugin } from './bundle';
import {
  CommandFailedError,
  CommandResult,
  EnginePaths,
  enginePaths,
  enginesPath,
  repoRoot,
  runCommand,
} from './engines';

/** Passphrase of the throwaway test stacks' secrets provider (not a secret: temp stacks only). */
export const TEST_PASSPHRASE = 'tessera-e2e-passphrase';

/** The tsconfig.json of a test's Pulumi program: Pulumi type-checks it and the SDK it imports (which imports schema.json). */
export const PULUMI_PROGRAM_TSCONFIG = JSON.stringify({
  compilerOptions: { target: 'ES2022', module: 'commonjs', moduleResolution: 'node', strict: true, esModuleInterop: true, resolveJsonModule: true, skipLibCheck: true },
  files: ['index.ts'],
});

export interface PulumiProjectOptions {
  /** Project name (Pulumi.yaml `name`). */
  name: string;
  /** TypeScript source of index.ts. */
  program: string;
  /** Dir to write into; default: a fresh temp dir. */
  dir?: string;
  /** More files, relative path -> content (e.g. a second module the program imports). */
  files?: Record<string, string>;
  /** Type-check the program now (default true); false when what it imports is written later: call typeCheckProgram then. */
  typeCheck?: boolean;
}

export interface PulumiStack {
  /** The project dir (Pulumi.yaml, index.ts, node_modules -> repo's node_modules). */
  projectDir: string;
  /** The file:// backend's dir. */
  backendDir: string;
  /** PULUMI_HOME (plugins, credentials, workspace settings) for this stack only. */
  homeDir: string;
  stack: string;
  engines: EnginePaths;
  /** Environment every command of this stack runs with (extend with extraEnv per call). */
  env: NodeJS.ProcessEnv;
}

export interface PulumiRunOptions {
  /** Extra environment (e.g. TESSERA_ENDPOINT); wins over the stack's env. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Resolve with the result instead of throwing when the exit code is non-zero. */
  allowFailure?: boolean;
}

function assertSafeName(field: string, value: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value)) {
    throw new Error(`${field}: must be letters, digits, '_', '.', '-' (got ${JSON.stringify(value)})`);
  }
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [relative, content] of Object.entries(files)) {
    const target = path.resolve(dir, relative);
    if (!target.startsWith(dir + path.sep)) throw new Error(`files.${relative}: must stay inside ${dir}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
}

/**
 * Writes a Pulumi TypeScript project: Pulumi.yaml, package.json, tsconfig.json, index.ts and a
 * node_modules symlink to the repo's (so `@pulumi/pulumi` and the repo's packages resolve).
 * Returns the project dir.
 */
export function createPulumiProject(options: PulumiProjectOptions): string {
  assertSafeName('name', options.name);
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), `tessera-pulumi-${options.name}-`));
  fs.mkdirSync(dir, { recursive: true });
  writeFiles(dir, {
    'Pulumi.yaml': `name: ${options.name}\nruntime: nodejs\ndescription: tessera end-to-end test project\n`,
    'package.json': JSON.stringify({ name: options.name, version: '0.0.0', private: true, main: 'index.ts' }, null, 2),
    'tsconfig.json': JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2020',
          module: 'commonjs',
          moduleResolution: 'node',
          strict: true,
          esModuleInterop: true,
          skipLibCheck: true,
        },
        files: ['index.ts'],
      },
      null,
      2,
    ),
    'index.ts': options.program,
    ...(options.files ?? {}),
  });
  const link = path.join(dir, 'node_modules');
  if (!fs.existsSync(link)) fs.symlinkSync(path.join(repoRoot, 'node_modules'), link, 'dir');
  if (options.typeCheck !== false) typeCheckProgram(dir);
  return dir;
}

/**
 * Type-checks a TypeScript program against the SDK it imports, with its own tsconfig.json, the
 * way Pulumi's language host does by default. Done once per project: every pulumi command runs
 * with PULUMI_NODEJS_TRANSPILE_ONLY (pulumiEnv), because ts-node would otherwise type-check the
 * program and the SDK again at every preview, up, refresh and destroy (≈ 7 s of CPU each on 2
 * cores), which adds nothing after the first time.
 */
export function typeCheckProgram(dir: string): void {
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const res = spawnSync(process.execPath, [tsc, '--noEmit', '-p', dir], { cwd: dir, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${path.join(dir, 'index.ts')}: the program does not type-check:\n${res.stdout}${res.stderr}`);
}

/** The environment pulumi runs with: isolated PULUMI_HOME, file backend, Node 22 first on PATH. */
export function pulumiEnv(engines: EnginePaths, backendDir: string, homeDir: string): NodeJS.ProcessEnv {
  return {
    PATH: enginesPath(engines),
    HOME: process.env.HOME ?? os.homedir(),
    TMPDIR: os.tmpdir(),
    LANG: 'C.UTF-8',
    PULUMI_HOME: homeDir,
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_SKIP_CONFIRMATIONS: 'true',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: 'true',
    PULUMI_COPILOT_ENABLED: 'false',
    // createPulumiProject type-checked the program once (typeCheckProgram); each command only transpiles.
    PULUMI_NODEJS_TRANSPILE_ONLY: 'true',
    NO_COLOR: '1',
    // The dynamic-provider shim resolves @pulumi/pulumi from the program's tree, else from here.
    TESSERA_ROOT: repoRoot,
  };
}

/**
 * Creates (selects) a stack with a passphrase secrets provider in a fresh file:// backend.
 * `config` values are set with `pulumi config set`, `secrets` with `--secret`.
 */
export async function createStack(
  projectDir: string,
  options: { stack?: string; config?: Record<string, string>; secrets?: Record<string, string>; backendDir?: string } = {},
): Promise<PulumiStack> {
  const engines = enginePaths();
  const stackName = options.stack ?? 'e2e';
  assertSafeName('stack', stackName);
  const backendDir = options.backendDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-pulumi-backend-'));
  const homeDir = path.join(backendDir, '.pulumi-home');
  fs.mkdirSync(homeDir, { recursive: true });
  const stack: PulumiStack = {
    projectDir,
    backendDir,
    homeDir,
    stack: stackName,
    engines,
    env: pulumiEnv(engines, backendDir, homeDir),
  };
  await runPulumi(stack, ['stack', 'init', stackName, '--secrets-provider', 'passphrase']);
  for (const [key, value] of Object.entries(options.config ?? {})) {
    await runPulumi(stack, ['config', 'set', key, value]);
  }
  for (const [key, value] of Object.entries(options.secrets ?? {})) {
    await runPulumi(stack, ['config', 'set', '--secret', key, value]);
  }
  return stack;
}

/** Runs `pulumi <args> --stack <stack> --non-interactive` in the project dir. */
export async function runPulumi(stack: PulumiStack, args: string[], options: PulumiRunOptions = {}): Promise<CommandResult> {
  const needsStack = !(args[0] === 'stack' && (args[1] === 'init' || args[1] === 'ls'));
  const fullArgs = [...args, '--non-interactive', '--color', 'never'];
  if (needsStack && !args.includes('--stack') && !args.includes('-s')) fullArgs.push('--stack', stack.stack);
  const result = await runCommand(stack.engines.pulumi, fullArgs, {
    cwd: stack.projectDir,
    env: { ...stack.env, ...options.env },
    timeoutMs: options.timeoutMs,
  });
  if (result.code !== 0 && !options.allowFailure) throw new CommandFailedError(result);
  return result;
}

/** `pulumi up --yes --skip-preview`. */
export function up(stack: PulumiStack, options: PulumiRunOptions = {}, extraArgs: string[] = []): Promise<CommandResult> {
  return runPulumi(stack, ['up', '--yes', '--skip-preview', ...extraArgs], options);
}

/** `pulumi refresh --yes --skip-preview`. */
export function refresh(stack: PulumiStack, options: PulumiRunOptions = {}, extraArgs: string[] = []): Promise<CommandResult> {
  return runPulumi(stack, ['refresh', '--yes', '--skip-preview', ...extraArgs], options);
}

/** `pulumi destroy --yes --skip-preview`. */
export function destroy(stack: PulumiStack, options: PulumiRunOptions = {}, extraArgs: string[] = []): Promise<CommandResult> {
  return runPulumi(stack, ['destroy', '--yes', '--skip-preview', ...extraArgs], options);
}

export interface PreviewStep {
  op: string;
  urn: string;
  diffReasons?: string[];
  replaceReasons?: string[];
  [key: string]: unknown;
}

export interface PreviewResult {
  /** Counts per operation, e.g. { same: 2 } or { create: 1, update: 1 }. */
  changeSummary: Record<string, number>;
  steps: PreviewStep[];
  diagnostics: Array<{ message?: string; severity?: string; urn?: string }>;
  raw: CommandResult;
}

/** `pulumi preview --json`, parsed. Resolves even when the preview fails if allowFailure is set. */
export async function preview(stack: PulumiStack, options: PulumiRunOptions = {}, extraArgs: string[] = []): Promise<PreviewResult> {
  const raw = await runPulumi(stack, ['preview', '--json', ...extraArgs], options);
  let parsed: { changeSummary?: Record<string, number>; steps?: PreviewStep[]; diagnostics?: PreviewResult['diagnostics'] };
  try {
    parsed = JSON.parse(raw.stdout) as typeof parsed;
  } catch (err) {
    if (options.allowFailure) return { changeSummary: {}, steps: [], diagnostics: [], raw };
    throw new Error(`pulumi preview --json: stdout is not JSON (${(err as Error).message}):\n${raw.stdout}\n${raw.stderr}`);
  }
  return { changeSummary: parsed.changeSummary ?? {}, steps: parsed.steps ?? [], diagnostics: parsed.diagnostics ?? [], raw };
}

/** True when a change summary has nothing but `same` entries. */
export function hasNoChanges(changeSummary: Record<string, number>): boolean {
  return Object.entries(changeSummary).every(([op, count]) => op === 'same' || count === 0);
}

/** `pulumi stack output --json` (secrets shown with --show-secrets when asked). */
export async function stackOutputs(stack: PulumiStack, showSecrets = false): Promise<Record<string, unknown>> {
  const args = ['stack', 'output', '--json'];
  if (showSecrets) args.push('--show-secrets');
  const result = await runPulumi(stack, args);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** `pulumi stack export`: the checkpoint (deployment) as stored, secrets still encrypted. */
export async function exportStack(stack: PulumiStack): Promise<{ deployment: { resources?: Array<Record<string, unknown>> } }> {
  const result = await runPulumi(stack, ['stack', 'export']);
  return JSON.parse(result.stdout) as { deployment: { resources?: Array<Record<string, unknown>> } };
}

/** `pulumi stack rm --yes --force` and removal of the temp dirs this helper created. */
export async function removeStack(stack: PulumiStack, options: { removeProjectDir?: boolean } = {}): Promise<void> {
  await runPulumi(stack, ['stack', 'rm', '--yes', '--force'], { allowFailure: true });
  fs.rmSync(stack.backendDir, { recursive: true, force: true });
  if (options.removeProjectDir) fs.rmSync(stack.projectDir, { recursive: true, force: true });
}

/** Writes a Pulumi YAML project (Pulumi.yaml holds the program; `runtime: yaml`). Returns the project dir. */
export function createPulumiYamlProject(options: { name: string; program: string; dir?: string }): string {
  assertSafeName('name', options.name);
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), `tessera-pulumi-${options.name}-`));
  fs.mkdirSync(dir, { recursive: true });
  writeFiles(dir, { 'Pulumi.yaml': `name: ${options.name}\nruntime: yaml\ndescription: tessera end-to-end test project\n${options.program}` });
  return dir;
}

/**
 * Installs the native provider into the stack's PULUMI_HOME the way a user does from the release
 * artifact: the esbuild bundle scripts/build.mjs ships as dist/bin/pulumi-resource-tessera.js
 * (the same entry and options, ./bundle.ts), then `pulumi plugin install resource tessera <version> --file`.
 * Returns the bundle's path.
 */
export async function installNativeProvider(stack: PulumiStack, version: string): Promise<string> {
  const bundle = bundlePlugin('pulumi-resource-tessera', path.join(stack.backendDir, 'plugin', 'pulumi-resource-tessera.js'));
  // Not stack-scoped: runCommand, not runPulumi (which adds --stack).
  const res = await runCommand(stack.engines.pulumi, ['plugin', 'install', 'resource', 'tessera', version, '--file', bundle, '--non-interactive'], { cwd: stack.projectDir, env: stack.env });
  if (res.code !== 0) throw new CommandFailedError(res);
  return bundle;
}

/** The native provider's package schema (npm run gen writes it from schema.json). */
export const NATIVE_PACKAGE_SCHEMA = path.join(repoRoot, 'provider/pulumi-native/schema.generated.json');

/**
 * Generates the native provider's SDK for a language into `outDir` with pulumi-gen-sdk (Pulumi's
 * own code generators, built by scripts/engines.sh) from the package schema.
 */
export async function generateNativeSdk(language: 'nodejs' | 'python' | 'go', outDir: string): Promise<string[]> {
  const engines = enginePaths();
  const tool = path.join(engines.binDir, 'pulumi-gen-sdk');
  if (!fs.existsSync(tool)) throw new Error(`${tool}: missing; run scripts/engines.sh (it builds pulumi-gen-sdk)`);
  const res = await runCommand(tool, [NATIVE_PACKAGE_SCHEMA, language, outDir], { cwd: repoRoot, env: { PATH: enginesPath(engines), HOME: os.homedir() } });
  if (res.code !== 0) throw new CommandFailedError(res);
  const list = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? list(path.join(dir, e.name)) : [path.relative(outDir, path.join(dir, e.name))]));
  return list(outDir).sort();
}
