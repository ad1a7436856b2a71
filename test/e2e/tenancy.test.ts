// Many teams, one pool, with the real engines: two Pulumi stacks and an OpenTofu workspace
// declare the same slice name in one cluster. The first to create it owns it; the others are
// refused (owner_conflict naming both owners) instead of silently sharing it, already by
// `pulumi preview` and `tofu plan` (nothing changed), while their own objects are made; destroying the first stack frees only its own objects, the others' stay as
// they were, and the name is then free for the next owner. A second tofu workspace of the same
// configuration is one more owner. Missing engines fail this file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ADMIN_TOKEN, OPERATOR_TOKEN, REPO, startTestComposer, type TestComposer } from '../helpers/composer';
import { terraformProviderDir } from '../helpers/bundle';
import { enginePaths } from '../helpers/engines';
import { createPulumiProject, createStack, destroy as pulumiDestroy, preview, PULUMI_PROGRAM_TSCONFIG, type PulumiStack, removeStack, stackOutputs, up } from '../helpers/pulumi';
import { apply, createTofuWorkspace, destroy as tofuDestroy, removeTofuWorkspace, runTofu, type TofuWorkspace } from '../helpers/tofu';

const PROGRAM = `
import * as pulumi from '@pulumi/pulumi';
import * as tessera from ${JSON.stringify(path.join(REPO, 'sdk'))};

const config = new pulumi.Config();
const cluster = config.require('clusterId');
// A name of this stack's own.
const own = new tessera.Slice('own', { cluster, name: config.require('ownName'), sizeGiB: 4 });
// The name every team picked: made after the stack's own, so a refusal of it cannot stop the engine
// before the own slice was made (an engine stops starting resources at the first failure).
const scratch = new tessera.Slice('scratch', { cluster, name: 'scratch', sizeGiB: 4 }, { dependsOn: [own] });
export const scratchId = scratch.id;
export const ownId = own.id;
`;
const HCL = `
terraform {
  required_providers {
    tessera = { source = "tessera/tessera" }
  }
}
variable "cluster" { type = string }
resource "tessera_slice" "scratch" {
  cluster    = var.cluster
  name       = "scratch"
  size_gib   = 4
  depends_on = [tessera_slice.own]
}
resource "tessera_slice" "own" {
  cluster  = var.cluster
  name     = "own-t"
  size_gib = 4
}
`;

jest.setTimeout(900_000);

let composer: TestComposer;
let work: string;
let clusterId: string;
const stacks: PulumiStack[] = [];
let ws: TofuWorkspace;

