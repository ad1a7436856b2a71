// End to end with the real engine: the pulumi CLI (built by scripts/engines.sh; missing engines
// make this fail, never skip), a file:// backend, the Tessera SDK's dynamic provider, a real
// composer on SQLite and simulated agents. Endpoint and token come from the stack config.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ComposerClient } from '../../provider/client';
import { poolSnapshot, startLabEnv, LabEnv } from '../../provider/demo/lab-env';
import { enginePaths } from '../helpers/engines';
import { createPulumiProject, createStack, destroy, exportStack, hasNoChanges, preview, PULUMI_PROGRAM_TSCONFIG, PulumiStack, refresh, removeStack, runPulumi, stackOutputs, up } from '../helpers/pulumi';

const REPO = path.resolve(__dirname, '../..');
const KEY_SECRET = 'e2e-key-secret-never-in-plaintext-7f3a';

const PROGRAM = `
import * as pulumi from '@pulumi/pulumi';
import * as tessera from ${JSON.stringify(path.join(REPO, 'sdk'))};

const config = new pulumi.Config();
const keys = new tessera.KeyPolicy('keys', { secret: config.requireSecret('keySecret') });
const cluster = new tessera.Cluster('e2e', { servers: ['k1', 'k2'] });
// The replacement below may land on the drive the deleted slice used: the agent wipes a deleted
// Tessera volume's leftovers before formatting.
const cache = new tessera.Volume('cache', {
  cluster: cluster.id,
  type: (config.get('cacheType') ?? 'slice') as 'slice' | 'ssd',
  sizeGiB: config.requireNumber('cacheGiB'),
  server: 'k1',
  mountPath: '/srv/cache',
  allowDataLoss: config.getBoolean('cacheAllowDataLoss') ?? false,
});
const data = new tessera.Volume('data', {
  cluster: cluster.id,
  type: 'ssd',
  sizeGiB: 1000,
  redundancy: true,
  encrypt: true,
  keyPolicy: keys.id,
  fsType: 'xfs',
  server: 'k2',
  mountPath: '/srv/data',
});
const scratch = new tessera.Slice('scratch', { cluster: cluster.id, sizeGiB: 8, server: 'k1' });
// Objects made outside Pulumi, adopted by id (read, never created or deleted by Pulumi): one of each kind.
const adopt: Record<string, string> = JSON.parse(config.get('adopt') ?? '{}');
const adoptedCluster = adopt.cluster ? tessera.Cluster.get('adopted-cluster', adopt.cluster) : undefined;
const adoptedVolume = adopt.volume ? tessera.Volume.get('adopted-volume', adopt.volume) : undefined;
const adoptedKeys = adopt.keyPolicy ? tessera.KeyPolicy.get('adopted-keys', adopt.keyPolicy) : undefined;
const adopted = adopt.slice ? tessera.Slice.get('adopted', adopt.slice) : undefined;
export const adoptedCapacity = adopted?.capacityGiB;
export const adoptedOwner = adopted?.owner;
export const adoptedClusterServers = adoptedCluster?.servers;
export const adoptedVolumeSize = adoptedVolume?.sizeGiB;
export const adoptedVolumeOwner = adoptedVolume?.owner;
export const adoptedKeysName = adoptedKeys?.name;
const hugeGiB = config.getNumber('hugeGiB');
if (hugeGiB) new tessera.Volume('huge', { cluster: cluster.id, type: 'ssd', sizeGiB: hugeGiB, striping: false });

export const cacheId = cache.id;
export const cacheType = cache.type;
export const cacheMembers = cache.members;
export const cacheCapacity = cache.capacityGiB;
export const cacheState = cache.state;
export const dataId = data.id;
export const dataRaid = data.raidLevel;
export const dataMembers = data.members;
export const scratchDevice = scratch.devicePath;
export const keyFingerprint = keys.fingerprint;
export const keySecret = keys.secret;
`;

interface MemberOut {
  serial: string;
  enclosure: string;
  storageGroup: string;
  offsetGiB: number;
  sizeGiB: number;
}

