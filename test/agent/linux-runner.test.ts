// The Linux runner (real processes, no shell) and the real cryptsetup on a LUKS2 header in a
// file: header operations (format, add/kill keyslots, test a key) need no device-mapper, so the
// exact argv the agent uses for rotation is run for real here. Opening a mapping needs dm-crypt,
// which this kernel lacks: that part is covered on the simulated host.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LinuxRunner } from '../../provider/agent/linux-runner';
import { CommandError, RecordingRunner, mustRun } from '../../provider/agent/runner';
import { cmd } from '../../provider/agent/commands';
import { KillPoints, parseKillPoint } from '../../provider/agent/kill-point';
import { HostContext, rotateKey } from '../../provider/agent/steps';
import type { VolumeRecord } from '../../provider/agent/state';
import { DerivedKeys, assignment } from './helpers';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-runner-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('LinuxRunner', () => {
  const r = new LinuxRunner({ timeoutMs: 5000 });

  test('runs a program with an argv, no shell: metacharacters stay literal', async () => {
    const res = await r.run({ file: 'printf', args: ['%s|', '$(id -u)', 'a;b', '`x`', '*'] });
    expect(res).toEqual({ exitCode: 0, stdout: '$(id -u)|a;b|`x`|*|', stderr: '' });
  });

  test('stdin reaches the child (binary safe), and is closed so the child sees EOF', async () => {
    expect((await r.run({ file: 'cat', args: [], stdin: Buffer.from('from stdin') })).stdout).toBe('from stdin');
    const bytes = Buffer.from([0, 10, 255, 13, 0]);
    expect((await r.run({ file: 'wc', args: ['-c'], stdin: bytes })).stdout.trim()).toBe('5');
  });

  test('children get a minimal environment: nothing of ours (tokens, keys) leaks into it', async () => {
    process.env.TESSERA_TEST_SECRET = 'do-not-pass-me';
    try {
      const env = (await r.run({ file: 'env', args: [] })).stdout;
      expect(env).not.toContain('do-not-pass-me');
      expect(env).toMatch(/^LC_ALL=C$/m);
      expect(env).toMatch(/^PATH=.*\/usr\/sbin/m);
    } finally {
      delete process.env.TESSERA_TEST_SECRET;
    }
  });

  test('a failing command: mustRun throws with the command, the exit code and stderr', async () => {
    const e = (await mustRun(r, { file: 'ls', args: ['/nonexistent-tessera'] }).catch((x) => x)) as CommandError;
    expect(e).toBeInstanceOf(CommandError);
    expect(e.command).toBe('ls /nonexistent-tessera');
    expect(e.exitCode).toBe(2);
    expect(e.stderr).toMatch(/No such file or directory/);
    expect(e.message).toMatch(/^ls \/nonexistent-tessera: exit code 2: .*No such file/);
  });

  test('a missing program and a timeout are CommandErrors too', async () => {
    await expect(r.run({ file: 'tessera-no-such-tool', args: [] })).rejects.toThrow(/tessera-no-such-tool: not found/);
    const t0 = Date.now();
    const e = (await r.run({ file: 'sleep', args: ['10'], timeoutMs: 200 }).catch((x) => x)) as CommandError;
    expect(e.message).toMatch(/^sleep 10: timed out after 200 ms/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

describe('real cryptsetup on a LUKS2 header file: rotation argv', () => {
  function setup(name: string) {
    const file = path.join(dir, `${name}.luks`);
    fs.writeFileSync(file, '');
    fs.truncateSync(file, 32 * 1024 * 1024);
    const runner = new RecordingRunner(new LinuxRunner({ timeoutMs: 60_000 }));
    const keys = new DerivedKeys('customer secret');
    const ctx: HostContext = { runner, backend: 'linux', stateDir: '/var/lib/tessera-agent', keys };
    return { file, runner, keys, ctx };
  }
  const opens = async (runner: RecordingRunner, file: string, key: Buffer) => (await runner.run({ ...cmd.cryptTestKey(file), stdin: key })).exitCode === 0;
  const activeSlots = async (file: string) => {
    const r = await new LinuxRunner().run({ file: 'cryptsetup', args: ['luksDump', '--dump-json-metadata', file] });
    return Object.keys((JSON.parse(r.stdout) as { keyslots: Record<string, unknown> }).keyslots);
  };

  test('format with the key on stdin, rotate online: add under the new key (both keys on stdin), kill the old slot', async () => {
    const { file, runner, keys, ctx } = setup('rotate');
    const k1 = (await keys.get('vol-r', 1)).key;
    const k2 = (await keys.get('vol-r', 2)).key;
    await mustRun(runner, { ...cmd.cryptFormat(file, 'aes-xts-plain64', 512, 'tessera:vol-r'), stdin: k1 });
    expect(await opens(runner, file, k1)).toBe(true);
    // blkid reads the owner label the agent classifies headers by.
    expect((await runner.run({ file: 'blkid', args: ['-p', '-o', 'value', '-s', 'LABEL', file] })).stdout.trim()).toBe('tessera:vol-r');
    const a = assignment('vol-r', { encrypt: true, keyVersion: 2 });
    const rec: VolumeRecord = { assignment: a, keyVersion: 1 };
    runner.clear();
    await rotateKey(ctx, a, rec, file);
    expect(rec.keyVersion).toBe(2);
    expect(runner.commands.map((c) => [c.file, ...c.args].join(' '))).toEqual([
      `cryptsetup open --test-passphrase --verbose --key-file=- ${file}`,
      `cryptsetup luksAddKey --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file=- --keyfile-size 64 ${file} - --new-keyfile-size 64`,
      `cryptsetup open --test-passphrase --verbose --key-file=- ${file}`,
      `cryptsetup open --test-passphrase --verbose --key-file=- ${file}`,
      `cryptsetup luksKillSlot --batch-mode --key-file=- ${file} 0`,
    ]);
    const add = runner.commands[1];
    expect(add.stdinBytes).toBe(128);
    expect(await opens(runner, file, k2)).toBe(true);
    expect(await opens(runner, file, k1)).toBe(false);
    expect(await activeSlots(file)).toEqual(['1']);
    // Key bytes never in argv.
    for (const c of runner.commands) for (const arg of c.args) for (const k of [k1, k2]) {
      expect(arg.includes(k.toString('base64'))).toBe(false);
      expect(arg.includes(k.toString('hex'))).toBe(false);
    }
  });

  test('a crash after luksAddKey converges: both keys open until the old slot is gone', async () => {
    const { file, runner, keys, ctx } = setup('crash-add');
    const k1 = (await keys.get('vol-c', 1)).key;
    const k2 = (await keys.get('vol-c', 2)).key;
    await mustRun(runner, { ...cmd.cryptFormat(file, 'aes-xts-plain64', 512, 'tessera:vol-r'), stdin: k1 });
    // The agent added the new slot, then died before killing the old one or recording anything.
    await mustRun(runner, { ...cmd.cryptAddKey(file, 64, 64), stdin: Buffer.concat([k1, k2]) });
    expect(await opens(runner, file, k1)).toBe(true);
    expect(await opens(runner, file, k2)).toBe(true);
    const a = assignment('vol-c', { encrypt: true, keyVersion: 2 });
    const rec: VolumeRecord = { assignment: a, keyVersion: 1 };
    runner.clear();
    await rotateKey(ctx, a, rec, file);
    expect(runner.commands.some((c) => c.args[0] === 'luksAddKey')).toBe(false);
    expect(runner.commands.filter((c) => c.args[0] === 'luksKillSlot').length).toBe(1);
    expect(await opens(runner, file, k1)).toBe(false);
    expect(await opens(runner, file, k2)).toBe(true);
  });

  test('a crash after luksKillSlot (record still at the old version) converges without touching the header', async () => {
    const { file, runner, keys, ctx } = setup('crash-kill');
    const k1 = (await keys.get('vol-k', 1)).key;
    const k2 = (await keys.get('vol-k', 2)).key;
    await mustRun(runner, { ...cmd.cryptFormat(file, 'aes-xts-plain64', 512, 'tessera:vol-r'), stdin: k1 });
    await mustRun(runner, { ...cmd.cryptAddKey(file, 64, 64), stdin: Buffer.concat([k1, k2]) });
    await mustRun(runner, { ...cmd.cryptKillSlot(file, 0), stdin: k2 });
    const a = assignment('vol-k', { encrypt: true, keyVersion: 2 });
    const rec: VolumeRecord = { assignment: a, keyVersion: 1 };
    runner.clear();
    await rotateKey(ctx, a, rec, file);
    expect(rec.keyVersion).toBe(2);
    expect(runner.commands.some((c) => c.args[0] === 'luksAddKey' || c.args[0] === 'luksKillSlot')).toBe(false);
    expect(await opens(runner, file, k2)).toBe(true);
  });
});

describe('kill points (test only): parsing and matching', () => {
  test('a bad TESSERA_AGENT_TEST_KILL_POINT names the field and the reason', () => {
    expect(() => parseKillPoint('{')).toThrow('TESSERA_AGENT_TEST_KILL_POINT: not JSON');
    expect(() => parseKillPoint('{"at":"before"}')).toThrow(/command: must be a non-empty command line prefix/);
    expect(() => parseKillPoint('{"command":"mkfs","at":"during"}')).toThrow(/at: must be before, after or write/);
    expect(() => parseKillPoint('{"command":"mkfs","at":"after","nth":0}')).toThrow(/nth: must be an integer >= 1/);
    expect(() => parseKillPoint('{"command":"mkfs","at":"write"}')).toThrow(/write: must be an integer >= 1 with at "write"/);
  });

  test('holds at the nth command with the prefix only; the command log keeps every argv and no stdin', () => {
    const log = path.join(dir, 'commands.jsonl');
    const kp = new KillPoints({ command: 'umount', nth: 2, at: 'after' }, log);
    expect(kp.match('umount /a')).toBeUndefined();
    expect(kp.match('mount -t ext4 /dev/loop0 /b')).toBeUndefined();
    expect(kp.match('umount /b')).toMatchObject({ command: 'umount', nth: 2 });
    expect(kp.match('umount /c')).toBeUndefined();
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l).line);
    expect(lines).toEqual(['umount /a', 'mount -t ext4 /dev/loop0 /b', 'umount /b', 'umount /c']);
    // A write point runs the real tool under strace, SIGKILLed as it enters write W.
    const wrapped = KillPoints.wrap({ file: 'mkfs.xfs', args: ['-q', '/dev/loop0'] }, { command: 'mkfs.xfs', at: 'write', write: 7 });
    expect(wrapped.file).toBe('strace');
    expect(wrapped.args.slice(-4)).toEqual(['--', 'mkfs.xfs', '-q', '/dev/loop0']);
    expect(wrapped.args).toContain('inject=write,pwrite64,pwritev,pwritev2,writev:signal=SIGKILL:when=7');
  });
});
