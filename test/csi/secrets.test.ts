// CSI secrets against a real composer (SQLite, in process, with a master key): an encrypted claim
// naming a key policy that does not exist yet creates it from the provisioner secret; the secret
// appears in no log line (driver or composer), no status message and no response.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ComposerClient } from '../../provider/client';
import { csiServices, startCsiController, type CsiServer } from '../../provider/csi';
import { KEY_POLICY_SECRET, redact } from '../../provider/csi/secrets';
import { ADMIN_TOKEN, OPERATOR_TOKEN, startTestComposer, type TestComposer } from '../helpers/composer';

type Client = grpc.Client & Record<string, (req: unknown, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void>;
const GiB = 1024 ** 3;
const SECRET = 'csi-secret-do-not-leak-4b1f9e2a7c';
let tc: TestComposer;
let server: CsiServer;
let ctl: Client;
let dir: string;
const driverLog: string[] = [];

const call = <T = Record<string, unknown>>(method: string, req: unknown) =>
  new Promise<T>((resolve, reject) => ctl[method](req, (err, res) => (err ? reject(err) : resolve(res as T))));
const failure = (method: string, req: unknown) => call(method, req).then(() => { throw new Error(`${method} succeeded`); }, (e: grpc.ServiceError) => e);
const mount = [{ mount: { fs_type: '' }, access_mode: { mode: 'SINGLE_NODE_WRITER' } }];
const claim = (name: string, keyPolicy: string, secrets: Record<string, string>, extra: Record<string, string> = {}) => ({
  name, capacity_range: { required_bytes: String(GiB) }, volume_capabilities: mount, parameters: { cluster: 'enc', type: 'slice', encrypt: 'true', keyPolicy, ...extra }, secrets,
});

beforeAll(async () => {
  tc = await startTestComposer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-csi-sec-'));
  server = await startCsiController({ endpoint: `unix://${dir}/c.sock`, client: new ComposerClient({ endpoint: tc.url, token: OPERATOR_TOKEN }), log: (l) => driverLog.push(l) });
  ctl = new (csiServices().Controller)(`unix://${dir}/c.sock`, grpc.credentials.createInsecure()) as Client;
});

afterAll(async () => {
  ctl.close();
  await server.close();
  await tc.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an encrypted claim creates its key policy from the provisioner secret, once', async () => {
  const api = new ComposerClient({ endpoint: tc.url, token: ADMIN_TOKEN });
  expect((await api.listAll<{ name: string }>('/v1/key-policies')).map((p) => p.name)).not.toContain('pvc-keys');
  const a = await call<{ volume: { volume_id: string } }>('CreateVolume', claim('pvc-enc-1', 'pvc-keys', { [KEY_POLICY_SECRET]: SECRET }));
  const policies = await api.listAll<{ id: string; name: string; owner?: string; fingerprint: string }>('/v1/key-policies');
  const p = policies.find((x) => x.name === 'pvc-keys')!;
  expect(p).toBeDefined();
  expect(p.owner).toBe('k8s:csi.tessera.io');
  const v = (await api.request<{ encrypt: boolean; keyPolicy: string }>('GET', `/v1/volumes/${a.volume.volume_id}`)).data;
  expect(v.encrypt).toBe(true);
  expect(v.keyPolicy).toBe('pvc-keys');
  // A second claim under the same policy uses it as it is (no rotation, no second policy).
  await call('CreateVolume', claim('pvc-enc-2', 'pvc-keys', { [KEY_POLICY_SECRET]: SECRET }));
  const again = (await api.listAll<{ name: string; fingerprint: string; version: number }>('/v1/key-policies')).filter((x) => x.name === 'pvc-keys');
  expect(again).toHaveLength(1);
  expect(again[0].fingerprint).toBe(p.fingerprint);
  expect(JSON.stringify(await api.request('GET', `/v1/key-policies/${p.id}`))).not.toContain(SECRET);
});

test('refusals name the secret key, never its value', async () => {
  const short = 'short-but-secret';
  const tooShort = await failure('CreateVolume', claim('pvc-enc-3', 'pvc-short', { [KEY_POLICY_SECRET]: short.slice(0, 10) }));
  expect(tooShort.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(tooShort.details).toMatch(new RegExp(`secrets\\.${KEY_POLICY_SECRET}: `));
  expect(tooShort.details).not.toContain(short.slice(0, 10));
  const plain = await failure('CreateVolume', { ...claim('pvc-enc-4', 'pvc-keys', { [KEY_POLICY_SECRET]: SECRET }), parameters: { cluster: 'enc', type: 'slice' } });
  expect(plain.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(plain.details).toMatch(/only for encrypt "true" with a keyPolicy/);
  // Without a secret a missing policy is the composer's validation sentence, as before.
  const none = await failure('CreateVolume', claim('pvc-enc-5', 'pvc-absent', {}));
  expect(none.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(none.details).toMatch(/key policy pvc-absent does not exist/);
  // Infeasible claim carrying the secret: the engine's sentence, the secret nowhere.
  const huge = await failure('CreateVolume', { ...claim('pvc-enc-6', 'pvc-keys', { [KEY_POLICY_SECRET]: SECRET }), capacity_range: { required_bytes: String(100_000 * GiB) } });
  expect(huge.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(huge.details).not.toContain(SECRET);
  expect(driverLog.length).toBeGreaterThan(0); // the failures above were logged...
  for (const line of [...driverLog, ...tc.logs]) {
    expect(line).not.toContain(SECRET); // ...without the secret
    expect(line).not.toContain(short.slice(0, 10));
  }
});

test('redact removes every secret value from a sentence (the last guard before a status message)', () => {
  expect(redact(`bad ${SECRET} and ${SECRET}`, { [KEY_POLICY_SECRET]: SECRET, empty: '' })).toBe('bad [secret] and [secret]');
  expect(redact('nothing here', undefined)).toBe('nothing here');
});
