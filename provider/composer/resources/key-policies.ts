// Key policies: a create, update (rotation or owner change) or delete request checked against
// the state, the master key, the owner and the caller's scope (policies are pool-wide: a scoped
// caller changes only one no cluster outside its scope relies on), and started as its operation
// type (../operations/key-*.ts); and the start-up check that the master key opens every stored policy.
import { PROBLEM } from '../../api/wire.generated';
import type { KeyPolicy } from '../../api/contract';
import { fingerprint, unseal } from '../../keys/crypto';
import type { KeyPolicyAttribute } from '../../schema';
import { type Caller, seesCluster } from '../callers';
import type { ComposerContext } from '../context';
import { WHAT } from '../kinds';
import { keys, sealAad } from '../layout';
import { findPolicy, idByName, volumesNeedingPolicy } from '../lookups';
import { keyPolicyCreate, keyPolicyDelete, keyPolicyUpdate, keyRotation, objectAdopt, type Operations } from '../operations';
import { HttpProblem, problems } from '../problem';
import { keyPolicyRules } from '../rules';
import type { StoredKeyPolicy } from '../state';
import { adoptAsked, type CreateOptions, type CreateResult, now, ownerTakeover, requireOwner, same, sameSpecOr409, validate } from './common';
import { policyWire } from './wire';

export class KeyPolicies {
  constructor(
    private readonly ctx: ComposerContext,
    private readonly ops: Operations,
  ) {}

  /** Refuse to run a store that holds key policies without the master key to unseal them. */
  checkMasterKey(): void {
    const policies = this.ctx.state.policies;
    if (policies.size === 0) return;
    const mk = this.ctx.opts.masterKey;
    if (!mk) throw new Error(`the store holds ${policies.size} key polic${policies.size === 1 ? 'y' : 'ies'}: start with --master-key-file or --master-key-env`);
    for (const p of policies.values()) {
      const v = String(p.version);
      if (p.sealed[v]) unseal(mk, p.sealed[v], sealAad(p.id, p.version)); // throws on a wrong master key
    }
  }

  requireMasterKey(): Buffer {
    if (!this.ctx.opts.masterKey)
      throw new HttpProblem(409, PROBLEM.masterKeyMissing, 'the composer was started without a master key (--master-key-file or --master-key-env): key policies cannot be sealed');
    return this.ctx.opts.masterKey;
  }

  async create(body: unknown, { dryRun, adopt: adoptQuery }: CreateOptions, caller: Caller): Promise<CreateResult<KeyPolicy>> {
    const v = validate('key-policies', body, 'create');
    const adopt = adoptAsked('key-policies', body, adoptQuery);
    const owner = v.owner as string | undefined;
    const rules = keyPolicyRules(v, 'create');
    if (rules.length > 0) throw problems.validation(rules);
    const mk = this.requireMasterKey();
    const name = v.name as string;
    const run = async (): Promise<CreateResult<KeyPolicy>> => {
      const s = this.ctx.state;
      const existingId = idByName(s, 'key-policies', undefined, name);
      if (existingId) {
        const existing = s.policies.get(existingId)!;
        const answer = sameSpecOr409(s, 'key-policies', existing, v) as KeyPolicy;
        if (!ownerTakeover('key-policies', existing, name, owner, adopt) || dryRun) return { status: 200, body: answer };
        this.requireAllInScope(existing, caller, 'take over');
        const adopted = (await this.ops.start(objectAdopt, { kind: 'key-policies', cur: existing, owner }, { caller, owner })) as StoredKeyPolicy;
        return { status: 200, body: policyWire(s, adopted) };
      }
      if (dryRun) return { status: 200, body: { dryRun: true } };
      const p = await this.ops.start(keyPolicyCreate, { v, masterKey: mk }, { caller, owner });
      this.ctx.log.info('key policy created', { id: p.id, name, fingerprint: p.fingerprint });
      return { status: 201, body: policyWire(this.ctx.state, p) };
    };
    if (dryRun) return run();
    return this.ctx.writes.mutate(keys.name('key-policies', undefined, name), 'create', 'key-policies', run);
  }

