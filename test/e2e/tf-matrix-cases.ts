// The acceptance matrix's Terraform-protocol cells (docs/acceptance-matrix.md), one body per case
// for both CLIs: every operation a slice, a cluster, a key policy and a volume allow, with a real
// `tofu` or HashiCorp `terraform` against a real composer with agents (the simulated host). Each
// step asserts what the engine prints or exits with and what the composer holds; each case ends
// with the pool exactly as it began. tofu-matrix.test.ts and terraform-matrix.test.ts name the
// cases (the matrix generator reads the tags in their titles, scripts/gen/matrix.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { enginePaths, requireTerraform } from '../helpers/engines';
import { terraformProviderDir } from '../helpers/bundle';
import { apply, createTofuWorkspace, destroy, plan, removeTofuWorkspace, runTofu, showState, type TfEngine, type TofuWorkspace } from '../helpers/tofu';
import { OPERATOR_TOKEN, type Platform, startPlatform, stateResources } from '../terraform/e2e-fixture';

// One engine per test file: jest gives each file its own copy of this module.
let engine: TfEngine = 'tofu';
let platform: Platform;
const workspaces: TofuWorkspace[] = [];

/** Registers the file's hooks: a platform for its cases, run by `cli`. Missing engines fail the file. */
export function useTfMatrix(cli: TfEngine): void {
  engine = cli;
  jest.setTimeout(900_000);
  beforeAll(async () => {
    if (cli === 'terraform') requireTerraform();
    else enginePaths(); // throws EnginesMissingError, naming what to build
    platform = await startPlatform();
  });
  afterAll(async () => {
    for (const w of workspaces) removeTofuWorkspace(w);
    await platform?.close();
  });
}

const HEADER = `terraform {
  required_providers {
    tessera = { source = "tessera/tessera" }
  }
}
`;

function workspace(mainTf: string): TofuWorkspace {
  const w = createTofuWorkspace({
    engine,
    files: { 'main.tf': mainTf },
    devOverrides: { 'tessera/tessera': terraformProviderDir() },
    env: { TESSERA_ENDPOINT: platform.composer.url, TESSERA_TOKEN: OPERATOR_TOKEN },
  });
  workspaces.push(w);
  return w;
}

