// End to end with the real engine and the native provider (pulumi-resource-tessera, served by
// provider/pulumi-native, bundled and installed with `pulumi plugin install --file`): a Pulumi
// YAML program (the YAML language host built by
// scripts/engines.sh: no SDK involved), a real composer on SQLite and simulated agents.
// up -> empty preview -> in-place update whose preview keeps the stable outputs known ->
// refused and opted-in replacement -> refresh of an object deleted behind Pulumi's back ->
// `pulumi import` and the `import` resource option adopt volumes made outside -> destroy
// restores the pool; the key policy
// secret and the token never appear in `pulumi stack export`.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ComposerClient } from '../../provider/client';
import { poolSnapshot, startLabEnv, type LabEnv } from '../../provider/demo/lab-env';
import { OPERATOR_TOKEN, startTestComposer, type TestComposer } from '../helpers/composer';
import { CommandFailedError, EnginesMissingError, enginePaths, repoRoot, runCommand } from '../helpers/engines';
import { createPulumiProject, createPulumiYamlProject, createStack, generateNativeSdk, PULUMI_PROGRAM_TSCONFIG, destroy, exportStack, hasNoChanges, preview, type PulumiStack, refresh, removeStack, runPulumi, stackOutputs, up, installNativeProvider, typeCheckProgram } from '../helpers/pulumi';
import { driftOutOfBand } from './pulumi-matrix-cases';
import { VERSION } from '../../provider/version';

const KEY_SECRET = 'native-key-secret-never-in-plaintext-51c2';
const PROJECT = 'tessera-native';

/** The program; `extra` adds resources (the imported volume). */
function program(extra = ''): string {
  return `config:
  cacheGiB: { type: integer }
  cacheType: { type: string, default: slice }
  cacheAllowDataLoss: { type: boolean, default: false }
  dataMount: { type: string, default: /srv/data }
  keySecret: { type: string, secret: true }
  siteBEndpoint: { type: string }
  siteBToken: { type: string, secret: true }
resources:
  # A second site: an explicit provider instance with its own endpoint and token.
  siteB:
    type: pulumi:providers:tessera
    properties:
      endpoint: \${siteBEndpoint}
      token: \${siteBToken}
  remoteCluster:
    type: tessera:index:Cluster
    properties:
      name: remote
      servers: [k3]
    options:
      provider: \${siteB}
  remote:
    type: tessera:index:Volume
    properties:
      cluster: \${remoteCluster.id}
      type: hdd
      sizeGiB: 10
    options:
      provider: \${siteB}
  keys:
    type: tessera:index:KeyPolicy
    properties:
      secret: \${keySecret}
  cluster:
    type: tessera:index:Cluster
    properties:
      name: native
      servers: [k1, k2]
  cache:
    type: tessera:index:Volume
    properties:
      cluster: \${cluster.id}
      type: \${cacheType}
      sizeGiB: \${cacheGiB}
      server: k1
      mountPath: /srv/cache
      allowDataLoss: \${cacheAllowDataLoss}
  data:
    type: tessera:index:Volume
    properties:
      cluster: \${cluster.id}
      type: ssd
      sizeGiB: 100
      redundancy: true
      encrypt: true
      keyPolicy: \${keys.id}
      server: k2
      mountPath: \${dataMount}
  witness:
    type: tessera:index:Cluster
    properties:
      servers: [k1]
      labels: ['raid-\${data.raidLevel}', '\${data.transport}']
${extra}variables:
  capacity:
    fn::invoke:
      function: tessera:index:getCapacity
      arguments: { type: ssd }
outputs:
  cacheId: \${cache.id}
  cacheType: \${cache.type}
  cacheCapacity: \${cache.capacityGiB}
  cacheState: \${cache.state}
  cacheOwner: \${cache.owner}
  dataId: \${data.id}
  dataRaid: \${data.raidLevel}
  dataMembers: \${data.members}
  keyFingerprint: \${keys.fingerprint}
  keySecret: \${keys.secret}
  ssdAvailable: \${capacity.availableGiB}
  remoteId: \${remote.id}
`;
}

/** Fails (naming scripts/engines.sh) when the engines or the language host a describe needs are missing. */
function enginesWith(host: string): ReturnType<typeof enginePaths> {
  const engines = enginePaths();
  if (!fs.existsSync(path.join(engines.binDir, host))) throw new EnginesMissingError([host], engines.dir);
  return engines;
}

/** A lab (a composer with simulated agents on k1 and k2) in a fresh temp dir, for one describe. */
async function openLab(prefix: string): Promise<{ work: string; env: LabEnv; client: ComposerClient }> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const env = await startLabEnv({ dir: path.join(work, 'lab'), servers: ['k1', 'k2'] });
  return { work, env, client: new ComposerClient({ endpoint: env.url, token: env.token }) };
}

/** Tears down, in order, what a describe made: its stack, its lab, its temp dir (each if it got that far). */
async function closeLab(stack: PulumiStack | undefined, env: LabEnv | undefined, work: string | undefined): Promise<void> {
  if (stack) await removeStack(stack);
  if (env) await env.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
}