describe('pulumi up/preview/refresh/destroy with the Tessera SDK against a real composer', () => {
  let env: LabEnv;
  let work: string;
  let stack: PulumiStack;
  let client: ComposerClient;

  beforeAll(async () => {
    enginePaths(); // throws, naming scripts/engines.sh, when the engines are missing
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-pulumi-'));
    env = await startLabEnv({ dir: path.join(work, 'lab'), servers: ['k1', 'k2'] });
    client = new ComposerClient({ endpoint: env.url, token: env.token });
    const projectDir = createPulumiProject({ name: 'tessera-e2e', program: PROGRAM, dir: path.join(work, 'project'), files: { 'tsconfig.json': PULUMI_PROGRAM_TSCONFIG } });
    stack = await createStack(projectDir, {
      stack: 'e2e',
      config: { 'tessera:endpoint': env.url, cacheGiB: '10' },
      secrets: { 'tessera:token': env.token, keySecret: KEY_SECRET },
    });
  }, 300_000);

  afterAll(async () => {
    if (stack) await removeStack(stack);
    if (env) await env.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const setConfig = (key: string, value: string) => runPulumi(stack, ['config', 'set', key, value]);
  const stepsFor = (p: { steps: { op: string; urn: string; replaceReasons?: string[]; diffReasons?: string[] }[] }, name: string) => p.steps.filter((s) => s.urn.endsWith(`::${name}`));

  it('composes the stack, keeps it stable, grows in place, replaces on type, notices drift and destroys back to the original pool {Cluster: create replan import destroy} {Volume: create replan grow replace data-loss-refused drift-deleted import destroy infeasible-create infeasible-growth} {Slice: create replan import destroy} {KeyPolicy: create replan import destroy}', async () => {
    const before = await poolSnapshot(client);
    expect(before.objects).toEqual({ clusters: 0, volumes: 0, slices: 0, 'key-policies': 0 });

    // 0. Preview of a fresh stack: the cluster id is not known yet, so feasibility is checked
    // with a capacity query; an impossible volume fails the preview, nothing is created.
    await setConfig('hugeGiB', '50000');
    const fresh = await preview(stack, { allowFailure: true });
    expect(fresh.raw.code).not.toBe(0);
    expect(fresh.raw.stdout + fresh.raw.stderr).toMatch(/property sizeGiB value \{50000\} has a problem: the pool cannot place 50000 GiB of ssd[^\n]*largest that would succeed now is 1788 GiB/);
    await runPulumi(stack, ['config', 'rm', 'hugeGiB']);
    const plan = await preview(stack);
    expect(plan.changeSummary).toMatchObject({ create: 6 });
    expect(await poolSnapshot(client)).toEqual(before);

    // 1. up: everything composed and staged by the agents, owners are the URNs.
    await up(stack);
    const out1 = await stackOutputs(stack);
    expect(out1.cacheType).toBe('slice');
    expect(out1.cacheCapacity).toBe(10);
    expect(out1.cacheState).toBe('staged');
    expect(out1.dataRaid).toBe('raid1');
    const dataMembers = out1.dataMembers as MemberOut[];
    expect(new Set(dataMembers.map((m) => m.storageGroup)).size).toBe(2);
    expect(new Set(dataMembers.map((m) => m.enclosure)).size).toBe(2);
    expect(out1.scratchDevice).toEqual(expect.any(String));
    expect(out1.keySecret).toBe('[secret]');
    const cache1 = (await client.request<{ owner: string; state: string }>('GET', `/v1/volumes/${out1.cacheId}`)).data;
    expect(cache1.owner).toBe('urn:pulumi:e2e::tessera-e2e::pulumi-nodejs:dynamic/tessera:Volume::cache');
    expect(cache1.state).toBe('staged');

    // The checkpoint never holds the key secret or the token in plaintext.
    const checkpoint = JSON.stringify(await exportStack(stack));
    expect(checkpoint).not.toContain(KEY_SECRET);
    expect(checkpoint).not.toContain(env.token);
    expect(checkpoint).toContain('pulumi-nodejs:dynamic/tessera:KeyPolicy');

    // 2. A second preview shows no changes.
    const again = await preview(stack);
    expect(hasNoChanges(again.changeSummary)).toBe(true);

    // Preview-time feasibility: an impossible volume fails the preview with the engine's reason.
    await setConfig('hugeGiB', '50000');
    const infeasible = await preview(stack, { allowFailure: true });
    expect(infeasible.raw.code).not.toBe(0);
    expect(infeasible.raw.stdout + infeasible.raw.stderr).toMatch(/property sizeGiB value \{50000\} has a problem: [^\n]*50000 GiB[^\n]*largest[^\n]*1788 GiB/);
    await runPulumi(stack, ['config', 'rm', 'hugeGiB']);

    // A growth past what its drive has after the extent fails the preview, on sizeGiB, naming the numbers.
    await setConfig('cacheGiB', '5000');
    const tooBig = await preview(stack, { allowFailure: true });
    expect(tooBig.raw.code).not.toBe(0);
    expect((tooBig.raw.stdout + tooBig.raw.stderr).replace(/\s+/g, ' ')).toMatch(/sizeGiB[^.]*cannot grow vol-[0-9a-f]+ from 10 to 5000 GiB in place: drive \S+ has \d+ GiB free after the extent/);
    expect(await poolSnapshot(client)).toMatchObject({ objects: { volumes: 2, slices: 1 } });

    // 3. Grow the slice volume: an in-place update, same members (drive and offset).
    await setConfig('cacheGiB', '20');
    const grow = await preview(stack);
    expect(grow.changeSummary).toMatchObject({ update: 1 });
    expect(grow.changeSummary.replace).toBeUndefined();
    expect(stepsFor(grow, 'cache').map((s) => s.op)).toEqual(['update']);
    await up(stack);
    const out2 = await stackOutputs(stack);
    expect(out2.cacheId).toBe(out1.cacheId);
    expect(out2.cacheCapacity).toBe(20);
    const m1 = (out1.cacheMembers as MemberOut[]).map((m) => [m.serial, m.offsetGiB]);
    const m2 = (out2.cacheMembers as MemberOut[]).map((m) => [m.serial, m.offsetGiB]);
    expect(m2).toEqual(m1);
    expect((out2.cacheMembers as MemberOut[])[0].sizeGiB).toBe(20);

    // 4. Change `type`: a replacement deletes the volume's data first, so the preview refuses it
    // on the property, saying what to do; with allowDataLoss it replaces (delete first: the name is reused).
    await setConfig('cacheType', 'ssd');
    const refused = await preview(stack, { allowFailure: true });
    expect(refused.raw.code).not.toBe(0);
    expect(refused.raw.stdout + refused.raw.stderr).toMatch(/property type value \{ssd\} has a problem: changing type replaces the volume[^\n]*allowDataLoss = true/);
    await setConfig('cacheAllowDataLoss', 'true');
    const retype = await preview(stack);
    const cacheOps = stepsFor(retype, 'cache').map((s) => s.op);
    expect(cacheOps).toEqual(['replace']);
    expect(stepsFor(retype, 'cache').some((s) => (s.replaceReasons ?? []).includes('type'))).toBe(true);
    const replaced = await up(stack);
    // Delete before replace: the name is reused, and the old volume holds capacity.
    const order = replaced.stdout.split('\n').filter((l) => /Volume cache (deleted original|creating replacement)/.test(l));
    expect(order[0]).toMatch(/deleted original/);
    expect(order[order.length - 1]).toMatch(/creating replacement/);
    const out3 = await stackOutputs(stack);
    expect(out3.cacheId).not.toBe(out1.cacheId);
    expect(out3.cacheType).toBe('ssd');
    expect((out3.cacheMembers as MemberOut[])[0].offsetGiB).toBe(0);
    expect(await client.request('GET', `/v1/volumes/${out1.cacheId}`, { accept: [404] })).toMatchObject({ status: 404 });
    expect(hasNoChanges((await preview(stack)).changeSummary)).toBe(true);

    // 5. Delete a volume behind Pulumi's back (acting for its owner, the stack's URN): refresh notices and drops it from the state.
    await client.request('DELETE', `/v1/volumes/${out1.dataId}`, { query: { owner: 'urn:pulumi:e2e::tessera-e2e::pulumi-nodejs:dynamic/tessera:Volume::data' } });
    await refresh(stack);
    const refreshed = await exportStack(stack);
    const urns = (refreshed.deployment.resources ?? []).map((r) => String(r.urn));
    expect(urns.some((u) => u.endsWith('::data'))).toBe(false);
    expect(urns.some((u) => u.endsWith('::cache'))).toBe(true);
    const recreate = await preview(stack);
    expect(recreate.changeSummary).toMatchObject({ create: 1 });
    expect(stepsFor(recreate, 'data').map((s) => s.op)).toEqual(['create']);

    // Adopt a cluster, a volume, a key policy and a slice made outside Pulumi by their ids
    // (Kind.get: Pulumi's dynamic providers cannot serve the `import` option, docs/pulumi.md):
    // read, not created; dropping them from the program deletes nothing.
    const post = async (p: string, body: Record<string, unknown>) => {
      const r = await client.request<{ id: string }>('POST', p, { body });
      return r.data.id;
    };
    const made = { cluster: await post('/v1/clusters', { name: 'outside-cluster', servers: ['k2'], owner: 'ops' }) } as Record<string, string>;
    made.volume = await post('/v1/volumes', { cluster: made.cluster, name: 'outside-volume', type: 'hdd', sizeGiB: 4, striping: false, owner: 'ops' });
    made.keyPolicy = await post('/v1/key-policies', { name: 'outside-keys', secret: 'an operator key secret, outside pulumi', owner: 'ops' });
    made.slice = await post('/v1/slices', { cluster: made.cluster, name: 'outside', sizeGiB: 3, owner: 'ops' });
    await setConfig('adopt', JSON.stringify(made));
    const adoptPreview = await preview(stack);
    // The only create is data's (deleted out of band above); the adopted ones are reads.
    expect(adoptPreview.steps.filter((s) => s.op === 'create').map((s) => s.urn.replace(/^.*::/, ''))).toEqual(['data']);
    for (const n of ['adopted-cluster', 'adopted-volume', 'adopted-keys', 'adopted']) expect(stepsFor(adoptPreview, n).map((s) => s.op)).toEqual(['read']);
    await up(stack);
    const adoptedOut = await stackOutputs(stack);
    expect(adoptedOut).toMatchObject({ adoptedCapacity: 3, adoptedOwner: 'ops', adoptedClusterServers: ['k2'], adoptedVolumeSize: 4, adoptedVolumeOwner: 'ops', adoptedKeysName: 'outside-keys' });
    expect(JSON.stringify(await exportStack(stack))).not.toContain('an operator key secret, outside pulumi');
    await runPulumi(stack, ['config', 'rm', 'adopt']);
    await up(stack);
    // Still there, and their owner deletes them (the slice and the volume before their cluster).
    const paths: [string, string][] = [['slices', made.slice], ['volumes', made.volume], ['key-policies', made.keyPolicy], ['clusters', made.cluster]];
    for (const [kind, id] of paths) expect({ kind, status: (await client.request('GET', `/v1/${kind}/${id}`)).status }).toEqual({ kind, status: 200 });
    for (const [kind, id] of paths) {
      await client.request('DELETE', `/v1/${kind}/${id}`, { query: { owner: 'ops' } });
      const deadline = Date.now() + 30_000;
      while ((await client.request(`GET`, `/v1/${kind}/${id}`, { accept: [404] })).status !== 404) {
        if (Date.now() > deadline) throw new Error(`${kind}/${id} still there 30 s after its owner deleted it`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }

    // 6. destroy: the pool is exactly as before.
    await destroy(stack);
    const after = await poolSnapshot(client);
    expect(after).toEqual(before);
  }, 900_000);
});

describe('npm run demo (bin/tessera demo)', () => {
  it('composes examples/pulumi-platform with the real engine, prints the composition and leaves the pool as before', async () => {
    enginePaths();
    const { execFile } = await import('node:child_process');
    const res = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(path.join(REPO, 'bin', 'tessera'), ['demo', '--json'], { cwd: REPO, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    if (res.code !== 0) throw new Error(`demo exited ${res.code}:\n${res.stderr.slice(-4000)}`);
    const { volumes, slices } = JSON.parse(res.stdout) as {
      volumes: { name: string; raidLevel: string; encrypt: boolean; state: string; server: string; mountPath?: string; members: MemberOut[] }[];
      slices: { name: string; state: string }[];
    };
    expect(volumes).toHaveLength(12);
    expect(slices).toHaveLength(6);
    for (const v of volumes.filter((x) => x.name.endsWith('-log'))) {
      expect(v).toMatchObject({ raidLevel: 'raid1', encrypt: true, state: 'staged', mountPath: '/srv/kafka/data' });
      expect(new Set(v.members.map((m) => m.storageGroup)).size).toBe(2);
    }
    expect([...volumes, ...slices].every((v) => v.state === 'staged')).toBe(true);
    expect(res.stderr).toContain('demo: pulumi up done');
    expect(res.stderr).toContain('demo: the pool is exactly as before');
  }, 900_000);
});