const write = (w: TofuWorkspace, mainTf: string) => fs.writeFileSync(path.join(w.dir, 'main.tf'), mainTf);
const text = (r: { stdout: string; stderr: string }) => (r.stdout + r.stderr).replace(/\s+/g, ' ');
const api = (method: string, p: string, body?: unknown) => platform.request(method, p, body);
/** Wait until the composer reports `state` for the object (agents stage asynchronously). */
async function settled(p: string, state: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await api('GET', p);
    if (r.body?.state === state) return r.body;
    if (Date.now() > deadline) throw new Error(`${p}: state ${String(r.body?.state)}, waited for ${state}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

interface SliceConfig {
  size: number;
  server?: string;
  requiredTags?: string[];
  excludedTags?: string[];
  allowDataLoss?: boolean;
  extra?: string;
}

const sliceTf = (c: SliceConfig) => `${HEADER}
resource "tessera_cluster" "m" {
  name    = "matrix"
  servers = ["k1", "k2"]
}
resource "tessera_slice" "s" {
  cluster         = tessera_cluster.m.id
  name            = "journal"
  size_gib        = ${c.size}
  server          = ${c.server ? `"${c.server}"` : 'null'}
  required_tags   = ${JSON.stringify(c.requiredTags ?? [])}
  excluded_tags   = ${JSON.stringify(c.excludedTags ?? [])}
  allow_data_loss = ${c.allowDataLoss ?? false}
}
${c.extra ?? ''}`;

export async function sliceLifecycle(): Promise<void> {
  const before = await platform.pool();
  const w = workspace(sliceTf({ size: 10, server: 'k1' }));

  // create, then an empty plan
  await apply(w);
  let st = stateResources(await showState(w))['tessera_slice.s'];
  const id = String(st.id);
  expect(st).toMatchObject({ size_gib: 10, server: 'k1', state: 'staged', owner: 'terraform:tessera_slice.journal', adopt: false });
  expect((await plan(w)).code).toBe(0);

  // an in-place update of an attribute alone (the opt-in), then back
  write(w, sliceTf({ size: 10, server: 'k1', allowDataLoss: true }));
  expect((await apply(w)).stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
  expect((await api('GET', `/v1/slices/${id}`)).body).toMatchObject({ id, allowDataLoss: true });
  write(w, sliceTf({ size: 10, server: 'k1' }));
  expect((await apply(w)).stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);

  // grow in place: the same object, the same first extent, 20 GiB
  write(w, sliceTf({ size: 20, server: 'k1' }));
  const grown = await apply(w);
  expect(grown.stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
  st = stateResources(await showState(w))['tessera_slice.s'];
  expect(st).toMatchObject({ id, capacity_gib: 20 });

  // move to k2 without a copy: the same id and members
  const membersBefore = (await api('GET', `/v1/slices/${id}`)).body!.members;
  write(w, sliceTf({ size: 20, server: 'k2' }));
  expect((await apply(w)).stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
  const moved = await settled(`/v1/slices/${id}`, 'staged');
  expect(moved).toMatchObject({ server: 'k2', members: membersBefore });
  expect((await plan(w)).code).toBe(0);

  // a replacing change without the opt-in: refused at plan time, nothing changes
  write(w, sliceTf({ size: 20, server: 'k2', excludedTags: ['sed'] }));
  const refused = await plan(w, { allowFailure: true });
  expect(refused.code).toBe(1);
  expect(text(refused)).toMatch(/allow_data_loss/);
  expect((await api('GET', `/v1/slices/${id}`)).body).toMatchObject({ id, excludedTags: [] });

  // an infeasible replacement (no drive has the tag), opted in: the plan fails, the slice stays
  write(w, sliceTf({ size: 20, server: 'k2', requiredTags: ['no-such-tag'], allowDataLoss: true }));
  const noFit = await plan(w, { allowFailure: true });
  expect(noFit.code).toBe(1);
  expect(text(noFit)).toMatch(/Not feasible: required_tags/);
  expect((await api('GET', `/v1/slices/${id}`)).status).toBe(200);

  // the opted-in replacement: a new object, off the sed drives
  write(w, sliceTf({ size: 20, server: 'k2', excludedTags: ['sed'], allowDataLoss: true }));
  expect((await apply(w)).stdout).toMatch(/Resources: 1 added, 0 changed, 1 destroyed/);
  st = stateResources(await showState(w))['tessera_slice.s'];
  const id2 = String(st.id);
  expect(id2).not.toBe(id);
  expect((await api('GET', `/v1/slices/${id}`)).status).toBe(404);
  expect(((await api('GET', `/v1/slices/${id2}`)).body!.members as { serial: string }[]).every((m) => /SSD-0[2-5]$/.test(m.serial))).toBe(true);
  const base = { size: 20, server: 'k2', excludedTags: ['sed'], allowDataLoss: true };

  // infeasible growth (past an SSD) and an infeasible create: the plan fails naming size_gib
  write(w, sliceTf({ ...base, size: 5000 }));
  const tooBig = await plan(w, { allowFailure: true });
  expect(tooBig.code).toBe(1);
  expect(text(tooBig)).toMatch(/Not feasible: size_gib/);
  const oneTooMany = `resource "tessera_slice" "huge" {
  cluster  = tessera_cluster.m.id
  name     = "huge"
  size_gib = 5000
}`;
  write(w, sliceTf({ ...base, extra: oneTooMany }));
  const noCreate = await plan(w, { allowFailure: true });
  expect(noCreate.code).toBe(1);
  expect(text(noCreate)).toMatch(/Not feasible: size_gib/);

  // plan-wide: slices of the largest feasible size, one more than the pool holds together
  const cap = (await api('GET', '/v1/capacity?type=slice')).body as { availableGiB: number; maximumVolumeSizeGiB: number };
  const count = Math.floor(cap.availableGiB / cap.maximumVolumeSizeGiB) + 1;
  const many = `resource "tessera_slice" "many" {
  count    = ${count}
  cluster  = tessera_cluster.m.id
  name     = "many-\${count.index}"
  size_gib = ${cap.maximumVolumeSizeGiB}
}`;
  write(w, sliceTf({ ...base, extra: many }));
  const together = await plan(w, { allowFailure: true });
  expect(together.code).toBe(1);
  expect(text(together)).toMatch(/together with the \d+ other creates, growths and replacements this plan already claimed/);
  write(w, sliceTf(base));
  expect((await plan(w)).code).toBe(0);

  // drift, changed out of band (moved back to k1): seen by -refresh-only, put back by apply
  expect((await api('PATCH', `/v1/slices/${id2}`, { server: 'k1' })).status).toBe(200);
  await settled(`/v1/slices/${id2}`, 'staged');
  const changed = await plan(w, {}, ['-refresh-only']);
  expect(changed.code).toBe(2);
  expect(changed.stdout).toMatch(/tessera_slice\.s has changed/);
  expect((await apply(w)).stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
  expect(await settled(`/v1/slices/${id2}`, 'staged')).toMatchObject({ server: 'k2' });

  // drift, deleted out of band (for its owner): seen by -refresh-only, made again by apply
  expect((await api('DELETE', `/v1/slices/${id2}?owner=${encodeURIComponent('terraform:tessera_slice.journal')}`)).status).toBeLessThan(300);
  const deadline = Date.now() + 30_000;
  while ((await api('GET', `/v1/slices/${id2}`)).status !== 404) {
    if (Date.now() > deadline) throw new Error(`slice ${id2} was not deleted`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const deleted = await plan(w, {}, ['-refresh-only']);
  expect(deleted.code).toBe(2);
  expect(deleted.stdout).toMatch(/tessera_slice\.s has been deleted/);
  expect((await apply(w)).stdout).toMatch(/Resources: 1 added, 0 changed, 0 destroyed/);
  const id3 = String(stateResources(await showState(w))['tessera_slice.s'].id);

  // import by CLUSTER/NAME into a state that forgot it: the plan is empty
  await runTofu(w, ['state', 'rm', 'tessera_slice.s']);
  const imported = await runTofu(w, ['import', '-input=false', 'tessera_slice.s', 'matrix/journal']);
  expect(imported.stdout).toMatch(/Import successful/);
  expect(stateResources(await showState(w))['tessera_slice.s'].id).toBe(id3);
  expect((await plan(w)).code).toBe(0);

  // saved plan: a growth planned to a file, then applied from it
  write(w, sliceTf({ ...base, size: 24 }));
  const saved = await plan(w, {}, ['-out=grow.tfplan']);
  expect(saved.code).toBe(2);
  expect((await runTofu(w, ['apply', '-input=false', 'grow.tfplan'])).stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
  expect((await api('GET', `/v1/slices/${id3}`)).body).toMatchObject({ capacityGiB: 24 });
  expect((await plan(w)).code).toBe(0);

  // destroy: the pool exactly as before
  await destroy(w);
  expect(await platform.pool()).toEqual(before);
}

const clusterTf = (name: string, servers: string[], policy: { spareBits?: number; secret?: string } = {}) => `${HEADER}
variable "secret" {
  type      = string
  sensitive = true
  default   = "${policy.secret ?? 'matrix secret number one'}"
}
resource "tessera_key_policy" "k" {
  name   = "matrix-keys"
  secret = var.secret
}
# A policy no cluster uses yet: one in use cannot be replaced (its name is its identity, so the
# old one is deleted first, and the composer refuses to delete a policy in use).
resource "tessera_key_policy" "spare" {
  name          = "matrix-spare"
  secret        = "matrix spare secret, never rotated"
  key_size_bits = ${policy.spareBits ?? 512}
}
resource "tessera_cluster" "c" {
  name       = "${name}"
  servers    = ${JSON.stringify(servers)}
  key_policy = tessera_key_policy.k.id
}
`;

export async function clusterAndKeyPolicy(): Promise<void> {
  const before = await platform.pool();
  const w = workspace(clusterTf('team-x', ['k1']));
  await apply(w);
  expect((await plan(w)).code).toBe(0);
  let state = stateResources(await showState(w));
  const cid = String(state['tessera_cluster.c'].id);
  const kid = String(state['tessera_key_policy.k'].id);
  expect(state['tessera_key_policy.k']).toMatchObject({ version: 1, key_size_bits: 512 });
  expect(state['tessera_cluster.c']).toMatchObject({ key_policy: kid });
  const fingerprint1 = state['tessera_key_policy.k'].fingerprint;

  // update in place (servers), from a saved plan
  write(w, clusterTf('team-x', ['k1', 'k2']));
  expect((await plan(w, {}, ['-out=servers.tfplan'])).code).toBe(2);
  expect((await runTofu(w, ['apply', '-input=false', 'servers.tfplan'])).stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
  expect((await api('GET', `/v1/clusters/${cid}`)).body).toMatchObject({ id: cid, servers: ['k1', 'k2'] });

  // rotate the key in place: a new version and fingerprint, the same policy
  write(w, clusterTf('team-x', ['k1', 'k2'], { secret: 'matrix secret number two' }));
  expect((await apply(w)).stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
  state = stateResources(await showState(w));
  expect(state['tessera_key_policy.k']).toMatchObject({ id: kid, version: 2 });
  expect(state['tessera_key_policy.k'].fingerprint).not.toBe(fingerprint1);
  const policy2 = { secret: 'matrix secret number two' };

  // key policy drift, changed out of band (rotated elsewhere): -refresh-only sees the new version
  expect((await api('PATCH', `/v1/key-policies/${kid}`, { secret: 'matrix secret rotated out of band' })).status).toBe(200);
  const rotated = await plan(w, {}, ['-refresh-only']);
  expect(rotated.code).toBe(2);
  expect(rotated.stdout).toMatch(/tessera_key_policy\.k has changed/);
  await apply(w, {}, ['-refresh-only']);
  expect(stateResources(await showState(w))['tessera_key_policy.k']).toMatchObject({ version: 3 });

  // replace: the key size cannot change in place; a new policy of the same name
  const spare = String(state['tessera_key_policy.spare'].id);
  write(w, clusterTf('team-x', ['k1', 'k2'], { ...policy2, spareBits: 256 }));
  expect((await apply(w)).stdout).toMatch(/Resources: 1 added, 0 changed, 1 destroyed/);
  state = stateResources(await showState(w));
  const spare2 = String(state['tessera_key_policy.spare'].id);
  expect(spare2).not.toBe(spare);
  expect(state['tessera_key_policy.spare']).toMatchObject({ key_size_bits: 256, version: 1 });
  expect((await api('GET', `/v1/key-policies/${spare}`)).status).toBe(404);

  // cluster replace: a new name is a new cluster (the old one deleted first: its name is its identity)
  write(w, clusterTf('team-y', ['k1', 'k2'], { ...policy2, spareBits: 256 }));
  expect((await apply(w)).stdout).toMatch(/Resources: 1 added, 0 changed, 1 destroyed/);
  state = stateResources(await showState(w));
  const cid2 = String(state['tessera_cluster.c'].id);
  expect(cid2).not.toBe(cid);
  expect((await api('GET', `/v1/clusters/${cid}`)).status).toBe(404);

  // drift, deleted out of band (each for its owner): -refresh-only drops both, apply makes them again
  expect((await api('DELETE', `/v1/clusters/${cid2}?owner=${encodeURIComponent('terraform:tessera_cluster.team-y')}`)).status).toBeLessThan(300);
  expect((await api('DELETE', `/v1/key-policies/${kid}?owner=${encodeURIComponent('terraform:tessera_key_policy.matrix-keys')}`)).status).toBeLessThan(300);
  const gone = await plan(w, {}, ['-refresh-only']);
  expect(gone.code).toBe(2);
  expect(gone.stdout).toMatch(/tessera_cluster\.c has been deleted/);
  expect(gone.stdout).toMatch(/tessera_key_policy\.k has been deleted/);
  expect((await apply(w)).stdout).toMatch(/Resources: 2 added, 0 changed, 0 destroyed/);
  state = stateResources(await showState(w));
  const cid3 = String(state['tessera_cluster.c'].id);
  const kid3 = String(state['tessera_key_policy.k'].id);

  // import both into a state that forgot them, by name: the key policy adopts the configured
  // secret (the composer never returns it), and the next plan is empty
  await runTofu(w, ['state', 'rm', 'tessera_cluster.c', 'tessera_key_policy.k']);
  expect((await runTofu(w, ['import', '-input=false', 'tessera_cluster.c', 'team-y'])).stdout).toMatch(/Import successful/);
  expect((await runTofu(w, ['import', '-input=false', 'tessera_key_policy.k', 'matrix-keys'])).stdout).toMatch(/Import successful/);
  state = stateResources(await showState(w));
  expect(state['tessera_cluster.c'].id).toBe(cid3);
  expect(state['tessera_key_policy.k'].id).toBe(kid3);
  const adopt = await apply(w);
  expect(adopt.stdout).toMatch(/Resources: 0 added, [01] changed, 0 destroyed/);
  expect((await api('GET', `/v1/key-policies/${kid3}`)).body).toMatchObject({ version: 1, fingerprint: state['tessera_key_policy.k'].fingerprint });
  expect((await plan(w)).code).toBe(0);

  await destroy(w);
  expect(await platform.pool()).toEqual(before);
}

const volumeTf = (c: { server: string; reclaim?: string; requiredTags?: string[]; allowDataLoss?: boolean }) => `${HEADER}
resource "tessera_cluster" "v" {
  name    = "matrix-volumes"
  servers = ["k1", "k2"]
}
resource "tessera_volume" "data" {
  cluster         = tessera_cluster.v.id
  name            = "data"
  type            = "ssd"
  size_gib        = 1000
  striping        = false
  server          = "${c.server}"
  reclaim_policy  = "${c.reclaim ?? 'Delete'}"
  required_tags   = ${JSON.stringify(c.requiredTags ?? [])}
  allow_data_loss = ${c.allowDataLoss ?? false}
}
`;

export async function volumeLifecycle(): Promise<void> {
  const before = await platform.pool();
  const w = workspace(volumeTf({ server: 'k1' }));
  await apply(w);
  const id = String(stateResources(await showState(w))['tessera_volume.data'].id);
  const members = (await settled(`/v1/volumes/${id}`, 'staged')).members;

  // update in place (reclaim policy), planned to a file and applied from it
  write(w, volumeTf({ server: 'k1', reclaim: 'Retain' }));
  expect((await plan(w, {}, ['-out=reclaim.tfplan'])).code).toBe(2);
  expect((await runTofu(w, ['apply', '-input=false', 'reclaim.tfplan'])).stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
  expect((await api('GET', `/v1/volumes/${id}`)).body).toMatchObject({ id, reclaimPolicy: 'Retain' });
  write(w, volumeTf({ server: 'k1' }));
  await apply(w);

  // move to k2: the same drives, no copy
  write(w, volumeTf({ server: 'k2' }));
  expect((await apply(w)).stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
  expect(await settled(`/v1/volumes/${id}`, 'staged')).toMatchObject({ server: 'k2', members });

  // drift: moved back to k1 out of band; -refresh-only sees it, apply puts it back on k2
  expect((await api('PATCH', `/v1/volumes/${id}`, { server: 'k1' })).status).toBe(200);
  await settled(`/v1/volumes/${id}`, 'staged');
  const changed = await plan(w, {}, ['-refresh-only']);
  expect(changed.code).toBe(2);
  expect(changed.stdout).toMatch(/tessera_volume\.data has changed/);
  expect((await apply(w)).stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
  expect(await settled(`/v1/volumes/${id}`, 'staged')).toMatchObject({ server: 'k2', members });

  // an opted-in replacement that no drive can hold: the plan fails, the volume stays as it is
  write(w, volumeTf({ server: 'k2', requiredTags: ['no-such-tag'], allowDataLoss: true }));
  const noFit = await plan(w, { allowFailure: true });
  expect(noFit.code).toBe(1);
  expect(text(noFit)).toMatch(/Not feasible: required_tags/);
  expect((await api('GET', `/v1/volumes/${id}`)).body).toMatchObject({ id, state: 'staged', members });

  write(w, volumeTf({ server: 'k2' }));
  expect((await plan(w)).code).toBe(0);
  await destroy(w);
  expect(await platform.pool()).toEqual(before);
}

const identityTf = (imports = '') => `${HEADER}
resource "tessera_cluster" "c" {
  name    = "identities"
  servers = ["k1"]
}
resource "tessera_slice" "s" {
  cluster  = tessera_cluster.c.id
  name     = "journal"
  size_gib = 10
}
${imports}`;

/** The resource instances of the local state file, by address (identity included). */
function stateFileInstances(w: TofuWorkspace): Record<string, { identity?: Record<string, unknown>; identity_schema_version?: number; attributes: Record<string, unknown> }> {
  const doc = JSON.parse(fs.readFileSync(path.join(w.dir, 'terraform.tfstate'), 'utf8')) as {
    resources: { type: string; name: string; instances: { identity?: Record<string, unknown>; identity_schema_version?: number; attributes: Record<string, unknown> }[] }[];
  };
  return Object.fromEntries(doc.resources.map((r) => [`${r.type}.${r.name}`, r.instances[0]]));
}

/**
 * Terraform >= 1.12 only: the state keeps each object's resource identity, and `import` blocks
 * with `identity = {...}` (the natural key) bring forgotten objects back with an empty plan after.
 */
export async function importByIdentity(): Promise<void> {
  const before = await platform.pool();
  const w = workspace(identityTf());
  await apply(w);
  let inst = stateFileInstances(w);
  const cid = String(inst['tessera_cluster.c'].attributes.id);
  const sid = String(inst['tessera_slice.s'].attributes.id);
  expect(inst['tessera_cluster.c']).toMatchObject({ identity: { name: 'identities', id: cid }, identity_schema_version: 0 });
  expect(inst['tessera_slice.s']).toMatchObject({ identity: { cluster: cid, name: 'journal', id: sid }, identity_schema_version: 0 });

  // Forget both, then import them by identity: the cluster by name, the slice by cluster and name.
  await runTofu(w, ['state', 'rm', 'tessera_slice.s', 'tessera_cluster.c']);
  write(
    w,
    identityTf(`import {
  to       = tessera_cluster.c
  identity = { name = "identities" }
}
import {
  to       = tessera_slice.s
  identity = { cluster = "identities", name = "journal" }
}`),
  );
  const planned = await plan(w);
  expect(planned.code).toBe(2);
  expect(planned.stdout).toMatch(/Plan: 2 to import, 0 to add, 0 to change, 0 to destroy/);
  expect((await apply(w)).stdout).toMatch(/Resources: 2 imported, 0 added, 0 changed, 0 destroyed/);
  inst = stateFileInstances(w);
  expect(inst['tessera_cluster.c'].identity).toEqual({ name: 'identities', id: cid });
  expect(inst['tessera_slice.s'].identity).toEqual({ cluster: cid, name: 'journal', id: sid });
  expect((await plan(w)).code).toBe(0);

  // An identity without the id needs the whole natural key: the plan fails naming what is missing.
  write(
    w,
    identityTf(`resource "tessera_slice" "other" {
  cluster  = tessera_cluster.c.id
  name     = "journal"
  size_gib = 10
}
import {
  to       = tessera_slice.other
  identity = { name = "journal" }
}`),
  );
  const partial = await plan(w, { allowFailure: true });
  expect(partial.code).toBe(1);
  expect(text(partial)).toMatch(/identity\.cluster: required to import tessera_slice by identity without an id/);

  write(w, identityTf());
  expect((await plan(w)).code).toBe(0);
  await destroy(w);
  expect(await platform.pool()).toEqual(before);
}