describe('the native provider (pulumi-resource-tessera) from a Pulumi YAML program against a real composer', () => {
  let env: LabEnv;
  let work: string;
  let stack: PulumiStack;
  let client: ComposerClient;
  let siteB: TestComposer;

  beforeAll(async () => {
    enginesWith('pulumi-language-yaml');
    ({ work, env, client } = await openLab('tessera-e2e-native-'));
    siteB = await startTestComposer();
    const projectDir = createPulumiYamlProject({ name: PROJECT, program: program(), dir: path.join(work, 'project') });
    stack = await createStack(projectDir, {
      stack: 'e2e',
      config: { 'tessera:endpoint': env.url, cacheGiB: '10', siteBEndpoint: siteB.url },
      secrets: { 'tessera:token': env.token, keySecret: KEY_SECRET, siteBToken: OPERATOR_TOKEN },
    });
    // As from the release artifact: `pulumi plugin install resource tessera <version> --file`.
    await installNativeProvider(stack, VERSION);
  }, 300_000);

  afterAll(async () => {
    await closeLab(stack, env, work);
    if (siteB) await siteB.close();
  });

  const setConfig = (key: string, value: string) => runPulumi(stack, ['config', 'set', key, value]);
  const stepsFor = (p: { steps: { op: string; urn: string }[] }, name: string) => p.steps.filter((s) => s.urn.endsWith(`::${name}`));
  const urnOf = (type: string, name: string) => `urn:pulumi:e2e::${PROJECT}::tessera:index:${type}::${name}`;
  const noSecretsInState = async () => {
    const checkpoint = JSON.stringify(await exportStack(stack));
    expect(checkpoint).not.toContain(KEY_SECRET);
    expect(checkpoint).not.toContain(env.token);
    return checkpoint;
  };

  it('ups, keeps an empty preview, updates in place with stable outputs known, replaces, refreshes drift, imports and destroys back to the pool {Cluster: create replan destroy} {Volume: create replan update grow replace data-loss-refused drift-deleted import destroy infeasible-growth} {KeyPolicy: create replan destroy}', async () => {
    const started = Date.now();
    const before = await poolSnapshot(client);
    expect(before.objects).toEqual({ clusters: 0, volumes: 0, slices: 0, 'key-policies': 0 });

    // 1. up: composed and staged; owners are the native URNs; the secret is a secret output.
    await up(stack);
    const out1 = await stackOutputs(stack);
    expect(out1).toMatchObject({ cacheType: 'slice', cacheCapacity: 10, cacheState: 'staged', dataRaid: 'raid1', keySecret: '[secret]', cacheOwner: urnOf('Volume', 'cache') });
    expect(out1.ssdAvailable).toEqual(expect.any(Number));
    // The remote volume lives in site B only, made by its own provider instance.
    const siteBClient = new ComposerClient({ endpoint: siteB.url, token: OPERATOR_TOKEN });
    expect((await siteBClient.request<{ owner: string }>('GET', `/v1/volumes/${String(out1.remoteId)}`)).data.owner).toBe(urnOf('Volume', 'remote'));
    expect(await client.request('GET', `/v1/volumes/${String(out1.remoteId)}`, { accept: [404] })).toMatchObject({ status: 404 });
    const cache1 = (await client.request<{ owner: string; state: string; name: string }>('GET', `/v1/volumes/${String(out1.cacheId)}`)).data;
    expect(cache1).toMatchObject({ owner: urnOf('Volume', 'cache'), state: 'staged', name: 'cache' });
    const checkpoint = await noSecretsInState();
    expect(checkpoint).not.toContain(OPERATOR_TOKEN);
    expect(checkpoint).toContain('tessera:index:KeyPolicy');
    // No provider code in the state (the dynamic provider stores its bundle in every resource).
    expect(checkpoint).not.toContain('__provider');

    // 2. An unchanged program: nothing to do (the engine checks it too).
    expect(hasNoChanges((await preview(stack, {}, ['--expect-no-changes'])).changeSummary)).toBe(true);

    // 3. In-place update of the data volume's mount path: the preview keeps the stable
    // placement outputs (raidLevel, members) known instead of unknown.
    await setConfig('dataMount', '/srv/data2');
    const move = await preview(stack);
    expect(move.changeSummary.update).toBe(1);
    expect(stepsFor(move, 'data').map((s) => s.op)).toEqual(['update']);
    // The witness cluster's labels are made of data's raidLevel and transport: known in the
    // preview, they are unchanged, so the witness is not updated (unknown, it would be).
    expect(stepsFor(move, 'witness').filter((s) => s.op !== 'same')).toEqual([]);
    await up(stack);
    const out2 = await stackOutputs(stack);
    expect(out2.dataId).toBe(out1.dataId);
    expect(hasNoChanges((await preview(stack, {}, ['--expect-no-changes'])).changeSummary)).toBe(true);
    expect((await client.request<{ mountPath: string }>('GET', `/v1/volumes/${String(out1.dataId)}`)).data.mountPath).toBe('/srv/data2');
    await noSecretsInState();

    // A growth past what its drive has after the extent fails the preview, on sizeGiB; then the
    // slice volume grows in place.
    await setConfig('cacheGiB', '5000');
    const tooBig = await preview(stack, { allowFailure: true });
    expect(tooBig.raw.code).not.toBe(0);
    expect((tooBig.raw.stdout + tooBig.raw.stderr).replace(/\s+/g, ' ')).toMatch(/sizeGiB[^.]*cannot grow vol-[0-9a-f]+ from 10 to 5000 GiB in place: drive \S+ has \d+ GiB free after the extent/);
    await setConfig('cacheGiB', '20');
    const grow = await preview(stack);
    expect(stepsFor(grow, 'cache').map((s) => s.op)).toEqual(['update']);
    await up(stack);
    expect((await stackOutputs(stack)).cacheCapacity).toBe(20);

    // 4. A type change replaces the volume and its data: refused on the property, then opted in
    // (delete before replace: the name is reused).
    await setConfig('cacheType', 'ssd');
    const refused = await preview(stack, { allowFailure: true });
    expect(refused.raw.code).not.toBe(0);
    expect(refused.raw.stdout + refused.raw.stderr).toMatch(/changing type replaces the volume[^\n]*allowDataLoss = true/);
    await setConfig('cacheAllowDataLoss', 'true');
    const retype = await preview(stack);
    expect(stepsFor(retype, 'cache').map((s) => s.op)).toEqual(['replace']);
    const replaced = await up(stack);
    const order = replaced.stdout.split('\n').filter((l) => /cache (deleted original|creating replacement)/.test(l));
    expect(order[0]).toMatch(/deleted original/);
    const out3 = await stackOutputs(stack);
    expect(out3.cacheId).not.toBe(out1.cacheId);
    expect(out3.cacheType).toBe('ssd');
    expect(await client.request('GET', `/v1/volumes/${String(out1.cacheId)}`, { accept: [404] })).toMatchObject({ status: 404 });
    expect(hasNoChanges((await preview(stack, {}, ['--expect-no-changes'])).changeSummary)).toBe(true);

    // 5. Drift: the data volume deleted behind Pulumi's back (by its owner) leaves the state on refresh.
    await client.request('DELETE', `/v1/volumes/${String(out1.dataId)}`, { query: { owner: urnOf('Volume', 'data') } });
    await refresh(stack);
    const urns = ((await exportStack(stack)).deployment.resources ?? []).map((r) => String(r.urn));
    expect(urns).not.toContain(urnOf('Volume', 'data'));
    expect(urns).toContain(urnOf('Volume', 'cache'));
    await noSecretsInState();
    expect(stepsFor(await preview(stack), 'data').map((s) => s.op)).toEqual(['create']);
    await up(stack);

    // 6. Import: two volumes made outside Pulumi. `outside` is adopted by `pulumi import` by
    // CLUSTER/NAME; `adopted` by the program's `import` resource option with its composer id.
    // With the program declaring both, the preview has only the option's import, the up adopts
    // it and the next preview is empty; destroy deletes both.
    await client.request('POST', '/v1/volumes', { body: { cluster: 'native', name: 'outside', type: 'hdd', sizeGiB: 50, owner: 'ops' } });
    const adoptedId = (await client.request<{ id: string }>('POST', '/v1/volumes', { body: { cluster: 'native', name: 'adopted', type: 'hdd', sizeGiB: 20, owner: 'ops' } })).data.id;
    expect(adoptedId).toMatch(/^vol-/);
    await runPulumi(stack, ['import', 'tessera:index:Volume', 'outside', 'native/outside', '--yes', '--protect=false']);
    const imported = ((await exportStack(stack)).deployment.resources ?? []).find((r) => r.urn === urnOf('Volume', 'outside'));
    expect(imported?.id).toMatch(/^vol-/);
    const declared = (name: string, sizeGiB: number, options = '') => `  ${name}:\n    type: tessera:index:Volume\n    properties:\n      cluster: \${cluster.id}\n      type: hdd\n      sizeGiB: ${sizeGiB}\n${options}`;
    fs.writeFileSync(
      path.join(stack.projectDir, 'Pulumi.yaml'),
      `name: ${PROJECT}\nruntime: yaml\n${program(declared('outside', 50) + declared('adopted', 20, `    options:\n      import: ${adoptedId}\n`))}`,
    );
    const adopt = await preview(stack);
    expect(adopt.steps.filter((s) => s.op !== 'same').map((s) => [s.op, s.urn])).toEqual([['import', urnOf('Volume', 'adopted')]]);
    // The up adopts it (and records the imported volumes' dependency on the cluster: destroy order).
    await up(stack);
    const adoptedState = ((await exportStack(stack)).deployment.resources ?? []).find((r) => r.urn === urnOf('Volume', 'adopted'));
    expect(adoptedState?.id).toBe(adoptedId);
    expect((await client.request<{ id: string }>('GET', `/v1/volumes/${adoptedId}`)).data.id).toBe(adoptedId);
    expect(hasNoChanges((await preview(stack, {}, ['--expect-no-changes'])).changeSummary)).toBe(true);

    // 7. destroy: the pool is exactly as before.
    await destroy(stack);
    expect(await poolSnapshot(client)).toEqual(before);
    expect((await siteBClient.request<{ items: unknown[] }>('GET', '/v1/volumes')).data.items).toEqual([]);
    console.log(JSON.stringify({ test: 'pulumi-native yaml', seconds: Math.round((Date.now() - started) / 1000) }));
  }, 900_000);

  // The component from a YAML program: the engine sends it to the provider's Construct, which
  // registers the cluster, volumes and slices (sdk/common/scaleout.ts expand()) under it.
  it('constructs the ScaleOutCluster component: children under it, an empty preview, destroy back to the pool {Cluster: create replan destroy} {Volume: create replan destroy} {Slice: create replan destroy}', async () => {
    const started = Date.now();
    const before = await poolSnapshot(client);
    fs.writeFileSync(
      path.join(stack.projectDir, 'Pulumi.yaml'),
      `name: ${PROJECT}
runtime: yaml
resources:
  kafka:
    type: tessera:index:ScaleOutCluster
    properties:
      servers: [k1, k2]
      volumes:
        - { name: log, type: hdd, sizeGiB: 10, mountPath: /srv/kafka }
      slices:
        - { name: cache, sizeGiB: 4 }
outputs:
  clusterId: \${kafka.clusterId}
  volumeIds: \${kafka.volumeIds}
  sliceIds: \${kafka.sliceIds}
`,
    );
    await up(stack);
    const out = await stackOutputs(stack);
    const component = urnOf('ScaleOutCluster', 'kafka');
    const childUrn = (type: string, name: string) => `urn:pulumi:e2e::${PROJECT}::tessera:index:ScaleOutCluster$tessera:index:${type}::${name}`;
    const resources = (await exportStack(stack)).deployment.resources ?? [];
    const parents = Object.fromEntries(resources.filter((r) => String(r.type).startsWith('tessera:index:')).map((r) => [String(r.urn), r.parent]));
    expect(parents).toEqual({
      [component]: expect.stringMatching(/pulumi:pulumi:Stack/),
      [childUrn('Cluster', 'kafka')]: component,
      [childUrn('Volume', 'kafka-k1-log')]: component,
      [childUrn('Volume', 'kafka-k2-log')]: component,
      [childUrn('Slice', 'kafka-k1-cache')]: component,
      [childUrn('Slice', 'kafka-k2-cache')]: component,
    });
    // The composer holds what the outputs name, staged on each server, owned by the child URNs.
    const volumeIds = out.volumeIds as Record<string, string>;
    expect(Object.keys(volumeIds).sort()).toEqual(['k1-log', 'k2-log']);
    for (const server of ['k1', 'k2']) {
      const v = (await client.request<{ name: string; cluster: string; server: string; mountPath: string; state: string; owner: string }>('GET', `/v1/volumes/${volumeIds[`${server}-log`]}`)).data;
      expect(v).toMatchObject({ name: `${server}-log`, cluster: out.clusterId, server, mountPath: '/srv/kafka', state: 'staged', owner: childUrn('Volume', `kafka-${server}-log`) });
    }
    expect(Object.keys(out.sliceIds as Record<string, string>).sort()).toEqual(['k1-cache', 'k2-cache']);
    expect((await poolSnapshot(client)).objects).toEqual({ ...before.objects, clusters: 1, volumes: 2, slices: 2 });
    expect(hasNoChanges((await preview(stack, {}, ['--expect-no-changes'])).changeSummary)).toBe(true);
    await destroy(stack);
    expect(await poolSnapshot(client)).toEqual(before);
    console.log(JSON.stringify({ test: 'pulumi-native component', seconds: Math.round((Date.now() - started) / 1000) }));
  }, 300_000);
});

