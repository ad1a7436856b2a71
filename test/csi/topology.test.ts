// CSI topology against a real composer (SQLite, in process) and both plugins over gRPC on unix
// sockets: NodeGetInfo reports the node's server and bandwidth domain; CreateVolume honours
// preferred and requisite topologies with the composer's placement rules (softDomains false:
// members in the chosen server's domain) and refuses a requisite no server can satisfy.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ComposerClient } from '../../provider/client';
import { csiServices, startCsiController, startCsiNode, type CsiServer } from '../../provider/csi';
import { TOPOLOGY_DOMAIN, TOPOLOGY_SERVER } from '../../provider/csi/topology';
import type { Inventory } from '../../provider/model/inventory';
import { OPERATOR_TOKEN, startTestComposer, type TestComposer } from '../helpers/composer';

type Client = grpc.Client & Record<string, (req: unknown, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void>;
const GiB = 1024 ** 3;
let tc: TestComposer;
const servers: CsiServer[] = [];
let ctl: Client;
let node: Client;
let dir: string;
let api: ComposerClient;

// Rack a: SSDs and HDDs; rack b: HDDs only. Servers a1, a2 in rack a; b1, b2 in rack b.
function twoRacks(): Inventory {
  const drives = (enc: string, type: 'hdd' | 'ssd', n: number) =>
    Array.from({ length: n }, (_, i) => ({ serial: `${enc}-${type}-${i}`, type, sizeGiB: 800, ...(type === 'hdd' ? { rpm: 7200 } : {}), tags: [] }));
  const enclosure = (name: string, bd: string, hdd: number, ssd: number) => ({
    name, transports: ['nvmetcp'] as 'nvmetcp'[], portal: `10.0.0.${name.length}:4420`, uplinkGbps: 100, bandwidthDomain: bd,
    drives: [...drives(name, 'hdd', hdd), ...drives(name, 'ssd', ssd)],
  });
  return {
    bandwidthDomains: [{ name: 'rack-a' }, { name: 'rack-b' }],
    storageGroups: [{ name: 'sg', enclosures: [enclosure('enc-a', 'rack-a', 2, 2), enclosure('enc-b', 'rack-b', 4, 0)] }],
    servers: [['a1', 'rack-a'], ['a2', 'rack-a'], ['b1', 'rack-b'], ['b2', 'rack-b']].map(([name, bd]) => ({ name, transports: ['nvmetcp'] as 'nvmetcp'[], nicGbps: 25, bandwidthDomain: bd, tags: [] })),
  };
}

const call = <T = Record<string, unknown>>(c: Client, method: string, req: unknown) =>
  new Promise<T>((resolve, reject) => c[method](req, (err, res) => (err ? reject(err) : resolve(res as T))));
const failure = (c: Client, method: string, req: unknown) => call(c, method, req).then(() => { throw new Error(`${method} succeeded`); }, (e: grpc.ServiceError) => e);
const mount = [{ mount: { fs_type: '' }, access_mode: { mode: 'SINGLE_NODE_WRITER' } }];
const topo = (segments: Record<string, string>) => ({ segments });
type Created = { volume: { volume_id: string; accessible_topology: { segments: Record<string, string> }[] } };
const create = (name: string, type: string, accessibility_requirements: unknown) =>
  call<Created>(ctl, 'CreateVolume', { name, capacity_range: { required_bytes: String(GiB) }, volume_capabilities: mount, parameters: { cluster: 'racks', type }, accessibility_requirements });
const serverOf = async (id: string) => (await api.request<{ server?: string }>('GET', `/v1/volumes/${id}`)).data.server;

beforeAll(async () => {
  tc = await startTestComposer({ inventory: twoRacks() });
  api = new ComposerClient({ endpoint: tc.url, token: OPERATOR_TOKEN });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-csi-topo-'));
  servers.push(await startCsiController({ endpoint: `unix://${dir}/c.sock`, client: api, log: () => undefined }));
  servers.push(await startCsiNode({ endpoint: `unix://${dir}/n.sock`, client: api, server: 'b1', log: () => undefined }));
  ctl = new (csiServices().Controller)(`unix://${dir}/c.sock`, grpc.credentials.createInsecure()) as Client;
  node = new (csiServices().Node)(`unix://${dir}/n.sock`, grpc.credentials.createInsecure()) as Client;
});

afterAll(async () => {
  ctl.close();
  node.close();
  await Promise.all(servers.map((s) => s.close()));
  await tc.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('NodeGetInfo reports the server and its bandwidth domain; both plugins advertise the constraint', async () => {
  const info = await call<{ node_id: string; accessible_topology: { segments: Record<string, string> } }>(node, 'NodeGetInfo', {});
  expect(info.node_id).toBe('b1');
  expect(info.accessible_topology.segments).toEqual({ [TOPOLOGY_SERVER]: 'b1', [TOPOLOGY_DOMAIN]: 'rack-b' });
  for (const sock of ['c.sock', 'n.sock']) {
    const id = new (csiServices().Identity)(`unix://${dir}/${sock}`, grpc.credentials.createInsecure()) as Client;
    const caps = await call<{ capabilities: { service?: { type: string } }[] }>(id, 'GetPluginCapabilities', {});
    id.close();
    expect(caps.capabilities.map((c) => c.service?.type)).toContain('VOLUME_ACCESSIBILITY_CONSTRAINTS');
  }
});

test('preferred topologies are honoured in order, skipping servers whose placement is infeasible', async () => {
  // b2 first: an hdd fits rack b, so the volume is b2's.
  const hdd = await create('pvc-pref-hdd', 'hdd', { preferred: [topo({ [TOPOLOGY_SERVER]: 'b2' }), topo({ [TOPOLOGY_SERVER]: 'a1' })] });
  expect(hdd.volume.accessible_topology).toEqual([{ segments: { [TOPOLOGY_SERVER]: 'b2', [TOPOLOGY_DOMAIN]: 'rack-b' } }]);
  expect(await serverOf(hdd.volume.volume_id)).toBe('b2');
  // An SSD volume cannot sit in rack b (no SSD there, softDomains false): the next preference wins.
  const ssd = await create('pvc-pref-ssd', 'ssd', { preferred: [topo({ [TOPOLOGY_DOMAIN]: 'rack-b' }), topo({ [TOPOLOGY_SERVER]: 'a2' })] });
  expect(ssd.volume.accessible_topology).toEqual([{ segments: { [TOPOLOGY_SERVER]: 'a2', [TOPOLOGY_DOMAIN]: 'rack-a' } }]);
  // Same request again: the same volume (idempotent by name).
  const again = await create('pvc-pref-ssd', 'ssd', { preferred: [topo({ [TOPOLOGY_DOMAIN]: 'rack-b' }), topo({ [TOPOLOGY_SERVER]: 'a2' })] });
  expect(again.volume.volume_id).toBe(ssd.volume.volume_id);
  // And after ControllerUnpublish cleared the assignment: still the same volume, reachable from its
  // members' bandwidth domain (softDomains false).
  await call(ctl, 'ControllerUnpublishVolume', { volume_id: ssd.volume.volume_id, node_id: 'a2' });
  expect(await serverOf(ssd.volume.volume_id)).toBeUndefined();
  const later = await create('pvc-pref-ssd', 'ssd', { preferred: [topo({ [TOPOLOGY_DOMAIN]: 'rack-b' }), topo({ [TOPOLOGY_SERVER]: 'a2' })] });
  expect(later.volume.volume_id).toBe(ssd.volume.volume_id);
  expect(later.volume.accessible_topology).toEqual([{ segments: { [TOPOLOGY_DOMAIN]: 'rack-a' } }]);
  // ListVolumes reports the same topologies.
  const listed = await call<{ entries: { volume: Created['volume'] }[] }>(ctl, 'ListVolumes', { max_entries: 0, starting_token: '' });
  const byId = new Map(listed.entries.map((e) => [e.volume.volume_id, e.volume.accessible_topology]));
  expect(byId.get(hdd.volume.volume_id)).toEqual([{ segments: { [TOPOLOGY_SERVER]: 'b2', [TOPOLOGY_DOMAIN]: 'rack-b' } }]);
  expect(byId.get(ssd.volume.volume_id)).toEqual([{ segments: { [TOPOLOGY_DOMAIN]: 'rack-a' } }]);
});

test('requisite limits the servers; preferred orders them within it', async () => {
  const v = await create('pvc-req', 'hdd', { requisite: [topo({ [TOPOLOGY_DOMAIN]: 'rack-b' })], preferred: [topo({ [TOPOLOGY_SERVER]: 'a1' }), topo({ [TOPOLOGY_SERVER]: 'b2' })] });
  expect(v.volume.accessible_topology[0].segments).toEqual({ [TOPOLOGY_SERVER]: 'b2', [TOPOLOGY_DOMAIN]: 'rack-b' });
  const first = await create('pvc-req-2', 'hdd', { requisite: [topo({ [TOPOLOGY_DOMAIN]: 'rack-b' })] });
  expect(first.volume.accessible_topology[0].segments[TOPOLOGY_SERVER]).toBe('b1');
});

test('an impossible requisite is refused with the reason, and nothing is made', async () => {
  const before = (await api.listAll<{ name: string }>('/v1/volumes')).length;
  const e = await failure(ctl, 'CreateVolume', { name: 'pvc-no-ssd', capacity_range: { required_bytes: String(GiB) }, volume_capabilities: mount, parameters: { cluster: 'racks', type: 'ssd' }, accessibility_requirements: { requisite: [topo({ [TOPOLOGY_DOMAIN]: 'rack-b' })] } });
  expect(e.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(e.details).toMatch(/^accessibility_requirements: no server of the accessible topology can take the volume: b1: .+; b2: /);
  const unknown = await failure(ctl, 'CreateVolume', { name: 'pvc-nowhere', volume_capabilities: mount, parameters: { cluster: 'racks', type: 'hdd' }, accessibility_requirements: { requisite: [topo({ [TOPOLOGY_DOMAIN]: 'rack-z' })] } });
  expect(unknown.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(unknown.details).toMatch(/requisite: \{topology.tessera.io\/bandwidth-domain=rack-z\} names no server or bandwidth domain/);
  const badKey = await failure(ctl, 'CreateVolume', { name: 'pvc-key', volume_capabilities: mount, parameters: { cluster: 'racks', type: 'hdd' }, accessibility_requirements: { preferred: [topo({ zone: 'x' })] } });
  expect(badKey.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(badKey.details).toMatch(/preferred\[0\]: unknown topology key zone/);
  expect((await api.listAll<{ name: string }>('/v1/volumes')).length).toBe(before);
});