const get = async (p: string) => {
  const r = await fetch(composer.url + p, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return { status: r.status, body: (await r.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
};
const slices = async () => Object.fromEntries(((await get(`/v1/slices?cluster=${clusterId}`)).body.items as { name: string; id: string; owner?: string }[]).map((s) => [s.name, s]));

beforeAll(async () => {
  enginePaths(); // throws, naming scripts/engines.sh, when the engines are missing
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-tenancy-'));
  fs.mkdirSync(path.join(work, 'composer'));
  composer = await startTestComposer({ dir: path.join(work, 'composer'), log: () => undefined });
  const c = await fetch(composer.url + '/v1/clusters', {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'shared', servers: ['k1', 'k2'] }),
  });
  clusterId = ((await c.json()) as { id: string }).id;
  const projectDir = createPulumiProject({ name: 'tenancy', program: PROGRAM, dir: path.join(work, 'project'), files: { 'tsconfig.json': PULUMI_PROGRAM_TSCONFIG } });
  for (const team of ['team-a', 'team-b'])
    stacks.push(
      await createStack(projectDir, {
        stack: team,
        config: { 'tessera:endpoint': composer.url, clusterId, ownName: `own-${team}` },
        secrets: { 'tessera:token': OPERATOR_TOKEN },
      }),
    );
  fs.mkdirSync(path.join(work, 'tofu'));
  ws = createTofuWorkspace({
    dir: path.join(work, 'tofu'),
    files: { 'main.tf': HCL },
    devOverrides: { 'tessera/tessera': terraformProviderDir() },
    env: { TESSERA_ENDPOINT: composer.url, TESSERA_TOKEN: OPERATOR_TOKEN },
  });
}, 600_000);

afterAll(async () => {
  for (const s of stacks) await removeStack(s).catch(() => undefined);
  if (ws) removeTofuWorkspace(ws);
  await composer?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the second and third owner of a name are refused; destroying the first leaves the others untouched', async () => {
  const [a, b] = stacks;
  const urn = (stack: string) => `urn:pulumi:${stack}::tenancy::pulumi-nodejs:dynamic/tessera:Slice::scratch`;
  const vars = ['-var', `cluster=${clusterId}`];

  // 1. team-a makes the shared name first.
  await up(a);
  const outA = await stackOutputs(a);
  let view = await slices();
  expect(view.scratch).toMatchObject({ id: outA.scratchId, owner: urn('team-a') });

  // 2. team-b's stack: refused already at preview (nothing changes), naming both owners; an up
  // without a preview makes its own slice, then refuses the shared name.
  const previewB = await preview(b, { allowFailure: true });
  expect(previewB.raw.code).not.toBe(0);
  const textP = previewB.raw.stdout + previewB.raw.stderr;
  expect(textP).toContain('owner_conflict');
  expect(textP).toContain(urn('team-a'));
  expect(Object.keys(await slices()).sort()).toEqual(['own-team-a', 'scratch']);
  const upB = await up(b, { allowFailure: true });
  expect(upB.code).not.toBe(0);
  const textB = upB.stdout + upB.stderr;
  expect(textB).toContain('owner_conflict');
  expect(textB).toContain(urn('team-a'));
  expect(textB).toContain(urn('team-b'));
  // 3. the tofu workspace: the same, at plan time.
  const planT = await runTofu(ws, ['plan', '-input=false', '-no-color', ...vars], { allowFailure: true });
  expect(planT.code).not.toBe(0);
  const textT = planT.stdout + planT.stderr;
  expect(textT).toContain('owner_conflict');
  expect(textT).toContain(urn('team-a'));
  expect(textT).toMatch(/not\s+terraform:tessera_slice\.scratch/);
  view = await slices();
  expect(Object.keys(view).sort()).toEqual(['own-team-a', 'own-team-b', 'scratch']);
  // The workspace's own name alone applies.
  const ownOnly = await apply(ws, {}, [...vars, '-target=tessera_slice.own']);
  expect(ownOnly.code).toBe(0);

  // 3b. Another workspace of the same configuration is another owner: refused too, also for the workspace's own name.
  await runTofu(ws, ['workspace', 'new', 'team-b']);
  const second = await apply(ws, { allowFailure: true }, vars);
  expect(second.code).not.toBe(0);
  const flat = (second.stdout + second.stderr).replace(/\s+/g, ' ');
  expect(flat).toMatch(/slice own-t \(slc-[0-9a-f]+\) already exists with the same spec but belongs to terraform:tessera_slice\.own-t, not terraform:team-b\/tessera_slice\.own-t/);
  await runTofu(ws, ['workspace', 'select', 'default']);

  view = await slices();
  expect(Object.keys(view).sort()).toEqual(['own-t', 'own-team-a', 'own-team-b', 'scratch']);
  expect(view.scratch.owner).toBe(urn('team-a'));
  const othersBefore = { b: view['own-team-b'], t: view['own-t'] };
  expect(othersBefore.b.owner).toBe('urn:pulumi:team-b::tenancy::pulumi-nodejs:dynamic/tessera:Slice::own');
  expect(othersBefore.t.owner).toBe('terraform:tessera_slice.own-t');

  // 4. team-a destroys its stack: only its objects go.
  await pulumiDestroy(a);
  view = await slices();
  expect(Object.keys(view).sort()).toEqual(['own-t', 'own-team-b']);
  expect(view['own-team-b']).toEqual(othersBefore.b);
  expect(view['own-t']).toEqual(othersBefore.t);

  // 5. The name is free: team-b takes it on its next up; the workspace is still refused, now naming team-b.
  await up(b);
  expect((await slices()).scratch.owner).toBe(urn('team-b'));
  const again = await apply(ws, { allowFailure: true }, vars);
  expect(again.code).not.toBe(0);
  expect(again.stdout + again.stderr).toContain(urn('team-b'));

  // 6. The journal says who did what, by token id.
  const ops = (await get('/v1/operations?limit=1000')).body.items as { kind: string; resource: string; audit: { token: string; owner?: string } }[];
  const deletesByA = ops.filter((o) => o.kind === 'delete' && o.audit.owner?.startsWith('urn:pulumi:team-a::'));
  expect(deletesByA).toHaveLength(2);
  expect(deletesByA.every((o) => o.audit.token === 'ops')).toBe(true);

  await pulumiDestroy(b);
  await tofuDestroy(ws, {}, vars);
  expect(Object.keys(await slices())).toEqual([]);
});