const TS_PROGRAM = `
import * as pulumi from '@pulumi/pulumi';
import * as tessera from './sdk';

const config = new pulumi.Config();
const keys = new tessera.KeyPolicy('keys', { secret: config.requireSecret('keySecret') });
const cluster = new tessera.Cluster('ts', { servers: ['k1', 'k2'] });
const data = new tessera.Volume('data', {
  cluster: cluster.id,
  type: 'ssd',
  sizeGiB: 100,
  redundancy: true,
  encrypt: true,
  keyPolicy: keys.id,
  server: 'k1',
  mountPath: config.get('dataMount') ?? '/srv/data',
});
// Known in the preview of data's in-place update only if the provider keeps stable outputs.
const witness = new tessera.Cluster('witness', { name: config.get('witnessName'), servers: ['k2'], labels: [pulumi.interpolate\`raid-\${data.raidLevel}\`] });
export const witnessId = witness.id;
export const dataId = data.id;
export const dataRaid = data.raidLevel;
export const dataOwner = data.owner;
export const keySecret = keys.secret;
export const ssdAvailable = tessera.getCapacityOutput({ type: 'ssd' }).availableGiB;
`;

describe('the native provider from a TypeScript program on the SDK generated from its package schema', () => {
  let env: LabEnv;
  let work: string;
  let stack: PulumiStack;
  let client: ComposerClient;

  beforeAll(async () => {
    enginePaths();
    ({ work, env, client } = await openLab('tessera-e2e-native-ts-'));
    const projectDir = createPulumiProject({ name: PROJECT, program: TS_PROGRAM, dir: path.join(work, 'project'), files: { 'tsconfig.json': PULUMI_PROGRAM_TSCONFIG }, typeCheck: false });
    // The SDK as `pulumi package gen-sdk` would write it, generated now from the committed schema.
    await generateNativeSdk('nodejs', path.join(projectDir, 'sdk'));
    typeCheckProgram(projectDir);
    stack = await createStack(projectDir, { stack: 'e2e', config: { 'tessera:endpoint': env.url }, secrets: { 'tessera:token': env.token, keySecret: KEY_SECRET } });
    await installNativeProvider(stack, VERSION);
  }, 300_000);

  afterAll(() => closeLab(stack, env, work));

  it('ups, keeps an empty preview, updates in place with stable outputs known, replaces, refreshes drift, and destroys back to the pool {Cluster: create replan replace destroy} {Volume: create replan update drift-deleted destroy} {KeyPolicy: create replan destroy}', async () => {
    await sdkAcceptance({ label: 'typescript', stack, client, token: env.token, outputs: { dataRaid: 'raid1', keySecret: '[secret]', dataOwner: `urn:pulumi:e2e::${PROJECT}::tessera:index:Volume::data` } });
  }, 600_000);
});

/**
 * The acceptance steps every language's program on the generated SDK goes through: up (no secret
 * or token in the state), an empty preview, an in-place update of the data volume's mount that
 * touches nothing else and keeps the volume, a replacement (the witness cluster renamed), drift
 * (deleted out of band) seen by refresh, destroy back to the pool as it was.
 */
