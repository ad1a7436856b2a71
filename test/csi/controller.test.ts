// The controller plugin over gRPC on a unix socket against a real composer (SQLite, in process):
// bad parameters, an infeasible claim with the engine's explanation, idempotency by name, and a
// Pulumi-owned volume and a CSI claim under one cluster never colliding.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ComposerClient } from '../../provider/client';
import { csiServices, startCsiController, type CsiServer } from '../../provider/csi';
import { ADMIN_TOKEN, OPERATOR_TOKEN, startTestComposer, type TestComposer } from '../helpers/composer';

const GiB = 1024 ** 3;
let tc: TestComposer;
let server: CsiServer;
let ctl: grpc.Client & Record<string, (req: unknown, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void>;
let dir: string;

const call = <T = Record<string, unknown>>(method: string, req: unknown) =>
  new Promise<T>((resolve, reject) => ctl[method](req, (err, res) => (err ? reject(err) : resolve(res as T))));
const failure = (method: string, req: unknown) => call(method, req).then(() => { throw new Error(`${method} succeeded`); }, (e: grpc.ServiceError) => e);
const mount = [{ mount: { fs_type: '' }, access_mode: { mode: 'SINGLE_NODE_WRITER' } }];

beforeAll(async () => {
  tc = await startTestComposer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-csi-ctl-'));
  server = await startCsiController({ endpoint: `unix://${dir}/c.sock`, client: new ComposerClient({ endpoint: tc.url, token: OPERATOR_TOKEN }), log: () => undefined });
  ctl = new (csiServices().Controller)(`unix://${dir}/c.sock`, grpc.credentials.createInsecure()) as typeof ctl;
});

afterAll(async () => {
  ctl.close();
  await server.close();
  await tc.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('bad parameters are INVALID_ARGUMENT naming the parameter', async () => {
  const e = await failure('CreateVolume', { name: 'pvc-bad', volume_capabilities: mount, parameters: { cluster: 'k8s', raidMaxDrives: '99' } });
  expect(e.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(e.details).toMatch(/^parameter raidMaxDrives: /);
  const mode = await failure('CreateVolume', { name: 'pvc-bad', volume_capabilities: [{ mount: {}, access_mode: { mode: 'MULTI_NODE_MULTI_WRITER' } }], parameters: { cluster: 'k8s' } });
  expect(mode.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(mode.details).toMatch(/MULTI_NODE_MULTI_WRITER is not supported/);
});

test('an infeasible claim is RESOURCE_EXHAUSTED with the engine explanation', async () => {
  const e = await failure('CreateVolume', { name: 'pvc-huge', capacity_range: { required_bytes: String(100_000 * GiB) }, volume_capabilities: mount, parameters: { cluster: 'k8s', type: 'ssd', striping: 'false' } });
  expect(e.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(e.details).toMatch(/insufficient_capacity/);
  expect(e.details).toMatch(/\d+/);
});

test('CreateVolume is idempotent by name; another size is ALREADY_EXISTS; the owner is the PVC', async () => {
  const req = { name: 'pvc-1', capacity_range: { required_bytes: String(GiB) }, volume_capabilities: mount, parameters: { cluster: 'k8s', type: 'slice', 'csi.storage.k8s.io/pvc/name': 'data', 'csi.storage.k8s.io/pvc/namespace': 'shop' } };
  const a = await call<{ volume: { volume_id: string; capacity_bytes: string } }>('CreateVolume', req);
  const b = await call<{ volume: { volume_id: string } }>('CreateVolume', req);
  expect(b.volume.volume_id).toBe(a.volume.volume_id);
  expect(Number(a.volume.capacity_bytes)).toBe(GiB);
  const v = (await new ComposerClient({ endpoint: tc.url, token: OPERATOR_TOKEN }).request<{ owner: string; cluster: string }>('GET', `/v1/volumes/${a.volume.volume_id}`)).data;
  expect(v.owner).toBe('k8s:shop/data');
  const e = await failure('CreateVolume', { ...req, capacity_range: { required_bytes: String(2 * GiB) } });
  expect(e.code).toBe(grpc.status.ALREADY_EXISTS);
  expect(e.details).toMatch(/sizeGiB/);
  await call('DeleteVolume', { volume_id: a.volume.volume_id });
  await call('DeleteVolume', { volume_id: a.volume.volume_id }); // absent: OK
});

test('a Pulumi volume and a CSI claim in one cluster cannot collide', async () => {
  const api = new ComposerClient({ endpoint: tc.url, token: ADMIN_TOKEN });
  await call('CreateVolume', { name: 'pvc-first', volume_capabilities: mount, parameters: { cluster: 'shared', type: 'slice' } }); // makes the cluster
  const clusterId = (await api.listAll<{ id: string; name: string }>('/v1/clusters')).find((c) => c.name === 'shared')!.id;
  const stack = (await api.request<{ id: string }>('POST', '/v1/volumes', { body: { cluster: clusterId, name: 'orders', type: 'slice', sizeGiB: 1, owner: 'urn:pulumi:prod::shop::tessera:index:Volume::orders' } })).data;
  const same = await failure('CreateVolume', { name: 'orders', capacity_range: { required_bytes: String(GiB) }, volume_capabilities: mount, parameters: { cluster: 'shared', type: 'slice' } });
  expect(same.code).toBe(grpc.status.ALREADY_EXISTS);
  expect(same.details).toMatch(/owner_conflict/);
  const del = await failure('DeleteVolume', { volume_id: stack.id });
  expect(del.code).toBe(grpc.status.FAILED_PRECONDITION);
  expect(del.details).toMatch(/urn:pulumi:prod/);
  expect((await api.request('GET', `/v1/volumes/${stack.id}`)).status).toBe(200);
});
