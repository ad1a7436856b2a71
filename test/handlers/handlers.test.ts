// The shared resource handlers against a real composer (SQLite file, lab inventory, real HTTP).
import { handlersFor, ComposerError, readDataSource, SchemaResourceHandler } from '../../provider/handlers';
import type { ResourceType } from '../../provider/schema';
import { startComposerFixture, ComposerFixture } from './composer-fixture';

describe('resource handlers against a real composer', () => {
  let fx: ComposerFixture;
  let h: Record<ResourceType, SchemaResourceHandler>;
  const handlerLog: string[] = [];
  let clusterId: string;

  beforeAll(async () => {
    fx = await startComposerFixture();
    h = handlersFor({ endpoint: fx.url, token: fx.token }, { log: (l) => handlerLog.push(l), pollMs: 50, deleteTimeoutMs: 10_000 });
    const c = await h.tessera_cluster.create({ name: 'kafka', servers: ['k1', 'k2'] }, 'urn:pulumi:test::p::tessera:Cluster::kafka');
    clusterId = c.id;
  });
  afterAll(async () => fx?.close());

  describe('check', () => {
    it('names every bad field with its reason and applies defaults', async () => {
      const bad = await h.tessera_volume.check({ cluster: clusterId, name: 'Bad_Name', sizeGiB: 0, type: 'tape' });
      const byField = Object.fromEntries(bad.failures.map((f) => [f.field, f.reason]));
      expect(byField.sizeGiB).toBe('must be >= 1, got 0');
      expect(byField.type).toBe('must be one of hdd, ssd, slice, got "tape"');
      expect(byField.name).toMatch(/does not match/);
      const good = await h.tessera_volume.check({ cluster: clusterId, name: 'ok', sizeGiB: 10 });
      expect(good.failures).toEqual([]);
      expect(good.inputs).toMatchObject({ type: 'hdd', fsType: 'ext4', redundancy: false, reclaimPolicy: 'Delete' });
    });

    it('gives the same cross-field messages as the composer API', async () => {
      const input = { cluster: clusterId, name: 'x', sizeGiB: 10, type: 'ssd', rpm: 7200, mountPath: '/data', keyPolicy: 'kp' };
      const local = await h.tessera_volume.check(input);
      const api = (await h.tessera_volume.create(input, 'o').catch((e) => e)) as ComposerError;
      expect(api).toBeInstanceOf(ComposerError);
      expect(api.code).toBe('validation_failed');
      const sortF = (fs: { field: string; reason: string }[]) => [...fs].sort((a, b) => (a.field + a.reason).localeCompare(b.field + b.reason));
      expect(sortF(local.failures)).toEqual(sortF(api.fieldErrors));
      expect(local.failures.map((f) => f.field).sort()).toEqual(['keyPolicy', 'mountPath', 'rpm']);
    });

    it('applies the mountPath rule at plan time, leaving the mount roots to the composer', async () => {
      const base = { cluster: clusterId, name: 'mp', sizeGiB: 10, server: 'k1' };
      const etc = await h.tessera_volume.check({ ...base, mountPath: '/etc/kafka' });
      expect(etc.failures).toEqual([{ field: 'mountPath', reason: '"/etc/kafka" is inside /etc, a system directory' }]);
      const ctl = await h.tessera_volume.check({ ...base, mountPath: '/srv/a\nb' });
      expect(ctl.failures[0].reason).toMatch(/control character U\+000A/);
      // Outside the default roots: only the composer knows its roots, and it refuses.
      const opt = { ...base, mountPath: '/opt/kafka' };
      expect((await h.tessera_volume.check(opt)).failures).toEqual([]);
      const api = (await h.tessera_volume.create(opt, 'o').catch((e) => e)) as ComposerError;
      expect(api.fieldErrors).toEqual([{ field: 'mountPath', reason: expect.stringMatching(/outside the allowed mount roots/) }]);
    });

    it('does not validate unknown values, nor rules that depend on them', async () => {
      const r = await h.tessera_volume.check({ cluster: 'x', name: 'u', sizeGiB: 10, mountPath: '/data' }, { unknown: ['cluster', 'server'] });
      expect(r.failures).toEqual([]);
      expect(r.inputs.cluster).toBeUndefined();
      const missing = await h.tessera_volume.check({ name: 'u', sizeGiB: 10 }, { unknown: [] });
      expect(missing.failures).toEqual([{ field: 'cluster', reason: 'is required' }]);
    });

    it('fails the preview with the engine reason when the pool cannot place the volume', async () => {
      const r = await h.tessera_volume.check(
        { cluster: clusterId, name: 'huge', type: 'ssd', sizeGiB: 50_000, redundancy: true, striping: false },
        { preview: true },
      );
      expect(r.failures).toHaveLength(1);
      expect(r.failures[0].field).toBe('sizeGiB');
      expect(r.failures[0].reason).toMatch(/50000 GiB.*1788 GiB/);
      expect(r.failures[0].reason).not.toMatch(/^sizeGiB:/);
      // The same reason the engine gives when the volume is really created.
      const real = (await h.tessera_volume.create({ cluster: clusterId, name: 'huge', type: 'ssd', sizeGiB: 50_000, redundancy: true, striping: false }, 'o').catch((e) => e)) as ComposerError;
      expect(real.code).toBe('insufficient_capacity');
      expect(real.status).toBe(409);
      expect(real.message).toContain(r.failures[0].reason);
      // Nothing was reserved by the dry run.
      const cap = await readDataSource('tessera_capacity', { type: 'ssd' }, { endpoint: fx.url, token: fx.token });
      expect(cap.availableGiB).toBe(4 * 6 * 1788);
    });

    it('with the cluster not known yet, checks feasibility through the capacity query', async () => {
      const r = await h.tessera_volume.check({ cluster: 'unknown', name: 'huge', type: 'ssd', sizeGiB: 5000, striping: false }, { preview: true, unknown: ['cluster'] });
      expect(r.failures).toEqual([{ field: 'sizeGiB', reason: expect.stringMatching(/cannot place 5000 GiB of ssd.*largest that would succeed now is 1788 GiB/) }]);
      const ok = await h.tessera_volume.check({ cluster: 'unknown', name: 'fits', type: 'ssd', sizeGiB: 1000 }, { preview: true, unknown: ['cluster'] });
      expect(ok.failures).toEqual([]);
    });

    it('with the name not known yet, checks feasibility without a dry-run create (which would call the name missing)', async () => {
      const r = await h.tessera_volume.check({ cluster: clusterId, name: 'unknown', type: 'ssd', sizeGiB: 1000 }, { preview: true, unknown: ['name'] });
      expect(r.failures).toEqual([]);
      const huge = await h.tessera_volume.check({ cluster: clusterId, name: 'unknown', type: 'ssd', sizeGiB: 5000, striping: false }, { preview: true, unknown: ['name'] });
      expect(huge.failures).toEqual([{ field: 'sizeGiB', reason: expect.stringMatching(/cannot place 5000 GiB of ssd/) }]);
    });

    it('plans a resize in place: the placement outputs are recomputed, the id and owner kept', () => {
      const olds = { cluster: clusterId, name: 's', type: 'slice', sizeGiB: 20 };
      const p = h.tessera_volume.plan(olds, { ...olds, sizeGiB: 30 });
      expect(p).toMatchObject({ create: false, changed: ['sizeGiB'], replaces: [], updates: ['sizeGiB'], refusedShrinks: [], deleteBeforeReplace: false });
      expect(p.recomputed).toEqual(expect.arrayContaining(['members', 'transport', 'raidLevel', 'capacityGiB', 'state']));
      expect(p.kept.sort()).toEqual(['id', 'owner']);
      const moved = h.tessera_volume.plan(olds, { ...olds, server: 'k1' });
      expect(moved.kept.sort()).toEqual(['id', 'members', 'owner', 'raidLevel', 'transport']);
      expect(h.tessera_volume.plan(olds, { ...olds, sizeGiB: 10 }).refusedShrinks).toEqual([{ field: 'sizeGiB', from: 20, to: 10 }]);
      expect(h.tessera_volume.plan(olds, { ...olds, name: undefined }, { unknown: ['name'] })).toMatchObject({ create: true, replaces: ['name'], deleteBeforeReplace: false });
      expect(h.tessera_volume.plan(undefined, olds)).toMatchObject({ create: true, kept: [] });
    });

    it('carries over what the composer never returns: the sensitive secret, the write-only version and adopt', () => {
      const kp = h.tessera_key_policy;
      // adopt is never stored: the inputs' value, else its default (an import has none).
      expect(kp.carryOver({ fingerprint: 'f' }, { secret: 's'.repeat(16), secretWo: 'w'.repeat(16), secretWoVersion: 2 })).toEqual({ fingerprint: 'f', secret: 's'.repeat(16), secretWoVersion: 2, adopt: false });
      expect(kp.carryOver({ secretWoVersion: 3 }, { secretWoVersion: 2, adopt: true })).toEqual({ secretWoVersion: 3, adopt: true });
    });

    it('a preview with the composer unreachable still validates and does not fail on feasibility', async () => {
      // Default retries: the optional check gives up after two quick attempts instead of ~30 s.
    const offline = handlersFor({ endpoint: 'http://127.0.0.1:1', token: 't' });
    const started = Date.now();
      const r = await offline.tessera_volume.check({ cluster: 'c', name: 'v', type: 'ssd', sizeGiB: 999_999 }, { preview: true });
      expect(r.failures).toEqual([]);
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it('refuses shrinking in place at check time', async () => {
      const olds = { cluster: clusterId, name: 's', type: 'slice', sizeGiB: 20 };
      const r = await h.tessera_volume.check({ ...olds, sizeGiB: 10 }, { olds });
      expect(r.failures).toEqual([{ field: 'sizeGiB', reason: 'shrinking from 20 to 10 is refused; only growth is applied in place' }]);
    });

    it('refuses a change that would replace a volume or slice (and delete its data) unless allowDataLoss opts in', async () => {
      const olds = { cluster: clusterId, name: 'd', type: 'hdd', sizeGiB: 100 };
      const grow = await h.tessera_volume.check({ ...olds, sizeGiB: 200 }, { olds });
      expect(grow.failures).toEqual([
        {
          field: 'sizeGiB',
          reason:
            'changing sizeGiB replaces the volume (it grows in place only for type slice): the replacement deletes it and its data first. ' +
            'Keep the old value and create a new volume beside it to move the data, or set allowDataLoss = true to replace it and lose the data',
        },
      ]);
      expect((await h.tessera_volume.check({ ...olds, sizeGiB: 200, allowDataLoss: true }, { olds })).failures).toEqual([]);
      const slice = { cluster: clusterId, name: 's', sizeGiB: 10 };
      const tagged = await h.tessera_slice.check({ ...slice, requiredTags: ['fast'] }, { olds: slice });
      expect(tagged.failures.map((f) => f.field)).toEqual(['requiredTags']);
      expect(tagged.failures[0].reason).toMatch(/^changing requiredTags replaces the slice: .*allowDataLoss = true/);
      // In-place changes and objects that hold no data are not affected.
      expect((await h.tessera_volume.check({ ...olds, server: 'k1' }, { olds })).failures).toEqual([]);
      const kp = { name: 'k', secret: 'sixteen characters!' };
      expect((await h.tessera_key_policy.check({ ...kp, keySizeBits: 256 }, { olds: kp })).failures).toEqual([]);
      expect(h.tessera_volume.plan(olds, { ...olds, type: 'ssd' })).toMatchObject({ replaces: ['type'], dataLoss: ['type'] });
      expect(h.tessera_volume.plan(olds, { ...olds, type: 'ssd', allowDataLoss: true })).toMatchObject({ replaces: ['type'], dataLoss: [] });
    });
  });

  describe('diff', () => {
    it('classifies replace vs in place from schema.json, deleting first when the name is reused', () => {
      const base = { cluster: clusterId, name: 'v', type: 'slice', sizeGiB: 10 };
      expect(h.tessera_volume.diff('id', base, { ...base })).toEqual({ changes: false, replaces: [], updates: [], deleteBeforeReplace: false });
      expect(h.tessera_volume.diff('id', base, { ...base, sizeGiB: 20, server: 'k1' })).toEqual({ changes: true, replaces: [], updates: ['sizeGiB', 'server'], deleteBeforeReplace: false });
      expect(h.tessera_volume.diff('id', base, { ...base, type: 'ssd' })).toMatchObject({ replaces: ['type'], deleteBeforeReplace: true });
      expect(h.tessera_volume.diff('id', base, { ...base, name: 'w' })).toMatchObject({ replaces: ['name'], deleteBeforeReplace: false });
      // Outputs in the old state never cause a diff.
      expect(h.tessera_volume.diff('id', { ...base, state: 'staged', members: [{ serial: 'x' }], owner: 'a' }, { ...base, owner: 'b' }).changes).toBe(false);
    });
  });

  describe('lifecycle', () => {
    it('create is idempotent by (cluster, name) and sets the owner', async () => {
      const spec = { cluster: clusterId, name: 'cache-a', type: 'slice', sizeGiB: 16 };
      const first = await h.tessera_volume.create(spec, 'urn:pulumi:s::p::Volume::cache-a');
      const again = await h.tessera_volume.create(spec, 'urn:pulumi:s::p::Volume::cache-a');
      expect(again.id).toBe(first.id);
      expect(first.outputs).toMatchObject({ owner: 'urn:pulumi:s::p::Volume::cache-a', raidLevel: 'none', capacityGiB: 16, state: 'unstaged' });
      expect(first.outputs.id).toBeUndefined();
      const members = first.outputs.members as { sizeGiB: number; storageGroup: string }[];
      expect(members).toHaveLength(1);
      expect(members[0].sizeGiB).toBe(16);
      const conflict = (await h.tessera_volume.create({ ...spec, sizeGiB: 32 }, 'x').catch((e) => e)) as ComposerError;
      expect(conflict).toMatchObject({ status: 409, code: 'conflict_exists' });
      expect(conflict.message).toContain('sizeGiB');
    });

    it("another owner's create and delete are refused; the owner's delete (its state's owner) goes through", async () => {
      const spec = { cluster: clusterId, name: 'owned', type: 'slice', sizeGiB: 4 };
      const mine = await h.tessera_volume.create(spec, 'urn:pulumi:team-a::p::Volume::owned');
      const theirs = (await h.tessera_volume.create(spec, 'urn:pulumi:team-b::p::Volume::owned').catch((e) => e)) as ComposerError;
      expect(theirs).toMatchObject({ status: 409, code: 'owner_conflict' });
      expect(theirs.message).toContain('urn:pulumi:team-a::p::Volume::owned');
      await expect(h.tessera_volume.delete(mine.id, { ...mine.outputs, owner: 'urn:pulumi:team-b::p::Volume::owned' })).rejects.toMatchObject({ code: 'owner_conflict' });
      expect(await h.tessera_volume.read(mine.id)).toBeDefined();
      await h.tessera_volume.delete(mine.id, mine.outputs);
      expect(await h.tessera_volume.read(mine.id)).toBeUndefined();
    });

    it("another owner's object is refused at plan time (the preview's dry-run), not at apply; adopt takes it over", async () => {
      const spec = { cluster: clusterId, name: 'planned-owned', type: 'slice', sizeGiB: 4 };
      const mine = await h.tessera_volume.create(spec, 'terraform:tessera_volume.planned-owned');
      // The Terraform provider passes its owner; Pulumi sends the URN among the inputs.
      const tf = await h.tessera_volume.check(spec, { preview: true, owner: 'terraform:team-b/tessera_volume.planned-owned' });
      expect(tf.failures).toEqual([{ field: 'name', reason: expect.stringMatching(/^owner_conflict: .*belongs to terraform:tessera_volume\.planned-owned, not terraform:team-b\/tessera_volume\.planned-owned/) }]);
      const pulumi = await h.tessera_volume.check({ ...spec, owner: 'urn:pulumi:b::p::Volume::planned-owned' }, { preview: true });
      expect(pulumi.failures.map((f) => f.field)).toEqual(['name']);
      // The owner itself plans cleanly.
      expect((await h.tessera_volume.check(spec, { preview: true, owner: 'terraform:tessera_volume.planned-owned' })).failures).toEqual([]);
      // adopt: the plan passes and the create takes the object over; state keeps adopt.
      const adopting = { ...spec, adopt: true };
      expect((await h.tessera_volume.check(adopting, { preview: true, owner: 'terraform:team-b/tessera_volume.planned-owned' })).failures).toEqual([]);
      const taken = await h.tessera_volume.create(adopting, 'terraform:team-b/tessera_volume.planned-owned');
      expect(taken.id).toBe(mine.id);
      expect(taken.outputs).toMatchObject({ owner: 'terraform:team-b/tessera_volume.planned-owned', adopt: true });
      // A later change of adopt alone changes nothing on the composer.
      const same = await h.tessera_volume.update(taken.id, { ...adopting, ...taken.outputs }, { ...spec, adopt: false });
      expect(same).toMatchObject({ owner: 'terraform:team-b/tessera_volume.planned-owned', adopt: false, capacityGiB: 4 });
      await h.tessera_volume.delete(taken.id, taken.outputs);
    });

    it('grows a slice volume in place with the same members, refuses a replace-only change, deletes', async () => {
      const spec = { cluster: clusterId, name: 'grow', type: 'slice', sizeGiB: 10 };
      const { id, outputs } = await h.tessera_volume.create(spec, 'o');
      const grown = await h.tessera_volume.update(id, { ...spec, ...outputs }, { ...spec, sizeGiB: 30 });
      expect(grown.capacityGiB).toBe(30);
      const before = outputs.members as { serial: string; offsetGiB: number }[];
      const after = grown.members as { serial: string; offsetGiB: number }[];
      expect(after.map((m) => [m.serial, m.offsetGiB])).toEqual(before.map((m) => [m.serial, m.offsetGiB]));
      await expect(h.tessera_volume.update(id, { ...spec, ...grown }, { ...spec, sizeGiB: 30, type: 'ssd' })).rejects.toMatchObject({ code: 'replace_required' });
      expect(await h.tessera_volume.read(id)).toMatchObject({ sizeGiB: 30, name: 'grow' });
      await h.tessera_volume.delete(id, grown);
      expect(await h.tessera_volume.read(id)).toBeUndefined();
      // Deleting an absent object is fine.
      await h.tessera_volume.delete(id, grown);
    });

    it('slices: create, grow, read, delete', async () => {
      const spec = { cluster: clusterId, name: 'sl', sizeGiB: 8 };
      const { id, outputs } = await h.tessera_slice.create(spec, 'o');
      expect(outputs).toMatchObject({ capacityGiB: 8, name: 'sl' });
      const up = await h.tessera_slice.update(id, { ...spec, ...outputs }, { ...spec, sizeGiB: 12 });
      expect(up.capacityGiB).toBe(12);
      await h.tessera_slice.delete(id, up);
      expect(await h.tessera_slice.read(id)).toBeUndefined();
    });

    it('key policy: the secret stays in outputs for state but is never read back nor logged', async () => {
      const secret = 'correct-horse-battery-staple-42';
      const { id, outputs } = await h.tessera_key_policy.create({ name: 'kafka-keys', secret }, 'o');
      expect(outputs).toMatchObject({ secret, version: 1, cipher: 'aes-xts-plain64', keySizeBits: 512 });
      expect(typeof outputs.fingerprint).toBe('string');
      const read = await h.tessera_key_policy.read(id);
      expect(read?.secret).toBeUndefined();
      const rotated = await h.tessera_key_policy.update(id, outputs, { name: 'kafka-keys', secret: `${secret}-v2` });
      expect(rotated.version).toBe(2);
      expect(rotated.fingerprint).not.toBe(outputs.fingerprint);
      await h.tessera_key_policy.delete(id, rotated);
      expect(await h.tessera_key_policy.read(id)).toBeUndefined();
      const everything = [...handlerLog, ...fx.logs].join('\n');
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(fx.token);
    });

    it('reads data sources with defaults applied', async () => {
      const inv = await readDataSource('tessera_inventory', {}, { endpoint: fx.url, token: fx.token });
      expect(inv).toMatchObject({ storageGroups: ['sg-1', 'sg-2'], enclosureCount: 4 });
      const cap = await readDataSource('tessera_capacity', { type: 'ssd', redundancy: true }, { endpoint: fx.url, token: fx.token });
      expect(cap).toMatchObject({ type: 'ssd', redundancy: true, striping: true });
      expect(cap.maximumVolumeSizeGiB).toBeGreaterThanOrEqual(1788);
      await expect(readDataSource('tessera_capacity', { type: 'tape' }, { endpoint: fx.url, token: fx.token })).rejects.toMatchObject({ code: 'validation_failed' });
    });
  });
});
