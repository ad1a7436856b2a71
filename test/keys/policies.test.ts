// Key policies (docs/api.md): sealed at rest, never returned or logged, the key
// endpoint only for the agent of the assigned server, rotation with progress, delete in use 409.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deriveVolumeKey } from '../../provider/keys/crypto';
import { startComposer } from '../../provider/composer';
import { client, MASTER_KEY, startTest, tok, TOKENS } from '../composer/fixtures';
import { startTestComposer } from '../helpers/composer';

const SECRET = 'correct-horse-battery-staple-0001';
const SECRET2 = 'second-secret-for-rotation-0002';

test('key policy lifecycle: sealed, never returned, key channel, rotation, in-use delete', async () => {
  // Plain HTTP on 127.0.0.1: the key endpoint answers only because insecureDev says so.
  const { composer, dir, logs, dbFile } = await startTest({ insecureDev: true });
  try {
    const ops = client(composer.url, tok('ops'));
    const k1 = client(composer.url, tok('agent-k1'));
    const k2 = client(composer.url, tok('agent-k2'));

    const created = await ops.post('/v1/key-policies', { name: 'gold', secret: SECRET });
    expect(created.status).toBe(201);
    const kp = created.body;
    expect(kp).toMatchObject({ name: 'gold', cipher: 'aes-xts-plain64', keySizeBits: 512, version: 1 });
    expect(kp.fingerprint).toMatch(/^sha256:/);
    expect(JSON.stringify(kp)).not.toContain(SECRET);
    expect(kp.secret).toBeUndefined();
    // A create of an existing name is no oracle for its secret: the right and a wrong secret get
    // the same answer, 200 with the existing policy (a provider's retried create), or the same
    // 409 naming only the non-secret fields that differ; the secret in force stays SECRET.
    const retried = await ops.post('/v1/key-policies', { name: 'gold', secret: SECRET });
    const guessed = await ops.post('/v1/key-policies', { name: 'gold', secret: SECRET2 });
    expect([retried.status, guessed.status]).toEqual([200, 200]);
    expect(guessed.body).toEqual(retried.body);
    expect(guessed.body).toMatchObject({ id: kp.id, fingerprint: kp.fingerprint, version: 1 });
    const differsRight = await ops.post('/v1/key-policies', { name: 'gold', secret: SECRET, keySizeBits: 256 });
    const differsWrong = await ops.post('/v1/key-policies', { name: 'gold', secret: SECRET2, keySizeBits: 256 });
    expect([differsRight.status, differsWrong.status]).toEqual([409, 409]);
    expect(differsWrong.body).toEqual(differsRight.body);
    expect(differsWrong.body.errors.map((e: { field: string }) => e.field)).toEqual(['keySizeBits']);
    expect(JSON.stringify([guessed.body, differsWrong.body])).not.toMatch(/secret/i);
    expect((await ops.post('/v1/key-policies', { name: 'nosecret' })).body.errors[0].field).toBe('secret');
    expect((await ops.post('/v1/key-policies', { name: 'short', secret: 'abc' })).status).toBe(422);

    // encrypt needs a policy: the volume's own or the cluster's default.
    const cl = (await ops.post('/v1/clusters', { name: 'secure', servers: ['k1', 'k2'], keyPolicy: kp.id })).body;
    const vol = (await ops.post('/v1/volumes', { cluster: cl.id, name: 'enc', sizeGiB: 10, encrypt: true, server: 'k1' })).body;
    expect(vol.state).toBe('pending');
    const bare = (await ops.post('/v1/clusters', { name: 'bare', servers: ['k1'] })).body;
    const refused = await ops.post('/v1/volumes', { cluster: bare.id, name: 'enc', sizeGiB: 10, encrypt: true });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].field).toBe('encrypt');
    expect(refused.body.errors[0].reason).toMatch(/key policy/);

    // Only the agent of the assigned server gets the key.
    const key = await k1.get(`/v1/agents/k1/keys/${vol.id}`);
    expect(key.status).toBe(200);
    expect(key.headers.get('cache-control')).toBe('no-store');
    const expected = deriveVolumeKey({ secret: SECRET, volumeId: vol.id, policyId: kp.id, version: 1, keySizeBits: 512 }).toString('base64');
    expect(key.body).toEqual({ volumeId: vol.id, version: 1, cipher: 'aes-xts-plain64', keySizeBits: 512, key: expected });
    expect((await k2.get(`/v1/agents/k2/keys/${vol.id}`)).status).toBe(403);
    expect((await k2.get(`/v1/agents/k1/keys/${vol.id}`)).status).toBe(403);
    expect((await client(composer.url, tok('root')).get(`/v1/agents/k1/keys/${vol.id}`)).status).toBe(403);
    const refusals = logs.lines.filter((l) => l.includes('key request refused'));
    expect(refusals.length).toBe(3);
    expect(refusals.join('\n')).toContain('agent-k2');

    // Rotation: version bump, assignment re-keyed, progress from agents' reports.
    const a1 = (await k1.get('/v1/agents/k1/assignments')).body.assignments.find((a: { volumeId: string }) => a.volumeId === vol.id);
    expect(a1).toMatchObject({ encrypt: true, keyPolicy: kp.id, keyVersion: 1, generation: 1 });
    await k1.put(`/v1/agents/k1/status/${vol.id}`, { state: 'staged', generation: 1, keyVersion: 1 });
    expect((await ops.get(`/v1/key-policies/${kp.id}`)).body.rotation).toEqual({ volumes: 1, current: 1, pending: [] });
    const rotated = await ops.patch(`/v1/key-policies/${kp.id}`, { secret: SECRET2 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.version).toBe(2);
    expect(rotated.body.fingerprint).not.toBe(kp.fingerprint);
    expect(rotated.body.rotation).toEqual({ volumes: 1, current: 0, pending: [vol.id] });
    const a2 = (await k1.get('/v1/agents/k1/assignments')).body.assignments.find((a: { volumeId: string }) => a.volumeId === vol.id);
    expect(a2).toMatchObject({ keyVersion: 2, generation: 2 });
    // Both keys are available while the rotation runs (old keyslot still opens the volume).
    expect((await k1.get(`/v1/agents/k1/keys/${vol.id}?version=1`)).body.key).toBe(expected);
    const newKey = (await k1.get(`/v1/agents/k1/keys/${vol.id}`)).body;
    expect(newKey.version).toBe(2);
    expect(newKey.key).toBe(deriveVolumeKey({ secret: SECRET2, volumeId: vol.id, policyId: kp.id, version: 2, keySizeBits: 512 }).toString('base64'));
    const pendingOps = (await ops.get('/v1/operations?state=pending')).body.items;
    expect(pendingOps.map((o: { kind: string }) => o.kind)).toEqual(['rotate']);
    await k1.put(`/v1/agents/k1/status/${vol.id}`, { state: 'staged', generation: 2, keyVersion: 2 });
    expect((await ops.get(`/v1/key-policies/${kp.id}`)).body.rotation).toEqual({ volumes: 1, current: 1, pending: [] });
    expect((await ops.get('/v1/operations?state=pending')).body.items).toEqual([]);
    // The old version is pruned once every volume has re-keyed.
    expect((await k1.get(`/v1/agents/k1/keys/${vol.id}?version=1`)).status).toBe(404);

    // A policy in use cannot be deleted; the answer lists the volumes.
    const del = await ops.del(`/v1/key-policies/${kp.id}`);
    expect(del.status).toBe(409);
    expect(del.body.code).toBe('in_use');
    expect(del.body.detail).toContain(vol.id);
    await ops.del(`/v1/volumes/${vol.id}`);
    await ops.patch(`/v1/clusters/${cl.id}`, { keyPolicy: null });
    expect((await ops.del(`/v1/key-policies/${kp.id}`)).status).toBe(204);

    // Nothing secret in the store file or the logs.
    await composer.close();
    const files = fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(dbFile)));
    const bytes = Buffer.concat(files.map((f) => fs.readFileSync(path.join(dir, f))));
    for (const needle of [SECRET, SECRET2, expected, newKey.key, Buffer.from(expected, 'base64').toString('hex')]) {
      expect(bytes.includes(Buffer.from(needle))).toBe(false);
      expect(logs.lines.join('\n')).not.toContain(needle);
    }
    for (const t of TOKENS) expect(logs.lines.join('\n')).not.toContain(t.token);
  } finally {
    await composer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('refuses to start on a store with key policies without the master key, or with the wrong one', async () => {
  const { composer, dir, dbFile } = await startTest();
  const ops = client(composer.url, tok('ops'));
  expect((await ops.post('/v1/key-policies', { name: 'p', secret: SECRET })).status).toBe(201);
  await composer.close();
  const base = { store: `sqlite:${dbFile}`, tokens: TOKENS, log: () => undefined };
  await expect(startComposer(base)).rejects.toThrow(/master-key/);
  await expect(startComposer({ ...base, masterKey: Buffer.alloc(32, 7) })).rejects.toThrow(/wrong master key/);
  const ok = await startComposer({ ...base, masterKey: MASTER_KEY });
  expect(ok.isLeader()).toBe(true);
  await ok.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('without a master key, creating a key policy is refused clearly', async () => {
  const h = await startTestComposer({ tokens: TOKENS, masterKey: undefined, log: () => undefined });
  const r = await client(h.url, tok('ops')).post('/v1/key-policies', { name: 'p', secret: SECRET });
  expect(r.status).toBe(409);
  expect(r.body.code).toBe('master_key_missing');
  await h.close();
});

test('etcd: no key or value holds the secret or a derived key in plaintext', async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startEtcd } = require('../helpers/etcd') as typeof import('../helpers/etcd');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openStore } = require('../../provider/store/open') as typeof import('../../provider/store/open');
  const etcd = await startEtcd();
  const logs: string[] = [];
  const h = await startTestComposer({ store: etcd.storeUrl, tokens: TOKENS, masterKey: MASTER_KEY, log: (l) => logs.push(l), debug: true, insecureDev: true, leaseTtlSeconds: 3 });
  const c = h.composer;
  try {
    const ops = client(c.url, tok('ops'));
    const kp = (await ops.post('/v1/key-policies', { name: 'etcd-gold', secretWo: SECRET, secretWoVersion: 1 })).body;
    const cl = (await ops.post('/v1/clusters', { name: 'e', servers: ['k1'] })).body;
    const vol = (await ops.post('/v1/volumes', { cluster: cl.id, name: 'ev', sizeGiB: 10, encrypt: true, keyPolicy: 'etcd-gold', server: 'k1' })).body;
    const k1 = client(c.url, tok('agent-k1'));
    const key1 = (await k1.get(`/v1/agents/k1/keys/${vol.id}`)).body.key as string;
    // Rotation with a write-only secret: a new secretWoVersion.
    const rotated = await ops.patch(`/v1/key-policies/${kp.id}`, { secretWo: SECRET2, secretWoVersion: 2 });
    expect(rotated.body.version).toBe(2);
    const key2 = (await k1.get(`/v1/agents/k1/keys/${vol.id}`)).body.key as string;
    expect(key2).not.toBe(key1);
    const store = await openStore(etcd.storeUrl);
    const all = await store.range('');
    await store.close();
    expect(all.some((kv) => kv.key.startsWith('/tessera/key-policies/'))).toBe(true);
    const dump = all.map((kv) => `${kv.key}=${kv.value}`).join('\n');
    for (const needle of [SECRET, SECRET2, key1, key2, Buffer.from(key1, 'base64').toString('hex'), Buffer.from(SECRET).toString('base64')]) {
      expect(dump).not.toContain(needle);
      expect(logs.join('\n')).not.toContain(needle);
    }
  } finally {
    await h.close();
    await etcd.stop();
  }
});

