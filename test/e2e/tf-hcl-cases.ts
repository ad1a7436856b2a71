// The examples/hcl-platform cases (docs/acceptance-matrix.md), one body per case for both CLIs:
// a real `tofu` or HashiCorp `terraform` (built by scripts/engines.sh from Go modules) and the
// provider executable through dev_overrides, against a real composer with agents staging on
// k1-k3. tofu.test.ts and terraform.test.ts name the cases (the matrix generator reads the tags in
// their titles, scripts/gen/matrix.ts). Missing engines fail those files; nothing is skipped.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { enginePaths, requireTerraform } from '../helpers/engines';
import { terraformProviderDir } from '../helpers/bundle';
import { apply, createTofuWorkspace, destroy, plan, removeTofuWorkspace, runTofu, showState, type TfEngine, type TofuWorkspace } from '../helpers/tofu';
import { BROKERS, OPERATOR_TOKEN, type Platform, REPO, startPlatform, stateResources } from '../terraform/e2e-fixture';

const SECRET = ['-var', 'kafka_secret=kafka secret for the e2e run'];
// One engine per test file: jest gives each file its own copy of this module.
let engine: TfEngine = 'tofu';
let platform: Platform;
let ws: TofuWorkspace;
const extra: TofuWorkspace[] = [];

/** Registers the file's hooks: a platform and the examples/hcl-platform workspace, run by `cli`. */
export function useHclCases(cli: TfEngine): void {
  engine = cli;
  beforeAll(async () => {
    if (cli === 'terraform') requireTerraform();
    else enginePaths(); // throws EnginesMissingError, naming what to build
    platform = await startPlatform();
    ws = createTofuWorkspace({
      engine,
      files: { 'main.tf': fs.readFileSync(path.join(REPO, 'examples', 'hcl-platform', 'main.tf'), 'utf8') },
      devOverrides: { 'tessera/tessera': terraformProviderDir() },
      env: { TESSERA_ENDPOINT: platform.composer.url, TESSERA_TOKEN: OPERATOR_TOKEN },
    });
  });
  afterAll(async () => {
    for (const w of [ws, ...extra]) if (w) removeTofuWorkspace(w);
    await platform?.close();
  });
}

const volumesByName = async () => {
  const items = ((await platform.get('/v1/volumes')) as { items: Record<string, unknown>[] }).items;
  return Object.fromEntries(items.map((v) => [v.name as string, v]));
};

type Extent = { serial: string; offsetGiB?: number; sizeGiB: number };

/** The broker whose cache slice can grow by `by` GiB: nothing allocated right after its extent. */
async function growableCache(view: Record<string, Record<string, unknown>>, by: number): Promise<string> {
  const inventory = (await platform.get('/v1/inventory')) as { storageGroups: { enclosures: { drives: { serial: string; sizeGiB: number }[] }[] }[] };
  const driveSize = new Map(inventory.storageGroups.flatMap((g) => g.enclosures.flatMap((e) => e.drives.map((d) => [d.serial, d.sizeGiB] as const))));
  const extents: Extent[] = Object.values(view).flatMap((v) => v.members as Extent[]);
  for (const b of BROKERS) {
    const m = (view[`cache-${b}`].members as Extent[])[0];
    const end = (m.offsetGiB ?? 0) + m.sizeGiB;
    const blocked = extents.some((x) => x !== m && x.serial === m.serial && (x.offsetGiB ?? 0) < end + by && (x.offsetGiB ?? 0) + x.sizeGiB > end);
    if (!blocked && end + by <= (driveSize.get(m.serial) ?? 0)) return b;
  }
  throw new Error(`no cache slice has ${by} GiB free after it: ${JSON.stringify(BROKERS.map((b) => view[`cache-${b}`].members))}`);
}