async function sdkAcceptance(o: { label: string; stack: PulumiStack; client: ComposerClient; token: string; outputs: Record<string, unknown> }): Promise<void> {
  const { stack, client } = o;
  const started = Date.now();
  const before = await poolSnapshot(client);
  await up(stack);
  const out = await stackOutputs(stack);
  expect(out).toMatchObject(o.outputs);
  expect(out.ssdAvailable).toEqual(expect.any(Number));
  const noSecrets = async () => {
    const checkpoint = JSON.stringify(await exportStack(stack));
    expect(checkpoint).not.toContain(KEY_SECRET);
    expect(checkpoint).not.toContain(o.token);
  };
  await noSecrets();
  expect(hasNoChanges((await preview(stack, {}, ['--expect-no-changes'])).changeSummary)).toBe(true);

  await runPulumi(stack, ['config', 'set', 'dataMount', '/srv/data2']);
  const move = await preview(stack);
  expect(move.changeSummary.update).toBe(1);
  expect(move.steps.filter((s) => s.urn.endsWith('::witness') && s.op !== 'same')).toEqual([]);
  await up(stack);
  expect((await stackOutputs(stack)).dataId).toBe(out.dataId);
  await noSecrets();

  // A replacement: the witness cluster renamed (a cluster's name is its identity, schema.json
  // replaceOnChanges): a new cluster in the composer, the old one gone, the volume untouched.
  await runPulumi(stack, ['config', 'set', 'witnessName', `${o.label}-witness-2`]);
  const rename = await preview(stack);
  expect(rename.changeSummary.replace).toBe(1);
  expect(rename.steps.filter((s) => s.urn.endsWith('::witness')).map((s) => s.op)).toContain('replace');
  expect(rename.steps.filter((s) => s.urn.endsWith('::data') && s.op !== 'same')).toEqual([]);
  await up(stack);
  const renamed = await stackOutputs(stack);
  expect(renamed.witnessId).not.toBe(out.witnessId);
  expect(renamed.dataId).toBe(out.dataId);
  expect((await client.request('GET', `/v1/clusters/${String(out.witnessId)}`, { accept: [404] })).status).toBe(404);
  expect((await client.request<{ name: string }>('GET', `/v1/clusters/${String(renamed.witnessId)}`)).data.name).toBe(`${o.label}-witness-2`);

  // Drift: the data volume deleted out of band (by its owner) leaves the state on refresh, and
  // the next up makes it again.
  const urns = async () => ((await exportStack(stack)).deployment.resources ?? []).map((r) => ({ urn: String(r.urn), id: r.id }));
  const dataUrn = (await urns()).find((r) => r.id === out.dataId)?.urn;
  expect(dataUrn).toMatch(/::tessera:index:Volume::data$/);
  await client.request('DELETE', `/v1/volumes/${String(out.dataId)}`, { query: { owner: dataUrn } });
  await refresh(stack);
  expect((await urns()).map((r) => r.urn)).not.toContain(dataUrn);
  await noSecrets();
  await up(stack);
  const recreated = (await stackOutputs(stack)).dataId;
  expect(recreated).toEqual(expect.any(String));
  expect(recreated).not.toBe(out.dataId);

  await destroy(stack);
  expect(await poolSnapshot(client)).toEqual(before);
  console.log(JSON.stringify({ test: `pulumi-native ${o.label}`, seconds: Math.round((Date.now() - started) / 1000) }));
}

const PY_PROGRAM = `import pulumi
import pulumi_tessera as tessera

config = pulumi.Config()
keys = tessera.KeyPolicy("keys", secret=config.require_secret("keySecret"))
cluster = tessera.Cluster("py", servers=["k1", "k2"])
data = tessera.Volume(
    "data",
    cluster=cluster.id,
    type="ssd",
    size_gib=100,
    redundancy=True,
    encrypt=True,
    key_policy=keys.id,
    server="k1",
    mount_path=config.get("dataMount") or "/srv/data",
)
# Known in the preview of data's in-place update only if the provider keeps stable outputs.
witness = tessera.Cluster("witness", name=config.get("witnessName"), servers=["k2"], labels=[data.raid_level.apply(lambda r: f"raid-{r}")])
pulumi.export("witnessId", witness.id)
pulumi.export("dataId", data.id)
pulumi.export("dataRaid", data.raid_level)
pulumi.export("keySecret", keys.secret)
pulumi.export("ssdAvailable", tessera.get_capacity_output(type="ssd").available_gib)
`;

describe('the native provider from a Python program on the SDK generated from its package schema', () => {
  let env: LabEnv;
  let work: string;
  let stack: PulumiStack;
  let client: ComposerClient;

  beforeAll(async () => {
    enginesWith('pulumi-language-python');
    // The `pulumi` package from PyPI in a cached venv (scripts/ensure-pulumi-python.sh).
    const venv = execFileSync('bash', [path.join(repoRoot, 'scripts/ensure-pulumi-python.sh')], { encoding: 'utf8' }).trim().split('\n').pop() as string;
    ({ work, env, client } = await openLab('tessera-e2e-native-py-'));
    const projectDir = path.join(work, 'project');
    fs.mkdirSync(projectDir, { recursive: true });
    fs.writeFileSync(path.join(projectDir, 'Pulumi.yaml'), `name: ${PROJECT}\nruntime:\n  name: python\n  options:\n    virtualenv: ${venv}\n`);
    fs.writeFileSync(path.join(projectDir, '__main__.py'), PY_PROGRAM);
    // The generated SDK, installed (for its package metadata: the SDK reads its version from it)
    // into a directory of the project that PYTHONPATH names; no network, no build isolation.
    const sdk = path.join(work, 'sdk-python');
    await generateNativeSdk('python', sdk);
    const site = path.join(projectDir, 'site');
    execFileSync(path.join(venv, 'bin/python'), ['-m', 'pip', 'install', '--quiet', '--no-deps', '--no-build-isolation', '--disable-pip-version-check', '--target', site, sdk], { stdio: 'pipe' });
    stack = await createStack(projectDir, { stack: 'e2e', config: { 'tessera:endpoint': env.url }, secrets: { 'tessera:token': env.token, keySecret: KEY_SECRET } });
    // The v3.68 host does not see runtime options the newer CLI sends (virtualenv): the venv's
    // python first on PATH is what it runs.
    stack.env = { ...stack.env, PYTHONPATH: site, VIRTUAL_ENV: venv, PATH: `${path.join(venv, 'bin')}${path.delimiter}${stack.env.PATH ?? ''}` };
    await installNativeProvider(stack, VERSION);
  }, 300_000);

  afterAll(() => closeLab(stack, env, work));

  it('ups, keeps an empty preview, updates in place with stable outputs known, replaces, refreshes drift, and destroys back to the pool {Cluster: create replan replace destroy} {Volume: create replan update drift-deleted destroy} {KeyPolicy: create replan destroy}', async () => {
    await sdkAcceptance({ label: 'python', stack, client, token: env.token, outputs: { dataRaid: 'raid1', keySecret: '[secret]' } });
  }, 600_000);
});

const GO_PROGRAM = `package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	"github.com/tessera/pulumi-tessera/sdk/go/tessera"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		keys, err := tessera.NewKeyPolicy(ctx, "keys", &tessera.KeyPolicyArgs{Secret: cfg.RequireSecret("keySecret")})
		if err != nil {
			return err
		}
		cluster, err := tessera.NewCluster(ctx, "go", &tessera.ClusterArgs{Servers: pulumi.ToStringArray([]string{"k1", "k2"})})
		if err != nil {
			return err
		}
		mount := cfg.Get("dataMount")
		if mount == "" {
			mount = "/srv/data"
		}
		data, err := tessera.NewVolume(ctx, "data", &tessera.VolumeArgs{
			Cluster:    cluster.ID(),
			Type:       pulumi.String("ssd"),
			SizeGiB:    pulumi.Int(100),
			Redundancy: pulumi.Bool(true),
			Encrypt:    pulumi.Bool(true),
			KeyPolicy:  keys.ID(),
			Server:     pulumi.String("k1"),
			MountPath:  pulumi.String(mount),
		})
		if err != nil {
			return err
		}
		// Known in the preview of data's in-place update only if the provider keeps stable outputs.
		var witnessName pulumi.StringPtrInput
		if n := cfg.Get("witnessName"); n != "" {
			witnessName = pulumi.String(n)
		}
		witness, err := tessera.NewCluster(ctx, "witness", &tessera.ClusterArgs{
			Name:    witnessName,
			Servers: pulumi.ToStringArray([]string{"k2"}),
			Labels:  pulumi.StringArray{pulumi.Sprintf("raid-%s", data.RaidLevel)},
		})
		if err != nil {
			return err
		}
		ctx.Export("witnessId", witness.ID())
		ctx.Export("dataId", data.ID())
		ctx.Export("dataRaid", data.RaidLevel)
		ctx.Export("dataOwner", data.Owner)
		ctx.Export("keySecret", keys.Secret)
		ctx.Export("ssdAvailable", tessera.GetCapacityOutput(ctx, tessera.GetCapacityOutputArgs{Type: pulumi.String("ssd")}).AvailableGiB())
		return nil
	})
}
`;

