// The CLI's parser, run as the real `bin/tessera`: --help on every command, misspelt flags
// rejected with a suggestion, short flags, completion, and the exit-code table (docs/cli.md).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { type Command, EXIT, JSON_OPTION, type ParsedArgs } from '../../provider/cli/framework';
import { loadCommands, main } from '../../provider/cli/main';

const run = promisify(execFile);
const BIN = path.join(__dirname, '../../bin/tessera');

async function tessera(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(BIN, args, { maxBuffer: 16 << 20, env: { ...process.env, TESSERA_ENDPOINT: '', TESSERA_TOKEN: '' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const commands = loadCommands();

test('every command declares its options (none takes any flag unchecked)', () => {
  expect(commands.filter((c) => c.options === undefined).map((c) => c.path.join(' '))).toEqual([]);
});

test('--help works on every command, and exits 0 without checking other flags', async () => {
  // One process prints all helps would hide a failing one; each runs on its own (sequentially: 2 cores).
  for (const c of commands) {
    const r = await tessera(...c.path, '--help');
    expect({ cmd: c.path.join(' '), code: r.code }).toEqual({ cmd: c.path.join(' '), code: EXIT.ok });
    expect(r.stdout).toContain(`Usage: tessera ${c.path.join(' ')}`);
    for (const o of c.options ?? []) expect(r.stdout).toContain(o.flags.split(/[ ,]+/).find((f) => f.startsWith('--'))!);
  }
  // The failure of the hand-rolled parser: help after a flag that would be checked first.
  const a = await tessera('agent', 'start', '--backend', 'nonsense', '--help');
  expect(a.code).toBe(EXIT.ok);
  expect(a.stdout).toMatch(/-b, --backend <kind>/);
}, 120_000);

test('misspelt flags and commands are refused with a suggestion and the usage exit code', async () => {
  const f = await tessera('inventory', 'synth', '--servers', '2', '--drives', '3', '--sed', '1');
  expect(f.code).toBe(EXIT.usage);
  expect(f.stderr).toMatch(/unknown option '--sed'/);
  expect(f.stderr).toMatch(/Did you mean --seed\?/);
  expect(f.stdout).toBe('');
  const c = await tessera('volumes', 'lss');
  expect(c.code).toBe(EXIT.usage);
  expect(c.stderr).toMatch(/Did you mean ls\?/);
  const extra = await tessera('version', 'surplus');
  expect(extra.code).toBe(EXIT.usage);
  // A value check inside a command is a usage error too, naming the flag.
  const bad = await tessera('agent', 'start', '--backend', 'nonsense');
  expect(bad.code).toBe(EXIT.usage);
  expect(bad.stderr).toMatch(/--backend: must be linux, lab or simulated, got "nonsense"/);
  // A command that runs and fails is 1 (no composer to talk to).
  const fail = await tessera('volumes', 'ls', '-e', 'http://127.0.0.1:1', '-t', '/nonexistent');
  expect(fail.code).toBe(EXIT.usage);
  expect(fail.stderr).toMatch(/--token-file \/nonexistent: ENOENT/);
}, 60_000);

test('short flags mean their long flags', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-cli-'));
  try {
    const out = path.join(dir, 'inv.json');
    const r = await tessera('inventory', 'synth', '--servers', '3', '--drives', '4', '--seed', '7', '-o', out);
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).servers).toHaveLength(3);
    const v = await tessera('inventory', 'validate', out, '-j');
    expect(v.code).toBe(EXIT.ok);
    expect(JSON.parse(v.stdout)).toBeInstanceOf(Object);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);

test('bash completion completes command words and flags (run in a real bash)', async () => {
  const script = (await tessera('completion', 'bash')).stdout;
  const complete = async (...words: string[]) => {
    const body = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _tessera; echo "\${COMPREPLY[*]}"`;
    return (await run('bash', ['-c', body])).stdout.trim().split(/\s+/);
  };
  expect(await complete('tessera', 'ag')).toEqual(['agent']);
  expect(await complete('tessera', 'agent', '')).toEqual(['lab-init', 'plan', 'start']);
  expect(await complete('tessera', 'agent', 'start', '--se')).toEqual(['--server']);
  expect(await complete('tessera', 'composer', 'start', '--tls-')).toEqual(['--tls-cert', '--tls-key']);
  expect((await tessera('completion', 'zsh')).stdout).toMatch(/bashcompinit/);
  const bad = await tessera('completion', 'fish');
  expect(bad.code).toBe(EXIT.usage);
}, 30_000);

test('docs/cli.md has the exit-code table of EXIT, one row per code', () => {
  const doc = fs.readFileSync(path.join(__dirname, '../../docs/cli.md'), 'utf8');
  const rows = [...doc.matchAll(/^\|\s*(\d+)\s*\|\s*(\w+)\s*\|/gm)].map((m) => [m[2], Number(m[1])]);
  expect(Object.fromEntries(rows)).toEqual(EXIT);
});

test('in-process: --flag=value, a negated --no-x flag, repeated flags and positional arguments reach run() as before', async () => {
  const seen: ParsedArgs[] = [];
  const probe: Command = {
    path: ['probe', 'run'],
    summary: 'probe',
    options: [{ flags: '-n, --name <n>', description: 'n' }, { flags: '--no-destroy', description: 'd' }, JSON_OPTION],
    arguments: '[items...]',
    async run(args) {
      seen.push(args);
      return 7;
    },
  };
  expect(await main(['probe', 'run', 'a', '--name=x', '-n', 'y', '--no-destroy', 'b', '-j'], [probe])).toBe(7);
  expect(seen[0]).toEqual({ positional: ['a', 'b'], flags: { name: 'y', 'no-destroy': true, json: true } });
  expect(await main(['probe', 'run'], [probe])).toBe(7);
  expect(seen[1]).toEqual({ positional: [], flags: {} });
});
