// Tokens files, role checks, and HTTPS from cert/key files.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Authenticator, authorize, parseTokens, TokensFileError } from '../../provider/composer/auth';
import { startComposer } from '../../provider/composer';
import { captureLogs, MASTER_KEY, tempDir, TOKENS, tok } from './fixtures';

const BIN = path.resolve(__dirname, '../../bin/tessera');

describe('tokens file', () => {
  test('YAML with a tokens list, or a bare JSON list', () => {
    const yaml = `tokens:\n  - name: a\n    token: aaaaaaaaaaaaaaaaaaaa\n    role: admin\n  - name: k1\n    token: bbbbbbbbbbbbbbbbbbbb\n    role: agent\n    server: k1\n`;
    expect(parseTokens(yaml)).toEqual([
      { name: 'a', token: 'aaaaaaaaaaaaaaaaaaaa', role: 'admin', server: undefined },
      { name: 'k1', token: 'bbbbbbbbbbbbbbbbbbbb', role: 'agent', server: 'k1' },
    ]);
    expect(parseTokens(JSON.stringify([{ name: 'r', token: 'cccccccccccccccccccc', role: 'reader' }]))[0].role).toBe('reader');
  });
  test.each([
    ['{', /not YAML/],
    ['tokens: 3', /must be a list/],
    [JSON.stringify([{ name: 'a', token: 'short', role: 'admin' }]), /tokens\[0\]\.token: must be a string of at least 16/],
    [JSON.stringify([{ name: 'a', token: 'x'.repeat(20), role: 'root' }]), /tokens\[0\]\.role: must be one of/],
    [JSON.stringify([{ name: 'a', token: 'x'.repeat(20), role: 'agent' }]), /tokens\[0\]\.server: required/],
    [JSON.stringify([{ name: 'a', token: 'x'.repeat(20), role: 'admin' }, { name: 'a', token: 'y'.repeat(20), role: 'admin' }]), /tokens\[1\]\.name: duplicate/],
    [JSON.stringify([{ name: 'a', token: 'x'.repeat(20), role: 'admin' }, { name: 'b', token: 'x'.repeat(20), role: 'admin' }]), /tokens\[1\]\.token: the same token/],
  ])('refuses %s', (text, why) => {
    expect(() => parseTokens(text)).toThrow(TokensFileError);
    expect(() => parseTokens(text)).toThrow(why);
  });
  test('a bad token file never echoes the tokens', () => {
    try {
      parseTokens(JSON.stringify([{ name: 'a', token: 'secret-token-value-123', role: 'bogus' }]));
    } catch (e) {
      expect((e as Error).message).not.toContain('secret-token-value-123');
    }
  });
});

describe('secret files must be private to their owner', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** `tessera composer start` as a real child: its exit code and stderr. */
  async function composerStart(args: string[]): Promise<{ code: number; stderr: string }> {
    const all = ['composer', 'start', '--store', `sqlite:${path.join(dir, 't.db')}`, '--listen', '127.0.0.1:0', ...args];
    try {
      await promisify(execFile)(BIN, all, { timeout: 60_000 });
      return { code: 0, stderr: '' };
    } catch (e) {
      const err = e as { code?: number; stderr?: string };
      return { code: err.code ?? -1, stderr: err.stderr ?? '' };
    }
  }

  test('composer start refuses a group/world-readable tokens file or master key file, naming the file, its mode and the fix', async () => {
    const tokens = path.join(dir, 'tokens.json');
    const masterKey = path.join(dir, 'master.key');
    fs.writeFileSync(tokens, JSON.stringify({ tokens: TOKENS }), { mode: 0o600 });
    fs.writeFileSync(masterKey, MASTER_KEY.toString('hex'), { mode: 0o600 });

    fs.chmodSync(tokens, 0o644);
    const t = await composerStart(['--tokens', tokens, '--master-key-file', masterKey]);
    expect(t.code).toBe(1);
    expect(t.stderr).toContain(`tessera composer start: tokens file ${tokens}: mode 0644 lets group or others read it; restrict it with \`chmod 600 ${tokens}\``);

    fs.chmodSync(tokens, 0o600);
    fs.chmodSync(masterKey, 0o640);
    const k = await composerStart(['--tokens', tokens, '--master-key-file', masterKey]);
    expect(k.code).toBe(1);
    expect(k.stderr).toContain(`tessera composer start: master key file ${masterKey}: mode 0640 lets group or others read it; restrict it with \`chmod 600 ${masterKey}\``);
    // Neither secret is echoed, and the refusal comes before the store is created.
    for (const out of [t.stderr, k.stderr]) {
      expect(out).not.toContain(MASTER_KEY.toString('hex'));
      for (const e of TOKENS) expect(out).not.toContain(e.token);
    }
    expect(fs.existsSync(path.join(dir, 't.db'))).toBe(false);
  });

  test('startComposer refuses the same, and starts once both files are 0600', async () => {
    const tokens = path.join(dir, 'tokens.json');
    const masterKeyFile = path.join(dir, 'master.key');
    fs.writeFileSync(tokens, JSON.stringify(TOKENS), { mode: 0o600 });
    fs.writeFileSync(masterKeyFile, MASTER_KEY.toString('hex'), { mode: 0o600 });
    fs.chmodSync(masterKeyFile, 0o604);
    const store = `sqlite:${path.join(dir, 't.db')}`;
    await expect(startComposer({ store, tokens, masterKeyFile, log: () => undefined })).rejects.toThrow(`master key file ${masterKeyFile}: mode 0604`);
    fs.chmodSync(masterKeyFile, 0o400);
    const c = await startComposer({ store, tokens, masterKeyFile, log: () => undefined });
    await c.close();
  });
});