  /**
   * A scoped caller changes a pool-wide policy only when every cluster that relies on it (its
   * volumes', or as default) is in its scope; the refusal names none of the others.
   */
  private requireAllInScope(p: StoredKeyPolicy, caller: Caller, action: string): void {
    if (!caller.scope) return;
    const s = this.ctx.state;
    const clusters = new Set([...volumesNeedingPolicy(s, p.id).map((v) => v.cluster), ...[...s.clusters.values()].filter((c) => c.keyPolicy && findPolicy(s, c.keyPolicy)?.id === p.id).map((c) => c.id)]);
    const outside = [...clusters].filter((id) => {
      const c = s.clusters.get(id);
      return !c || !seesCluster(caller, c);
    });
    if (outside.length > 0)
      throw problems.forbidden(`${caller.token} (role ${caller.role}, scoped) cannot ${action} key policy ${p.name}: clusters outside its scope rely on it`);
  }

  /**
   * `adopt` (an imported policy's first apply, docs/api.md "Key policies"): the secret given must
   * be the current one, else 409 secret_mismatch and nothing changes: adopting never rotates.
   */
  async update(id: string, body: unknown, caller: Caller, adopt = false): Promise<KeyPolicy> {
    const patch = validate('key-policies', body, 'update');
    const rules = keyPolicyRules(patch, 'update');
    if (rules.length > 0) throw problems.validation(rules);
    return this.ctx.writes.mutate(keys.object('key-policies', id), 'rotate', 'key-policies', async () => {
      const cur = this.ctx.state.policies.get(id);
      if (!cur) throw problems.notFound(WHAT['key-policies'], id);
      this.requireAllInScope(cur, caller, 'change');
      const replaces = (['name', 'cipher', 'keySizeBits'] as const satisfies readonly KeyPolicyAttribute[]).filter((f) => patch[f] !== undefined && !same(patch[f], cur[f]));
      if (replaces.length > 0) throw problems.replaceRequired(replaces);
      const mk = this.requireMasterKey();
      const newSecret = (patch.secret ?? patch.secretWo) as string | undefined;
      // Adopting (an import's first apply) compares the secret itself, whichever attribute
      // carries it: the importer's write-only version is new to this policy by nature, so a
      // version change cannot mean a rotation there. Otherwise a new write-only version rotates.
      const rotates = adopt && newSecret !== undefined
        ? fingerprint(mk, newSecret) !== cur.fingerprint
        : (patch.secret !== undefined && fingerprint(mk, patch.secret as string) !== cur.fingerprint) ||
          (patch.secretWo !== undefined && patch.secretWoVersion !== cur.secretWoVersion);
      if (adopt && rotates) {
        throw new HttpProblem(409, PROBLEM.secretMismatch, `key policy ${id}: the secret given is not its current secret (version ${cur.version}); adopting it would rotate the key, so nothing was changed`);
      }
      if (!rotates) {
        if (patch.owner !== undefined && patch.owner !== cur.owner) {
          const updated = await this.ops.start(keyPolicyUpdate, { updated: { ...cur, owner: patch.owner as string, updatedAt: now() } }, { caller, owner: patch.owner as string });
          return policyWire(this.ctx.state, updated);
        }
        return policyWire(this.ctx.state, cur);
      }
      // The new version first (with the pending rotation), then every volume under the policy gets
      // a new key epoch, volume by volume; the reconciler repeats that step after a crash.
      await this.ops.start(keyRotation, { cur, secret: newSecret!, secretWoVersion: patch.secretWoVersion as number | undefined, masterKey: mk }, { caller, owner: cur.owner });
      return policyWire(this.ctx.state, this.ctx.state.policies.get(id)!);
    });
  }

  async delete(id: string, owner: string | undefined, caller: Caller): Promise<void> {
    await this.ctx.writes.mutate(keys.object('key-policies', id), 'delete', 'key-policies', async () => {
      const s = this.ctx.state;
      const cur = s.policies.get(id);
      if (!cur) return;
      this.requireAllInScope(cur, caller, 'delete');
      requireOwner('key-policies', cur, owner, caller);
      const vols = volumesNeedingPolicy(s, id);
      const clusters = [...s.clusters.values()].filter((c) => c.keyPolicy && findPolicy(s, c.keyPolicy)?.id === id);
      if (vols.length > 0 || clusters.length > 0)
        throw problems.inUse(
          `key policy ${cur.name} is in use by ${[...vols.map((v) => `volume ${v.id} (${v.name})`), ...clusters.map((c) => `cluster ${c.id} (${c.name})`)].join(', ')}`,
          [...vols.map((v) => ({ field: 'volumes', reason: `${v.id} (${v.name}) uses this policy` })), ...clusters.map((c) => ({ field: 'clusters', reason: `${c.id} (${c.name}) has it as default` }))],
        );
      await this.ops.start(keyPolicyDelete, { policy: cur }, { caller, owner });
    });
  }
}