/** The Pulumi Go SDK the program builds against: the pulumi CLI's version (scripts/engines.sh PULUMI_VERSION). */
const GO_SDK_VERSION = '3.259.0';

describe('the native provider from a Go program on the SDK generated from its package schema', () => {
  let env: LabEnv;
  let work: string;
  let stack: PulumiStack;
  let client: ComposerClient;

  beforeAll(async () => {
    // A stand-in for Pulumi's Go host, which the reachable module proxy does not serve (scripts/pulumi-language-go).
    const engines = enginesWith('pulumi-language-go');
    ({ work, env, client } = await openLab('tessera-e2e-native-go-'));
    // The program's module is the SDK's import base path's parent, so the generated SDK (./tessera)
    // is a package of it; the Pulumi Go SDK comes from the module proxy (cache: GOMODCACHE).
    const projectDir = path.join(work, 'project');
    fs.mkdirSync(projectDir, { recursive: true });
    await generateNativeSdk('go', projectDir);
    // The module graph is the pulumi CLI's own (scripts/engines.sh builds it from this go.mod, as
    // it builds the Go language host), so the Pulumi SDK and its dependencies are the versions
    // that build compiled already: with -trimpath too, the Go build cache holds them and only the
    // SDK and the program compile (16 s here instead of 92 s on a fresh machine).
    const cliModule = path.join(engines.dir, 'src', `pulumi-v${GO_SDK_VERSION}`);
    const goMod = fs.existsSync(path.join(cliModule, 'go.mod'))
      ? fs.readFileSync(path.join(cliModule, 'go.mod'), 'utf8').replace(/^module .*$/m, 'module github.com/tessera/pulumi-tessera/sdk/go')
      : 'module github.com/tessera/pulumi-tessera/sdk/go\n\ngo 1.24\n';
    if (fs.existsSync(path.join(cliModule, 'go.sum'))) fs.copyFileSync(path.join(cliModule, 'go.sum'), path.join(projectDir, 'go.sum'));
    fs.writeFileSync(path.join(projectDir, 'go.mod'), `${goMod.trimEnd()}\n\nrequire github.com/pulumi/pulumi/sdk/v3 v${GO_SDK_VERSION}\n`);
    fs.writeFileSync(path.join(projectDir, 'main.go'), GO_PROGRAM);
    fs.writeFileSync(path.join(projectDir, 'Pulumi.yaml'), `name: ${PROJECT}\nruntime:\n  name: go\n  options:\n    binary: ./program\n`);
    const go = fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
    const built = Date.now();
    const build = await runCommand(go, ['build', '-trimpath', '-o', 'program', '.'], {
      cwd: projectDir,
      env: { ...process.env, GOFLAGS: '-mod=mod -buildvcs=false', GOSUMDB: 'off', GOTOOLCHAIN: 'local' },
      timeoutMs: 600_000,
    });
    if (build.code !== 0) throw new CommandFailedError(build);
    console.log(JSON.stringify({ test: 'pulumi-native go build', seconds: Math.round((Date.now() - built) / 1000) }));
    stack = await createStack(projectDir, { stack: 'e2e', config: { 'tessera:endpoint': env.url }, secrets: { 'tessera:token': env.token, keySecret: KEY_SECRET } });
    await installNativeProvider(stack, VERSION);
  }, 660_000);

  afterAll(() => closeLab(stack, env, work));

  it('ups, keeps an empty preview, updates in place with stable outputs known, replaces, refreshes drift, and destroys back to the pool {Cluster: create replan replace destroy} {Volume: create replan update drift-deleted destroy} {KeyPolicy: create replan destroy}', async () => {
    await sdkAcceptance({ label: 'go', stack, client, token: env.token, outputs: { dataRaid: 'raid1', keySecret: '[secret]', dataOwner: `urn:pulumi:e2e::${PROJECT}::tessera:index:Volume::data` } });
  }, 600_000);
});

// docs/pulumi.md "Moving a stack between the dynamic and the native provider", end to end: a
// TypeScript stack on the dynamic provider (sdk/pulumi) is moved, in place, to the native one.
const MOVE_PROJECT = 'tessera-move';
const DYNAMIC_PROGRAM = `
import * as tessera from ${JSON.stringify(path.join(repoRoot, 'sdk'))};

const cluster = new tessera.Cluster('mv', { servers: ['k1', 'k2'] });
const data = new tessera.Volume('data', { cluster: cluster.id, type: 'ssd', sizeGiB: 50, redundancy: true, server: 'k1', mountPath: '/srv/data' });
export const clusterId = cluster.id;
export const dataId = data.id;
`;

/** The same objects for the native provider (YAML), each adopted by the `import` option with its composer id. */
const nativeMoveProgram = (clusterId: string, dataId: string) => `name: ${MOVE_PROJECT}
runtime: yaml
resources:
  mv:
    type: tessera:index:Cluster
    properties: { servers: [k1, k2] }
    options: { import: ${clusterId} }
  data:
    type: tessera:index:Volume
    properties: { cluster: "\${mv.id}", type: ssd, sizeGiB: 50, redundancy: true, server: k1, mountPath: /srv/data }
    options: { import: ${dataId} }
outputs:
  clusterId: \${mv.id}
  dataId: \${data.id}
`;

describe('moving a stack from the dynamic provider to the native one', () => {
  let env: LabEnv;
  let work: string;
  let stack: PulumiStack;
  let client: ComposerClient;

  beforeAll(async () => {
    enginesWith('pulumi-language-yaml');
    ({ work, env, client } = await openLab('tessera-e2e-move-'));
    const projectDir = createPulumiProject({ name: MOVE_PROJECT, program: DYNAMIC_PROGRAM, dir: path.join(work, 'project'), files: { 'tsconfig.json': PULUMI_PROGRAM_TSCONFIG } });
    stack = await createStack(projectDir, { stack: 'e2e', config: { 'tessera:endpoint': env.url }, secrets: { 'tessera:token': env.token } });
    await installNativeProvider(stack, VERSION);
  }, 300_000);

  afterAll(() => closeLab(stack, env, work));

  it('forgets the dynamic resources, imports them on the native provider: same ids, an empty preview, nothing created or deleted {Cluster: import destroy} {Volume: import destroy}', async () => {
    const started = Date.now();
    const empty = await poolSnapshot(client);
    await up(stack);
    const dyn = await stackOutputs(stack);
    const pool = await poolSnapshot(client);
    expect(pool.objects).toEqual({ ...empty.objects, clusters: 1, volumes: 1 });
    const types = async () => ((await exportStack(stack)).deployment.resources ?? []).map((r) => String(r.type)).sort();
    expect(await types()).toEqual(['pulumi-nodejs:dynamic/tessera:Cluster', 'pulumi-nodejs:dynamic/tessera:Volume', 'pulumi:providers:pulumi-nodejs', 'pulumi:pulumi:Stack']);

    // 1. Forget: the cluster with everything that depends on it, then the dynamic default provider.
    const urns = ((await exportStack(stack)).deployment.resources ?? []).map((r) => String(r.urn));
    const clusterUrn = urns.find((u) => u.endsWith('::mv')) as string;
    await runPulumi(stack, ['state', 'delete', clusterUrn, '--target-dependents', '--yes']);
    await runPulumi(stack, ['state', 'delete', urns.find((u) => u.includes('::pulumi:providers:pulumi-nodejs::')) as string, '--yes']);
    expect(await types()).toEqual(['pulumi:pulumi:Stack']);
    expect(await poolSnapshot(client)).toEqual(pool);

    // 2. Adopt: the native program imports each object by its composer id; the preview only imports.
    fs.writeFileSync(path.join(stack.projectDir, 'Pulumi.yaml'), nativeMoveProgram(String(dyn.clusterId), String(dyn.dataId)));
    const adopt = await preview(stack);
    expect(adopt.steps.filter((s) => s.op !== 'same').map((s) => s.op)).toEqual(['import', 'import']);
    await up(stack);
    expect(await stackOutputs(stack)).toMatchObject({ clusterId: dyn.clusterId, dataId: dyn.dataId });
    expect(hasNoChanges((await preview(stack, {}, ['--expect-no-changes'])).changeSummary)).toBe(true);
    // Same objects, same ids: nothing was created or deleted in the composer.
    expect(await poolSnapshot(client)).toEqual(pool);
    expect((await client.request<{ id: string; state: string }>('GET', `/v1/volumes/${String(dyn.dataId)}`)).data).toMatchObject({ id: dyn.dataId, state: 'staged' });

    // 3. The native stack owns them now: destroy releases them (the recorded owner is the old URN).
    await destroy(stack);
    expect(await poolSnapshot(client)).toEqual(empty);
    console.log(JSON.stringify({ test: 'pulumi move dynamic -> native', seconds: Math.round((Date.now() - started) / 1000) }));
  }, 300_000);
});