export async function hclPlatform(): Promise<void> {
  const poolBefore = await platform.pool();

  // 1. apply the platform stack
  const first = await apply(ws, {}, SECRET);
  expect(first.stdout).toMatch(/Apply complete! Resources: 8 added, 0 changed, 0 destroyed/);
  const state = stateResources(await showState(ws));
  const kp = state['tessera_key_policy.kafka'];
  // The example's documented path: an ephemeral variable into the write-only secret.
  expect(kp).toMatchObject({ secret: null, secret_wo: null, secret_wo_version: 1, version: 1 });
  expect(fs.readFileSync(path.join(ws.dir, 'terraform.tfstate'), 'utf8')).not.toContain('kafka secret for the e2e run');
  for (const b of BROKERS) {
    const log = state[`tessera_volume.log["${b}"]`];
    expect(log).toMatchObject({ raid_level: 'raid1', encrypt: true, key_policy: kp.id, server: b, mount_path: '/srv/kafka/data' });
    const members = log.members as { storage_group: string; enclosure: string }[];
    expect(new Set(members.map((m) => m.storage_group)).size).toBe(2);
    expect(new Set(members.map((m) => m.enclosure)).size).toBe(2);
    expect(state[`tessera_volume.cache["${b}"]`]).toMatchObject({ type: 'slice', size_gib: 100, capacity_gib: 100, server: b });
  }
  const composerView = await volumesByName();
  expect(composerView['log-k1']).toMatchObject({ state: 'staged', server: 'k1', owner: 'terraform:tessera_volume.log-k1' });

  // 2. nothing to do right after
  const empty = await plan(ws, {}, SECRET);
  expect(empty.code).toBe(0);

  // 3. grow a slice cache in place: the one whose SSD extent has free space after it (the
  // engine packs slices best-fit, so the others have a neighbour and would fail clearly).
  const cacheIds = BROKERS.map((b) => composerView[`cache-${b}`].id);
  const target = await growableCache(composerView, 50);
  const growVars = [...SECRET, '-var', `cache_size_overrides={ ${target} = 150 }`];
  const grow = await apply(ws, {}, growVars);
  expect(grow.stdout).toMatch(new RegExp(`tessera_volume.cache\\["${target}"\\] will be updated in-place`));
  expect(grow.stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
  const grown = await volumesByName();
  expect(BROKERS.map((b) => [grown[`cache-${b}`].id, grown[`cache-${b}`].capacityGiB])).toEqual(cacheIds.map((id, i) => [id, BROKERS[i] === target ? 150 : 100]));
  expect((await plan(ws, {}, growVars)).code).toBe(0);

  // 4. shrinking fails the plan, on the attribute
  const shrink = await plan(ws, { allowFailure: true }, [...SECRET, '-var', `cache_size_overrides={ ${target} = 120 }`]);
  expect(shrink.code).toBe(1);
  expect(shrink.stderr + shrink.stdout).toMatch(/size_gib: shrinking is refused \(from 150 to 120 GiB\)/);

  // 5. change the type: a replacement deletes the volumes' data first, so the plan refuses it
  // and says what to do; with the opt-in it replaces (destroy, then create under the same name)
  const refused = await plan(ws, { allowFailure: true }, [...growVars, '-var', 'cache_type=ssd']);
  expect(refused.code).toBe(1);
  expect(refused.stdout + refused.stderr).toMatch(/Replacing tessera_volume would destroy its data/);
  expect(refused.stdout + refused.stderr).toMatch(/set\s+allow_data_loss\s+=\s+true/);
  const vars = [...growVars, '-var', 'cache_type=ssd', '-var', 'cache_allow_data_loss=true'];
  const retype = await apply(ws, {}, vars);
  expect(retype.stdout).toMatch(/# forces replacement/);
  expect(retype.stdout).toMatch(/Resources: 3 added, 0 changed, 3 destroyed/);
  const retyped = await volumesByName();
  for (const [i, b] of BROKERS.entries()) {
    expect(retyped[`cache-${b}`]).toMatchObject({ type: 'ssd', state: 'staged' });
    expect(retyped[`cache-${b}`].id).not.toBe(cacheIds[i]);
  }
  expect((await plan(ws, {}, vars)).code).toBe(0);

  // 6. import a volume by id into a fresh state: the plan is empty
  const log2 = retyped['log-k2'];
  const imp = createTofuWorkspace({
    engine,
    files: {
      'main.tf': `terraform {
  required_providers {
    tessera = { source = "tessera/tessera" }
  }
}
resource "tessera_volume" "adopted" {
  cluster         = "${log2.cluster}"
  name            = "log-k2"
  type            = "ssd"
  size_gib        = 1000
  redundancy      = true
  sg_resiliency   = true
  jbod_resiliency = true
  encrypt         = true
  key_policy      = "${kp.id}"
  required_tags   = ["nvme"]
  fs_type         = "xfs"
  server          = "k2"
  mount_path      = "/srv/kafka/data"
}
`,
    },
    devOverrides: { 'tessera/tessera': terraformProviderDir() },
    env: ws.env,
  });
  extra.push(imp);
  const imported = await runTofu(imp, ['import', '-input=false', 'tessera_volume.adopted', String(log2.id)]);
  expect(imported.stdout).toMatch(/Import successful/);
  expect(stateResources(await showState(imp))['tessera_volume.adopted']).toMatchObject({ id: log2.id, raid_level: 'raid1', server: 'k2' });
  const afterImport = await plan(imp);
  expect(afterImport.stdout).toMatch(/No changes/);
  expect(afterImport.code).toBe(0);
  await runTofu(imp, ['state', 'rm', 'tessera_volume.adopted']); // the platform stack owns it
  // The same by natural key CLUSTER/NAME in an import {} block: the apply imports and changes nothing.
  const mainTf = fs.readFileSync(path.join(imp.dir, 'main.tf'), 'utf8');
  fs.writeFileSync(path.join(imp.dir, 'main.tf'), `${mainTf}\nimport {\n  to = tessera_volume.adopted\n  id = "kafka/log-k2"\n}\n`);
  const byKey = await apply(imp);
  expect(byKey.stdout).toMatch(/Apply complete! Resources: 1 imported, 0 added, 0 changed, 0 destroyed/);
  expect(stateResources(await showState(imp))['tessera_volume.adopted']).toMatchObject({ id: log2.id });
  await runTofu(imp, ['state', 'rm', 'tessera_volume.adopted']);

  // 7. destroy: the pool is as it was
  const gone = await destroy(ws, {}, vars);
  expect(gone.stdout).toMatch(/Destroy complete! Resources: 8 destroyed/);
  expect(await platform.pool()).toEqual(poolBefore);
}

export async function savedPlanEphemeral(): Promise<void> {
  const config = `terraform {
  required_providers {
    tessera = { source = "tessera/tessera" }
  }
}
variable "secret" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "secret_version" {
  type    = number
  default = 1
}
resource "tessera_key_policy" "saved" {
  name              = "saved-plan-keys"
  secret_wo         = var.secret
  secret_wo_version = var.secret_version
}
`;
  const w = createTofuWorkspace({ engine, files: { 'main.tf': config }, devOverrides: { 'tessera/tessera': terraformProviderDir() }, env: ws.env });
  extra.push(w);
  const first = 'saved plan secret number one';
  const planned = await runTofu(w, ['plan', '-input=false', '-out=first.tfplan', '-var', `secret=${first}`]);
  expect(planned.code).toBe(0);
  expect(fs.readFileSync(path.join(w.dir, 'first.tfplan')).includes(Buffer.from(first))).toBe(false);
  // An ephemeral variable is given again when the saved plan is applied.
  const applied = await runTofu(w, ['apply', '-input=false', '-var', `secret=${first}`, 'first.tfplan']);
  expect(applied.stdout).toMatch(/Apply complete! Resources: 1 added/);
  const kp1 = stateResources(await showState(w))['tessera_key_policy.saved'];
  expect(kp1).toMatchObject({ secret: null, secret_wo: null, secret_wo_version: 1, version: 1 });
  // Rotation through a saved plan too.
  const second = 'saved plan secret number two';
  const rot = await runTofu(w, ['plan', '-input=false', '-out=rotate.tfplan', '-var', `secret=${second}`, '-var', 'secret_version=2']);
  expect(rot.stdout).toMatch(/1 to change/);
  expect(fs.readFileSync(path.join(w.dir, 'rotate.tfplan')).includes(Buffer.from(second))).toBe(false);
  await runTofu(w, ['apply', '-input=false', '-var', `secret=${second}`, '-var', 'secret_version=2', 'rotate.tfplan']);
  const kp2 = stateResources(await showState(w))['tessera_key_policy.saved'];
  expect(kp2).toMatchObject({ id: kp1.id, version: 2 });
  expect(kp2.fingerprint).not.toBe(kp1.fingerprint);
  const stateText = fs.readFileSync(path.join(w.dir, 'terraform.tfstate'), 'utf8');
  expect(stateText).not.toContain(first);
  expect(stateText).not.toContain(second);
  await destroy(w, {}, ['-var', `secret=${second}`, '-var', 'secret_version=2']);
}

export async function feasibilityCreate(): Promise<void> {
  const w = createTofuWorkspace({
    engine,
    files: {
      'main.tf': `terraform {
  required_providers {
    tessera = { source = "tessera/tessera" }
  }
}
resource "tessera_cluster" "c" {
  name    = "too-big"
  servers = ["k1"]
}
resource "tessera_volume" "huge" {
  cluster  = tessera_cluster.c.id
  name     = "huge"
  type     = "ssd"
  size_gib = 500000
  striping = false
}
`,
    },
    devOverrides: { 'tessera/tessera': terraformProviderDir() },
    env: ws.env,
  });
  extra.push(w);
  const before = await platform.pool();
  const res = await plan(w, { allowFailure: true });
  expect(res.code).toBe(1);
  expect(res.stdout + res.stderr).toMatch(/Not feasible: size_gib/);
  expect(res.stdout + res.stderr).toMatch(/on main.tf line \d+, in resource "tessera_volume" "huge":\s+\d+:\s+size_gib\s+= 500000/);
  expect(await platform.pool()).toEqual(before);
}

export async function feasibilityPlanWideAndDrift(): Promise<void> {
  const config = (count: number, sliceGiB: number, servers: string) => `terraform {
  required_providers {
    tessera = { source = "tessera/tessera" }
  }
}
resource "tessera_cluster" "c" {
  name    = "drift"
  servers = ${servers}
}
resource "tessera_volume" "many" {
  count    = ${count}
  cluster  = tessera_cluster.c.id
  name     = "many-\${count.index}"
  type     = "ssd"
  size_gib = 1000
  striping = false
}
resource "tessera_volume" "big" {
  cluster  = tessera_cluster.c.id
  name     = "big-slice"
  type     = "slice"
  size_gib = ${sliceGiB}
}
`;
  const w = createTofuWorkspace({ engine, files: { 'main.tf': config(2, 1700, '["k5"]') }, devOverrides: { 'tessera/tessera': terraformProviderDir() }, env: ws.env });
  extra.push(w);
  const before = await platform.pool();
  const free = ((await platform.get('/v1/capacity?type=ssd')) as { availableGiB: number }).availableGiB;
  const drives = Math.floor(free / 1788);
  // More whole-drive volumes than free SSDs, each of which fits alone: the plan fails, naming the others.
  fs.writeFileSync(path.join(w.dir, 'main.tf'), config(drives + 1, 1700, '["k5"]'));
  const tooMany = await plan(w, { allowFailure: true });
  expect(tooMany.code).toBe(1);
  expect(tooMany.stdout + tooMany.stderr).toMatch(/together\s+with\s+the\s+\d+\s+other\s+creates,\s+growths\s+and\s+replacements\s+this\s+plan\s+already\s+claimed/);
  expect(await platform.pool()).toEqual(before);

  fs.writeFileSync(path.join(w.dir, 'main.tf'), config(2, 1700, '["k5"]'));
  await apply(w);
  // A growth past the SSD's end fails the plan, not the apply.
  fs.writeFileSync(path.join(w.dir, 'main.tf'), config(2, 1800, '["k5"]'));
  const grow = await plan(w, { allowFailure: true });
  expect(grow.code).toBe(1);
  expect(grow.stdout + grow.stderr).toMatch(/Not feasible: size_gib/);
  fs.writeFileSync(path.join(w.dir, 'main.tf'), config(2, 1700, '["k5"]'));

  // Out of band: one volume deleted, the cluster's servers changed.
  const state = stateResources(await showState(w));
  const token = { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' };
  // Out of band, for the object's owner (docs/api.md "Owners").
  const gone = state['tessera_volume.many[1]'];
  expect((await fetch(`${platform.composer.url}/v1/volumes/${String(gone.id)}?owner=${encodeURIComponent(String(gone.owner))}`, { method: 'DELETE', headers: token })).status).toBeLessThan(300);
  expect((await fetch(`${platform.composer.url}/v1/clusters/${String(state['tessera_cluster.c'].id)}`, { method: 'PATCH', headers: token, body: JSON.stringify({ servers: ['k5', 'k6'] }) })).status).toBe(200);
  await new Promise((r) => setTimeout(r, 1000));
  const refreshOnly = await plan(w, {}, ['-refresh-only']);
  expect(refreshOnly.code).toBe(2);
  expect(refreshOnly.stdout).toMatch(/tessera_volume\.many\[1\] has been deleted/);
  expect(refreshOnly.stdout).toMatch(/tessera_cluster\.c has changed/);
  await apply(w, {}, ['-refresh-only']);
  const refreshed = stateResources(await showState(w));
  expect(refreshed['tessera_volume.many[1]']).toBeUndefined();
  expect(refreshed['tessera_cluster.c'].servers).toEqual(['k5', 'k6']);
  // The next apply puts both back: the volume created again, the servers updated in place.
  const back = await apply(w);
  expect(back.stdout).toMatch(/Resources: 1 added, 1 changed, 0 destroyed/);
  expect((await plan(w)).code).toBe(0);
  await destroy(w);
  expect(await platform.pool()).toEqual(before);
}

export async function writeOnlySecret(): Promise<void> {
  const config = (version: number) => `terraform {
  required_providers {
    tessera = { source = "tessera/tessera" }
  }
}
variable "secret" {
  type      = string
  sensitive = true
}
resource "tessera_key_policy" "wo" {
  name              = "write-only-keys"
  secret_wo         = var.secret
  secret_wo_version = ${version}
}
`;
  const w = createTofuWorkspace({ engine, files: { 'main.tf': config(1) }, devOverrides: { 'tessera/tessera': terraformProviderDir() }, env: ws.env });
  extra.push(w);
  const first = 'first write-only secret 0001';
  await apply(w, {}, ['-var', `secret=${first}`]);
  const stateText = fs.readFileSync(path.join(w.dir, 'terraform.tfstate'), 'utf8');
  expect(stateText).not.toContain(first);
  const kp1 = stateResources(await showState(w))['tessera_key_policy.wo'];
  expect(kp1).toMatchObject({ secret_wo: null, secret_wo_version: 1, version: 1 });
  expect((await plan(w, {}, ['-var', `secret=${first}`])).code).toBe(0);

  const second = 'second write-only secret 002';
  fs.writeFileSync(path.join(w.dir, 'main.tf'), config(2));
  const rotated = await apply(w, {}, ['-var', `secret=${second}`]);
  expect(rotated.stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
  const kp2 = stateResources(await showState(w))['tessera_key_policy.wo'];
  expect(kp2).toMatchObject({ id: kp1.id, version: 2, secret_wo: null });
  expect(kp2.fingerprint).not.toBe(kp1.fingerprint);
  expect(fs.readFileSync(path.join(w.dir, 'terraform.tfstate'), 'utf8')).not.toContain(second);
  await destroy(w, {}, ['-var', `secret=${second}`]);
}