describe('authenticator and roles', () => {
  const auth = new Authenticator(TOKENS);
  test('bearer scheme only, exact token', () => {
    expect(auth.authenticate(`Bearer ${tok('ops')}`).name).toBe('ops');
    expect(auth.authenticate(`bearer ${tok('viewer')}`).role).toBe('reader');
    expect(() => auth.authenticate(undefined)).toThrow(/bearer token/);
    expect(() => auth.authenticate(`Basic ${tok('ops')}`)).toThrow();
    expect(() => auth.authenticate(`Bearer ${tok('ops')}x`)).toThrow();
    expect(() => auth.authenticate(`Bearer ${tok('ops').slice(0, -1)}`)).toThrow();
  });
  test('one token per agent: each of 10,000 finds its own principal, the first entry wins a repeated token, a replace drops the old set', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ name: `agent-k${i}`, token: `agent-token-k${i}-0123456789abcdef`, role: 'agent' as const, server: `k${i}` }));
    const a = new Authenticator([...many, { name: 'twin', token: many[42].token, role: 'admin' as const }]);
    for (const i of [0, 42, 4_999, 9_999]) expect(a.authenticate(`Bearer ${many[i].token}`)).toMatchObject({ name: `agent-k${i}`, role: 'agent', server: `k${i}` });
    expect(() => a.authenticate('Bearer agent-token-k10000-0123456789abcdef')).toThrow();
    a.replace(TOKENS);
    expect(() => a.authenticate(`Bearer ${many[0].token}`)).toThrow();
    expect(a.authenticate(`Bearer ${tok('ops')}`).name).toBe('ops');
  });
  test('role matrix', () => {
    const p = (name: string) => auth.authenticate(`Bearer ${tok(name)}`);
    expect(() => authorize(p('root'), { area: 'inventory', write: true })).not.toThrow();
    expect(() => authorize(p('ops'), { area: 'inventory', write: true })).toThrow(/admin only/);
    expect(() => authorize(p('ops'), { area: 'resources', write: true })).not.toThrow();
    expect(() => authorize(p('viewer'), { area: 'resources', write: true })).toThrow(/read-only/);
    expect(() => authorize(p('viewer'), { area: 'resources', write: false })).not.toThrow();
    expect(() => authorize(p('agent-k1'), { area: 'agent', server: 'k1' })).not.toThrow();
    expect(() => authorize(p('agent-k1'), { area: 'agent', server: 'k2' })).toThrow(/only speak for server k1/);
    expect(() => authorize(p('root'), { area: 'agent', server: 'k1' })).toThrow(/not an agent/);
    expect(() => authorize(p('agent-k1'), { area: 'resources', write: false })).toThrow();
  });
});

test('HTTPS from cert and key files; tokens never reach the logs', async () => {
  const dir = tempDir();
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const logs = captureLogs();
  const c = await startComposer({ store: `sqlite:${path.join(dir, 't.db')}`, tokens: TOKENS, tls: { certFile: cert, keyFile: key }, log: logs.sink, debug: true });
  try {
    expect(c.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const get = (p: string, token: string) =>
      new Promise<number>((resolve, reject) => {
        https
          .get(c.url + p, { ca: fs.readFileSync(cert), headers: { authorization: `Bearer ${token}` } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
    expect(await get('/v1/volumes', tok('ops'))).toBe(200);
    expect(await get('/v1/volumes', 'wrong-token-wrong-token')).toBe(401);
    const text = logs.lines.join('\n');
    expect(text).toContain('/v1/{kind}');
    for (const t of TOKENS) expect(text).not.toContain(t.token);
    expect(text).not.toContain('wrong-token-wrong-token');
  } finally {
    await c.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