// The acceptance matrix's "pulumi (native)" cells (docs/acceptance-matrix.md): the dynamic
// provider's scenario (test/e2e/pulumi-matrix.test.ts) on pulumi-resource-tessera from a YAML
// program driven by stack config, plus the `import` resource option, which only the native
// provider serves. YAML has no loops or conditionals: the steps that add resources (the huge
// creates, the plan-wide batches, the imports) rewrite Pulumi.yaml and restore it afterwards.
describe('the native provider through the acceptance matrix from a Pulumi YAML program', () => {
  const MPROJECT = 'tessera-native-matrix';
  const OPS_SECRET = 'an operator key secret, made outside pulumi';
  let env: LabEnv;
  let work: string;
  let stack: PulumiStack;
  let client: ComposerClient;

  const matrixProgram = (extra = '') => `config:
  keySecret: { type: string, secret: true }
  opsKeySecret: { type: string, secret: true }
  spareBits: { type: integer, default: 512 }
  sideName: { type: string, default: pn-side }
  sideServers: { type: array, items: { type: string }, default: [k2] }
  journalGiB: { type: integer, default: 10 }
  journalServer: { type: string, default: k1 }
  journalRequired: { type: array, items: { type: string }, default: [] }
  journalExcluded: { type: array, items: { type: string }, default: [] }
  journalAllowDataLoss: { type: boolean, default: false }
  volServer: { type: string, default: k1 }
  volReclaim: { type: string, default: Delete }
  volRequired: { type: array, items: { type: string }, default: [] }
  volAllowDataLoss: { type: boolean, default: false }
resources:
  keys:
    type: tessera:index:KeyPolicy
    properties:
      name: pn-keys
      secret: \${keySecret}
  spare:
    type: tessera:index:KeyPolicy
    properties:
      name: pn-spare
      secret: 'a spare key secret, never rotated'
      keySizeBits: \${spareBits}
  main:
    type: tessera:index:Cluster
    properties:
      name: pn
      servers: [k1, k2]
      keyPolicy: \${keys.id}
  side:
    type: tessera:index:Cluster
    properties:
      name: \${sideName}
      servers: \${sideServers}
  journal:
    type: tessera:index:Slice
    properties:
      cluster: \${main.id}
      sizeGiB: \${journalGiB}
      server: \${journalServer}
      requiredTags: \${journalRequired}
      excludedTags: \${journalExcluded}
      allowDataLoss: \${journalAllowDataLoss}
  vol:
    type: tessera:index:Volume
    properties:
      cluster: \${main.id}
      type: ssd
      sizeGiB: 1000
      striping: false
      server: \${volServer}
      reclaimPolicy: \${volReclaim}
      requiredTags: \${volRequired}
      allowDataLoss: \${volAllowDataLoss}
${extra}outputs:
  keysId: \${keys.id}
  keysVersion: \${keys.version}
  keysFingerprint: \${keys.fingerprint}
  spareId: \${spare.id}
  spareBits: \${spare.keySizeBits}
  mainId: \${main.id}
  sideId: \${side.id}
  sideServers: \${side.servers}
  journalId: \${journal.id}
  journalServer: \${journal.server}
  journalCapacity: \${journal.capacityGiB}
  journalMembers: \${journal.members}
  volId: \${vol.id}
  volServer: \${vol.server}
  volReclaim: \${vol.reclaimPolicy}
  volMembers: \${vol.members}
`;
  const writeProgram = (extra = '') => fs.writeFileSync(path.join(stack.projectDir, 'Pulumi.yaml'), `name: ${MPROJECT}\nruntime: yaml\n${matrixProgram(extra)}`);
  /** YAML for one resource: a type, block-style properties (values as given) and options. */
  const resource = (name: string, type: string, props: Record<string, string | number | boolean>, options: Record<string, string | boolean | string[]> = {}) =>
    `  ${name}:\n    type: tessera:index:${type}\n    properties:\n${Object.entries(props)
      .map(([k, v]) => `      ${k}: ${String(v)}\n`)
      .join('')}${Object.keys(options).length ? `    options:\n${Object.entries(options).map(([k, v]) => `      ${k}: ${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}\n`).join('')}` : ''}`;
  const many = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i)).join('');

  beforeAll(async () => {
    enginesWith('pulumi-language-yaml');
    ({ work, env, client } = await openLab('tessera-e2e-native-matrix-'));
    const projectDir = createPulumiYamlProject({ name: MPROJECT, program: matrixProgram(), dir: path.join(work, 'project') });
    stack = await createStack(projectDir, {
      stack: 'matrix',
      config: { 'tessera:endpoint': env.url },
      secrets: { 'tessera:token': env.token, keySecret: 'the first key secret of the native matrix', opsKeySecret: OPS_SECRET },
    });
    await installNativeProvider(stack, VERSION);
  }, 300_000);

  afterAll(() => closeLab(stack, env, work));

  const urn = (type: string, name: string) => `urn:pulumi:matrix::${MPROJECT}::tessera:index:${type}::${name}`;
  // A list is set item by item (--path): a project-level array config takes no JSON string.
  const set = async (values: Record<string, string | string[]>) => {
    for (const [k, v] of Object.entries(values)) {
      if (!Array.isArray(v)) await runPulumi(stack, ['config', 'set', k, v]);
      else {
        await runPulumi(stack, ['config', 'rm', k], { allowFailure: true });
        for (const [i, item] of v.entries()) await runPulumi(stack, ['config', 'set', '--path', `${k}[${i}]`, item]);
      }
    }
  };
  const unset = async (...keys: string[]) => {
    for (const k of keys) await runPulumi(stack, ['config', 'rm', k]);
  };
  const setSecret = (k: string, v: string) => runPulumi(stack, ['config', 'set', '--secret', k, v]);
  const opsOf = (p: { steps: { op: string; urn: string }[] }) => Object.fromEntries(p.steps.filter((s) => s.op !== 'same').map((s) => [s.urn.replace(/^.*::/, ''), s.op]));
  const failText = (p: { raw: { stdout: string; stderr: string } }) => (p.raw.stdout + p.raw.stderr).replace(/\s+/g, ' ');
  const get = async <T = Record<string, unknown>,>(p: string) => (await client.request<T>('GET', p, { accept: [404] })) as { status: number; data: T };
  const stateOf = async () => ((await exportStack(stack)).deployment.resources ?? []) as { urn: string; id?: string; outputs?: Record<string, unknown> }[];
  async function until(what: string, done: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`${what}: not after 30 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const staged = (p: string) => until(`${p} staged`, async () => (await get(p)).data.state === 'staged');
  const gone = (p: string) => until(`${p} deleted`, async () => (await get(p)).status === 404);
  /** Sets config (and adds resources), previews, expects the failure text, then puts both back. */
  async function infeasible(values: Record<string, string | string[]>, pattern: RegExp, extra = ''): Promise<void> {
    await set(values);
    if (extra) writeProgram(extra);
    const p = await preview(stack, { allowFailure: true });
    expect(p.raw.code).not.toBe(0);
    expect(failText(p)).toMatch(pattern);
    if (extra) writeProgram();
    await unset(...Object.keys(values));
  }

  it('every operation of every kind on the native provider {Cluster: update replace drift-changed drift-deleted import saved-plan} {Volume: update move drift-changed saved-plan infeasible-create infeasible-replacement infeasible-plan-wide} {Slice: create replan update grow move replace data-loss-refused drift-changed drift-deleted import saved-plan destroy infeasible-create infeasible-growth infeasible-replacement infeasible-plan-wide} {KeyPolicy: rotate replace drift-changed drift-deleted import saved-plan}', async () => {
    const started = Date.now();
    const before = await poolSnapshot(client);
    await up(stack);
    const out1 = await stackOutputs(stack);
    expect(out1).toMatchObject({ journalCapacity: 10, journalServer: 'k1', volServer: 'k1', sideServers: ['k2'], keysVersion: 1, spareBits: 512 });
    expect((await get<{ owner: string }>(`/v1/slices/${String(out1.journalId)}`)).data.owner).toBe(urn('Slice', 'journal'));
    expect(hasNoChanges((await preview(stack, {}, ['--expect-no-changes'])).changeSummary)).toBe(true);
    const journalMembers = out1.journalMembers as { serial: string; offsetGiB: number }[];
    expect(journalMembers.length).toBeGreaterThan(0);

    // A replacing change without the opt-in is refused at preview, on the property.
    await set({ journalExcluded: ['sed'] });
    const refused = await preview(stack, { allowFailure: true });
    expect(refused.raw.code).not.toBe(0);
    expect(failText(refused)).toMatch(/excludedTags.*changing excludedTags replaces the slice.*allowDataLoss = true/);
    await unset('journalExcluded');

    // Infeasible at preview, nothing changed: growth past a drive, a new slice or volume that
    // fits nowhere, a replacement no drive matches, more objects together than the pool holds.
    await infeasible({ journalGiB: '5000' }, /sizeGiB: cannot grow slc-[0-9a-f]+ from 10 to 5000 GiB in place: drive \S+ has \d+ GiB free after the extent/);
    await infeasible({}, /property sizeGiB value \{5000\} has a problem/, resource('huge', 'Slice', { cluster: '${main.id}', sizeGiB: 5000 }));
    await infeasible({}, /50000 GiB in RAID10 needs 8 mirrored pairs of free ssd .{1,8} 6250 GiB \(raidMaxDrives 16\); only 0 such drives are free/, resource('hugevol', 'Volume', { cluster: '${main.id}', type: 'ssd', sizeGiB: 50000 }));
    await infeasible({ journalRequired: ['no-such-tag'], journalAllowDataLoss: 'true' }, /Slice slc-[0-9a-f]+: requiredTags: no ssd .* carries all of \[no-such-tag\]/);
    await infeasible({ volRequired: ['no-such-tag'], volAllowDataLoss: 'true' }, /Volume vol-[0-9a-f]+: requiredTags: no ssd .* carries all of \[no-such-tag\]/);
    const cap = (await get<{ availableGiB: number; maximumVolumeSizeGiB: number }>('/v1/capacity?type=slice')).data;
    const slices = Math.floor(cap.availableGiB / cap.maximumVolumeSizeGiB) + 1;
    await infeasible({}, /together with the \d+ other creates, growths and replacements this plan already claimed/, many(slices, (i) => resource(`many${i}`, 'Slice', { cluster: '${main.id}', sizeGiB: cap.maximumVolumeSizeGiB })));
    const ssd = (await get<{ availableGiB: number }>('/v1/capacity?type=ssd')).data;
    const volumes = Math.floor(ssd.availableGiB / 1788) + 1;
    await infeasible({}, /together with the \d+ other creates, growths and replacements this plan already claimed/, many(volumes, (i) => resource(`mv${i}`, 'Volume', { cluster: '${main.id}', type: 'ssd', sizeGiB: 1000, striping: false })));
    expect(hasNoChanges((await preview(stack)).changeSummary)).toBe(true);
    expect(await poolSnapshot(client)).toMatchObject({ objects: { clusters: 2, volumes: 1, slices: 1, 'key-policies': 2 } });

    // In place, all in one up: cluster servers, key rotation, the slice's opt-in alone, the
    // volume's reclaim policy; the spare policy's key size is a replacement.
    await set({ sideServers: ['k1', 'k2'], journalAllowDataLoss: 'true', volReclaim: 'Retain', spareBits: '256' });
    await setSecret('keySecret', 'the second key secret of the native matrix');
    expect(opsOf(await preview(stack))).toEqual({ side: 'update', keys: 'update', journal: 'update', vol: 'update', spare: 'replace' });
    await up(stack);
    const out2 = await stackOutputs(stack);
    expect(out2).toMatchObject({ sideId: out1.sideId, sideServers: ['k1', 'k2'], keysId: out1.keysId, keysVersion: 2, journalId: out1.journalId, volId: out1.volId, volReclaim: 'Retain', spareBits: 256 });
    expect(out2.keysFingerprint).not.toBe(out1.keysFingerprint);
    expect(out2.spareId).not.toBe(out1.spareId);
    expect((await get(`/v1/key-policies/${String(out1.spareId)}`)).status).toBe(404);

    // Grow and move the slice, move the volume: the same objects and drives, no copy.
    await set({ journalGiB: '20', journalServer: 'k2', volServer: 'k2' });
    await up(stack);
    const out3 = await stackOutputs(stack);
    expect(out3).toMatchObject({ journalId: out1.journalId, journalCapacity: 20, journalServer: 'k2', volId: out1.volId, volServer: 'k2', volMembers: out1.volMembers });
    expect((out3.journalMembers as typeof journalMembers).map((m) => [m.serial, m.offsetGiB])).toEqual(journalMembers.map((m) => [m.serial, m.offsetGiB]));
    await staged(`/v1/volumes/${String(out1.volId)}`);

    // The opted-in slice replacement and a cluster rename (its name is its identity): new objects.
    await set({ journalExcluded: ['sed'], sideName: 'pn-side-2' });
    expect(opsOf(await preview(stack))).toEqual({ journal: 'replace', side: 'replace' });
    await up(stack);
    const out4 = await stackOutputs(stack);
    expect(out4.journalId).not.toBe(out1.journalId);
    expect(out4.sideId).not.toBe(out1.sideId);
    expect((await get(`/v1/slices/${String(out1.journalId)}`)).status).toBe(404);
    expect((await get(`/v1/clusters/${String(out1.sideId)}`)).status).toBe(404);
    await staged(`/v1/slices/${String(out4.journalId)}`);

    // Drift changed out of band: both moved back to k1, the side cluster's servers, the key
    // rotated elsewhere. refresh takes all four into the state; up puts back what the program says.
    await driftOutOfBand(client, { volId: String(out1.volId), journalId: String(out4.journalId), sideId: String(out4.sideId), keysId: String(out1.keysId) }, staged);
    await refresh(stack);
    const refreshed = await stateOf();
    const outputsOf = (name: string) => refreshed.find((r) => r.urn === urn(name === 'vol' ? 'Volume' : name === 'journal' ? 'Slice' : name === 'side' ? 'Cluster' : 'KeyPolicy', name))?.outputs ?? {};
    expect(outputsOf('vol')).toMatchObject({ server: 'k1' });
    expect(outputsOf('journal')).toMatchObject({ server: 'k1' });
    expect(outputsOf('side')).toMatchObject({ servers: ['k2'] });
    expect(outputsOf('keys')).toMatchObject({ version: 3 });
    expect(opsOf(await preview(stack))).toEqual({ vol: 'update', journal: 'update', side: 'update' });
    await up(stack);
    expect(await stackOutputs(stack)).toMatchObject({ volServer: 'k2', journalServer: 'k2', sideServers: ['k1', 'k2'], keysVersion: 3 });

    // Drift deleted out of band (each for its owner, the native URN): refresh drops them, up makes them again.
    await staged(`/v1/slices/${String(out4.journalId)}`);
    await client.request('DELETE', `/v1/slices/${String(out4.journalId)}`, { query: { owner: urn('Slice', 'journal') } });
    await client.request('DELETE', `/v1/clusters/${String(out4.sideId)}`, { query: { owner: urn('Cluster', 'side') } });
    await client.request('DELETE', `/v1/key-policies/${String(out2.spareId)}`, { query: { owner: urn('KeyPolicy', 'spare') } });
    await gone(`/v1/slices/${String(out4.journalId)}`);
    await refresh(stack);
    const names = (await stateOf()).map((r) => r.urn.replace(/^.*::/, ''));
    expect(names).not.toContain('journal');
    expect(names).not.toContain('side');
    expect(names).not.toContain('spare');
    expect(names).toContain('vol');
    expect(opsOf(await preview(stack))).toEqual({ journal: 'create', side: 'create', spare: 'create' });
    await up(stack);

    // A saved update plan: previewed to a file, then applied exactly (Pulumi's update plans).
    await set({ journalGiB: '24', volReclaim: 'Delete', sideServers: ['k2'] });
    await setSecret('keySecret', 'the third key secret of the native matrix');
    const planFile = path.join(work, 'update-plan.json');
    const experimental = { env: { PULUMI_EXPERIMENTAL: 'true' } };
    await runPulumi(stack, ['preview', `--save-plan=${planFile}`], experimental);
    expect(JSON.parse(fs.readFileSync(planFile, 'utf8'))).toHaveProperty('resourcePlans');
    await runPulumi(stack, ['up', '--yes', '--skip-preview', `--plan=${planFile}`], experimental);
    expect(await stackOutputs(stack)).toMatchObject({ journalCapacity: 24, volReclaim: 'Delete', sideServers: ['k2'], keysVersion: 4 });
    expect(hasNoChanges((await preview(stack, {}, ['--expect-no-changes'])).changeSummary)).toBe(true);

    // Import: a cluster, a slice in it and a key policy made outside Pulumi. The cluster and
    // the slice by the program's `import` resource option; the key policy by `pulumi import`
    // (the composer never returns its secret, so the option cannot match the program's inputs).
    // Its first apply then sends the program's secret, the same one: an update that rotates nothing.
    const post = async (p: string, body: Record<string, unknown>) => (await client.request<{ id: string }>('POST', p, { body })).data.id;
    const opsCluster = await post('/v1/clusters', { name: 'ops-c', servers: ['k2'], owner: 'ops' });
    const opsSlice = await post('/v1/slices', { cluster: opsCluster, name: 'ops-s', sizeGiB: 3, owner: 'ops' });
    const opsKeys = await post('/v1/key-policies', { name: 'ops-keys', secret: OPS_SECRET, owner: 'ops' });
    const opsKeysBefore = (await get<{ version: number; fingerprint: string }>(`/v1/key-policies/${opsKeys}`)).data;
    const imports = (option: (id: string) => Record<string, string>, keysOptions: Record<string, string | string[]> = {}) =>
      resource('opsCluster', 'Cluster', { name: 'ops-c', servers: '[k2]' }, { ...option(opsCluster), retainOnDelete: true }) +
      resource('opsSlice', 'Slice', { cluster: '${opsCluster.id}', name: 'ops-s', sizeGiB: 3 }, option(opsSlice)) +
      resource('opsKeys', 'KeyPolicy', { name: 'ops-keys', secret: '${opsKeySecret}' }, keysOptions);
    writeProgram();
    await runPulumi(stack, ['import', 'tessera:index:KeyPolicy', 'opsKeys', 'ops-keys', '--yes', '--protect=false', '--generate-code=false']);
    // A different secret on the first apply after the import is refused (the provider adopts,
    // ?adopt=true), not a silent rotation of the operator's key.
    await setSecret('opsKeySecret', 'not the operator key secret');
    writeProgram(resource('opsKeys', 'KeyPolicy', { name: 'ops-keys', secret: '${opsKeySecret}' }));
    const mismatch = await up(stack, { allowFailure: true });
    expect(mismatch.code).not.toBe(0);
    expect((mismatch.stdout + mismatch.stderr).replace(/\s+/g, ' ')).toMatch(/the secret given is not its current secret \(version \d+\); adopting it would rotate the key, so nothing was changed/);
    expect((await get(`/v1/key-policies/${opsKeys}`)).data).toMatchObject({ version: opsKeysBefore.version, fingerprint: opsKeysBefore.fingerprint });
    await setSecret('opsKeySecret', OPS_SECRET);
    writeProgram(imports((id) => ({ import: id })));
    expect(opsOf(await preview(stack))).toEqual({ opsCluster: 'import', opsSlice: 'import', opsKeys: 'update' });
    await up(stack);
    const adopted = await stateOf();
    expect(Object.fromEntries(['opsCluster', 'opsSlice', 'opsKeys'].map((n) => [n, adopted.find((r) => r.urn.endsWith(`::${n}`))?.id]))).toEqual({ opsCluster, opsSlice, opsKeys });
    expect(adopted.find((r) => r.urn.endsWith('::opsSlice'))?.outputs).toMatchObject({ owner: 'ops', sizeGiB: 3 });
    expect((await get(`/v1/key-policies/${opsKeys}`)).data).toMatchObject({ version: opsKeysBefore.version, fingerprint: opsKeysBefore.fingerprint });
    // The import options dropped (ignored once the resources are in the state): nothing to do.
    writeProgram(imports(() => ({})));
    expect(hasNoChanges((await preview(stack, {}, ['--expect-no-changes'])).changeSummary)).toBe(true);
    // Out of the program: the slice and the key policy are deleted (for their recorded owner,
    // ops); the cluster is retained (retainOnDelete) and its owner deletes it.
    writeProgram();
    expect(opsOf(await preview(stack))).toEqual({ opsCluster: 'delete', opsSlice: 'delete', opsKeys: 'delete' });
    await up(stack);
    await gone(`/v1/slices/${opsSlice}`);
    expect((await get(`/v1/key-policies/${opsKeys}`)).status).toBe(404);
    expect((await get<{ owner: string }>(`/v1/clusters/${opsCluster}`)).data.owner).toBe('ops');
    await client.request('DELETE', `/v1/clusters/${opsCluster}`, { query: { owner: 'ops' } });
    await gone(`/v1/clusters/${opsCluster}`);

    // destroy: the pool exactly as before.
    await destroy(stack);
    expect(await poolSnapshot(client)).toEqual(before);
    console.log(JSON.stringify({ test: 'pulumi-native matrix', seconds: Math.round((Date.now() - started) / 1000) }));
  }, 900_000);
});