test('changing a volume\'s key policy in place: a new key epoch, the old key until the agent confirms', async () => {
  const { composer, dir } = await startTest({ insecureDev: true });
  try {
    const ops = client(composer.url, tok('ops'));
    const k1 = client(composer.url, tok('agent-k1'));
    const a = (await ops.post('/v1/key-policies', { name: 'pol-a', secret: SECRET })).body;
    const b = (await ops.post('/v1/key-policies', { name: 'pol-b', secret: SECRET2 })).body;
    // pol-b is rotated before the volume exists: the volume's first epoch maps to pol-b v2.
    const SECRET3 = 'third-secret-for-policy-b-0003';
    expect((await ops.patch(`/v1/key-policies/${b.id}`, { secret: SECRET3 })).body.version).toBe(2);
    const cl = (await ops.post('/v1/clusters', { name: 'switch', servers: ['k1'] })).body;
    const vol = (await ops.post('/v1/volumes', { cluster: cl.id, name: 'sw', sizeGiB: 10, encrypt: true, keyPolicy: a.id, server: 'k1' })).body;
    const keyA = deriveVolumeKey({ secret: SECRET, volumeId: vol.id, policyId: a.id, version: 1, keySizeBits: 512 }).toString('base64');
    const keyB = deriveVolumeKey({ secret: SECRET3, volumeId: vol.id, policyId: b.id, version: 2, keySizeBits: 512 }).toString('base64');
    expect((await k1.get(`/v1/agents/k1/keys/${vol.id}`)).body).toMatchObject({ version: 1, key: keyA });
    await k1.put(`/v1/agents/k1/status/${vol.id}`, { state: 'staged', generation: 1, keyVersion: 1 });

    const moved = await ops.patch(`/v1/volumes/${vol.id}`, { keyPolicy: 'pol-b' });
    expect(moved.status).toBe(200);
    expect(moved.body.state).toBe('pending');
    const asg = (await k1.get('/v1/agents/k1/assignments')).body.assignments[0];
    expect(asg).toMatchObject({ volumeId: vol.id, keyPolicy: b.id, keyVersion: 2, generation: 2 });
    expect((await k1.get(`/v1/agents/k1/keys/${vol.id}`)).body).toMatchObject({ version: 2, key: keyB });
    expect((await k1.get(`/v1/agents/k1/keys/${vol.id}?version=1`)).body.key).toBe(keyA);
    expect((await ops.get(`/v1/key-policies/${b.id}`)).body.rotation).toEqual({ volumes: 1, current: 0, pending: [vol.id] });
    // pol-a is still needed to open the volume until the agent confirms the new key.
    const refused = await ops.del(`/v1/key-policies/${a.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(vol.id);
    await k1.put(`/v1/agents/k1/status/${vol.id}`, { state: 'staged', generation: 2, keyVersion: 2 });
    expect((await ops.get(`/v1/volumes/${vol.id}`)).body.state).toBe('staged');
    expect((await ops.get(`/v1/key-policies/${b.id}`)).body.rotation).toEqual({ volumes: 1, current: 1, pending: [] });
    expect((await ops.del(`/v1/key-policies/${a.id}`)).status).toBe(204);
    expect((await k1.get(`/v1/agents/k1/keys/${vol.id}?version=1`)).status).toBe(404);
    expect((await k1.get(`/v1/agents/k1/keys/${vol.id}`)).body.key).toBe(keyB);
  } finally {
    await composer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('adopting (an import\'s first apply) with the write-only secret: the current secret is taken without a rotation, another one is refused', async () => {
  const { composer } = await startTest({ insecureDev: true });
  try {
    const ops = client(composer.url, tok('ops'));
    // Made outside the importer's tool, with the plain secret: no write-only version yet.
    const kp = (await ops.post('/v1/key-policies', { name: 'imported-wo', secret: SECRET })).body;
    expect(kp.version).toBe(1);
    const wrong = await ops.patch(`/v1/key-policies/${kp.id}?adopt=true`, { secretWo: SECRET2, secretWoVersion: 1 });
    expect({ status: wrong.status, code: wrong.body.code }).toEqual({ status: 409, code: 'secret_mismatch' });
    const same = await ops.patch(`/v1/key-policies/${kp.id}?adopt=true`, { secretWo: SECRET, secretWoVersion: 1 });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ id: kp.id, version: 1, fingerprint: kp.fingerprint });
    // Not adopting, a new write-only version is a rotation as before.
    const rotated = await ops.patch(`/v1/key-policies/${kp.id}`, { secretWo: SECRET2, secretWoVersion: 2 });
    expect(rotated.body.version).toBe(2);
  } finally {
    await composer.close();
  }
});
