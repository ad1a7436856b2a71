// Pulumi programs using the SDK, run under pulumi.runtime.setMocks: the engine is mocked (no
// pulumi CLI in a unit test), everything the SDK itself does (props, type tokens, secrets,
// the serialized provider, the component's layout) is real.
import * as pulumi from '@pulumi/pulumi';
import { drainRegistrations, valueOf as value } from './outputs';

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];
let nextId = 0;

pulumi.runtime.setMocks(
  {
    newResource(args) {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      if (!args.custom) return { id: undefined as unknown as string, state: {} };
      const outputs: Record<string, unknown> = { ...args.inputs, state: 'staged', raidLevel: 'raid1', transport: 'roce', capacityGiB: 100, members: [{ serial: 'A1-SSD-00', enclosure: 'jbod-a1', storageGroup: 'sg-1', offsetGiB: 0, sizeGiB: 100, mirror: 0, stripe: 0 }] };
      delete outputs.__provider;
      return { id: `id-${++nextId}`, state: outputs };
    },
    call() {
      return {};
    },
  },
  'platform',
  'dev',
  false,
);

// Loaded after setMocks so the resources register against the mocks.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tessera = require('../../sdk') as typeof import('../../sdk');

describe('Pulumi SDK (mocked engine)', () => {
  beforeEach(() => {
    registered.length = 0;
  });
  // Nothing a test registered may still be running when the next test (or suite) starts.
  afterEach(drainRegistrations);

  it('registers typed dynamic resources with custom type tokens, owner URNs and a serialized provider', async () => {
    const c = new tessera.Cluster('kafka', { servers: ['k1', 'k2'] });
    const v = new tessera.Volume('data', { cluster: c.id, type: 'ssd', sizeGiB: 100, redundancy: true, server: 'k1', mountPath: '/data' });
    expect(await value(v.raidLevel)).toBe('raid1');
    expect(await value(v.name)).toBe('data');
    expect(await value(v.cluster)).toBe(await value(c.id));
    const vol = registered.find((r) => r.name === 'data')!;
    expect(vol.type).toBe('pulumi-nodejs:dynamic/tessera:Volume');
    expect(tessera.Volume.typeToken).toBe(vol.type);
    expect(vol.inputs.owner).toBe('urn:pulumi:dev::platform::pulumi-nodejs:dynamic/tessera:Volume::data');
    const provider = vol.inputs.__provider as string;
    expect(provider).toContain('exports.handler');
    expect(provider).toContain('makeDynamicProvider');
    expect(registered.find((r) => r.name === 'kafka')!.type).toBe('pulumi-nodejs:dynamic/tessera:Cluster');
  });

  it('never puts the endpoint or token into the serialized provider', async () => {
    process.env.TESSERA_TOKEN = 'token-from-env-must-not-leak';
    process.env.TESSERA_ENDPOINT = 'http://10.9.8.7:7420';
    try {
      const c = new tessera.Cluster('c2', { servers: [] });
      await value(c.id);
      const text = registered.find((r) => r.name === 'c2')!.inputs.__provider as string;
      expect(text).not.toContain('token-from-env-must-not-leak');
      expect(text).not.toContain('10.9.8.7');
    } finally {
      delete process.env.TESSERA_TOKEN;
      delete process.env.TESSERA_ENDPOINT;
    }
  });

  it('keeps the key policy secret a secret (input wrapped, output in additionalSecretOutputs)', async () => {
    const kp = new tessera.KeyPolicy('keys', { secret: 'a-plain-string-secret-123' });
    expect(await pulumi.isSecret(kp.secret)).toBe(true);
    expect(await pulumi.isSecret(kp.fingerprint)).toBe(false);
    expect(tessera.KeyPolicy.secretOutputs).toEqual(['secret']);
    expect(await value(kp.name)).toBe('keys');
  });

  it('ScaleOutCluster lays out N servers x M volumes (+ slices) under one cluster', async () => {
    const kp = new tessera.KeyPolicy('kp', { secret: 'another-secret-0123456789' });
    const app = new tessera.ScaleOutCluster('cassandra', {
      servers: ['k1', 'k2', 'k9'],
      keyPolicy: kp.id,
      volumes: [
        { name: 'data', type: 'ssd', sizeGiB: 500, redundancy: true, encrypt: true, mountPath: '/srv/cassandra/data' },
        { name: 'commitlog', type: 'slice', sizeGiB: 32, mountPath: '/srv/cassandra/commitlog' },
      ],
      slices: [{ name: 'cache', sizeGiB: 16 }],
    });
    const rows = await value(app.composition);
    expect(rows).toHaveLength(3 * 3);
    expect(rows.filter((r) => r.kind === 'slice').map((r) => r.name)).toEqual(['k1-cache', 'k2-cache', 'k9-cache']);
    expect(rows.find((r) => r.name === 'k2-data')).toMatchObject({ server: 'k2', mountPath: '/srv/cassandra/data', raidLevel: 'raid1', transport: 'roce' });
    const byType = (t: string) => registered.filter((r) => r.type === t);
    expect(byType('tessera:index:ScaleOutCluster').map((r) => r.name)).toEqual(['cassandra']);
    expect(byType('pulumi-nodejs:dynamic/tessera:Cluster')[0].inputs).toMatchObject({ name: 'cassandra', servers: ['k1', 'k2', 'k9'], keyPolicy: await value(kp.id) });
    const vols = byType('pulumi-nodejs:dynamic/tessera:Volume');
    expect(vols.map((v) => v.name).sort()).toEqual(['cassandra-k1-commitlog', 'cassandra-k1-data', 'cassandra-k2-commitlog', 'cassandra-k2-data', 'cassandra-k9-commitlog', 'cassandra-k9-data']);
    const data = vols.find((v) => v.name === 'cassandra-k9-data')!;
    expect(data.inputs).toMatchObject({ name: 'k9-data', server: 'k9', encrypt: true, keyPolicy: await value(kp.id) });
    expect(data.inputs.owner).toBe('urn:pulumi:dev::platform::tessera:index:ScaleOutCluster$pulumi-nodejs:dynamic/tessera:Volume::cassandra-k9-data');
    // Unencrypted templates do not get the key policy (the composer refuses keyPolicy without encrypt).
    expect(vols.find((v) => v.name === 'cassandra-k1-commitlog')!.inputs.keyPolicy).toBeUndefined();
  });

  it('ScaleOutCluster refuses duplicate template names and an empty server list', () => {
    expect(() => new tessera.ScaleOutCluster('x', { servers: [], volumes: [] })).toThrow('servers: needs at least one server');
    expect(() => new tessera.ScaleOutCluster('y', { servers: ['k1'], volumes: [{ name: 'a', sizeGiB: 1 }, { name: 'a', sizeGiB: 2 }] })).toThrow('volumes[1].name: duplicate template name "a"');
  });

  it('ScaleOutCluster checks names as the CDKTF construct does (one expand)', () => {
    expect(() => new tessera.ScaleOutCluster('z', { servers: ['K1'], volumes: [] })).toThrow(/^ScaleOutCluster: servers\[0\]: "K1" must match/);
    expect(() => new tessera.ScaleOutCluster('Bad', { servers: ['k1'], volumes: [] })).toThrow(/^ScaleOutCluster: clusterName: "Bad" must match/);
  });

  it('ScaleOutCluster with stage: false composes only: no server, no mount path', async () => {
    new tessera.ScaleOutCluster('compose', { servers: ['k1', 'k2'], stage: false, volumes: [{ name: 'data', type: 'hdd', sizeGiB: 10, mountPath: '/srv/data' }], slices: [{ name: 'cache', sizeGiB: 4 }] });
    await drainRegistrations();
    const vols = registered.filter((r) => r.type === 'pulumi-nodejs:dynamic/tessera:Volume');
    expect(vols.map((v) => [v.inputs.name, v.inputs.server, v.inputs.mountPath])).toEqual([['k1-data', undefined, undefined], ['k2-data', undefined, undefined]]);
    expect(registered.filter((r) => r.type === 'pulumi-nodejs:dynamic/tessera:Slice').map((v) => [v.inputs.name, v.inputs.server])).toEqual([['k1-cache', undefined], ['k2-cache', undefined]]);
  });
});
