// Operation type "key-rotation": a key policy's new version. The first transaction stores the
// policy with the new sealed secret next to the old ones and a `pending` rotate entry; then every
// volume under the policy gets a new key epoch and a new assignment generation, one transaction
// per volume (idempotent, so a crash or a take-over just repeats it); the entry is `done` once
// every such volume reports the new key, and the sealed secrets no volume needs are dropped.
import type { ComposerContext } from '../context';
import { fingerprint, seal } from '../../keys/crypto';
import { keys, sealAad } from '../layout';
import { assignmentFor, keyCurrent, lastEpoch, neededEpochs, volumesNeedingPolicy, volumesUsingPolicy } from '../lookups';
import type { Mut, StoredKeyPolicy, StoredOperation, StoredVolume } from '../state';
import { finished, newOp } from './lifecycle';
import type { OperationType } from './registry';

const now = () => new Date().toISOString();

export interface KeyRotationParams {
  cur: StoredKeyPolicy;
  /** The new secret (plaintext, sealed here and never stored as is). */
  secret: string;
  secretWoVersion?: number;
  masterKey: Buffer;
}

export const keyRotation: OperationType<KeyRotationParams, StoredKeyPolicy> = {
  name: 'key-rotation',
  resources: ['key-policies'],
  kind: 'rotate',
  build(ctx, { cur, secret, secretWoVersion, masterKey: mk }) {
    const id = cur.id;
    const version = cur.version + 1;
    const updated: StoredKeyPolicy = {
      ...cur,
      version,
      fingerprint: fingerprint(mk, secret),
      secretWoVersion: secretWoVersion ?? cur.secretWoVersion,
      sealed: { ...cur.sealed, [String(version)]: seal(mk, secret, sealAad(id, version)) },
      updatedAt: now(),
    };
    const key = keys.object('key-policies', id);
    const op = newOp('rotate', 'key-policies', id, { version, volumes: volumesUsingPolicy(ctx.state, id).length });
    return {
      op,
      pending: true,
      muts: [{ key, value: updated }],
      compares: [ctx.writes.unchanged(key)],
      result: updated,
      after: async () => ctx.log.info('key policy rotated', { id, version, volumes: op.detail?.volumes }),
    };
  },
  async complete(ctx, op) {
    await propagateRotation(ctx, op.objectId);
    return maybeFinishRotation(ctx, ctx.state.ops.get(op.id) ?? op);
  },
};

/**
 * Give every volume under the policy an epoch for its current version, and its assignment the
 * new epoch and a new generation (the agent adds the new keyslot and kills the old). Idempotent.
 * One txn per volume, under the volume's lock: a rotation never races a move or a status report.
 */
async function propagateRotation(ctx: ComposerContext, policyId: string): Promise<void> {
  for (const vol of volumesUsingPolicy(ctx.state, policyId)) {
    const volKey = keys.object('volumes', vol.id);
    await ctx.locks.run(volKey, async () => {
      const cur = ctx.state.volumes.get(vol.id);
      const p = ctx.state.policies.get(policyId);
      if (!cur || !p || cur.keyPolicyId !== policyId) return;
      const last = lastEpoch(cur);
      if (last && last.policy === policyId && last.version === p.version) return;
      const epochs = cur.keyEpochs ?? [];
      const updated: StoredVolume = { ...cur, keyEpochs: [...epochs, { epoch: (last?.epoch ?? 0) + 1, policy: policyId, version: p.version }], updatedAt: now() };
      const muts: Mut[] = [{ key: volKey, value: updated }];
      const a = cur.server ? ctx.state.assigns.get(cur.server)?.get(cur.id) : undefined;
      if (a && cur.server) {
        updated.state = 'pending';
        muts.push({ key: keys.assign(cur.server, cur.id), value: assignmentFor(ctx.state, 'volumes', updated, a.generation + 1) });
      }
      await ctx.writes.commit(muts, [ctx.writes.unchanged(volKey)]);
    });
  }
}

/**
 * A rotation ends when every volume under the policy reports the new key version (or the policy
 * is gone, or a later rotation superseded it). True when the entry ended.
 */
export async function maybeFinishRotation(ctx: ComposerContext, op: StoredOperation): Promise<boolean> {
  const p = ctx.state.policies.get(op.objectId);
  const version = (op.detail?.version as number) ?? 0;
  if (!p) {
    await ctx.writes.commit([{ key: keys.op(op.id), value: finished(op, 'failed', 'the key policy was deleted') }]);
    return true;
  }
  if (p.version !== version) {
    await ctx.writes.commit([{ key: keys.op(op.id), value: finished(op, 'done', `superseded by version ${p.version}`) }]);
    return true;
  }
  if (volumesUsingPolicy(ctx.state, p.id).some((v) => !keyCurrent(v, p))) return false;
  await ctx.writes.commit([...pruneSealed(ctx, p), { key: keys.op(op.id), value: finished(op, 'done') }]);
  ctx.log.info('key rotation complete', { id: p.id, version });
  return true;
}

/** Old sealed secrets no volume may still need (per its unconfirmed key epochs) are dropped. */
function pruneSealed(ctx: ComposerContext, p: StoredKeyPolicy): Mut[] {
  const needed = new Set<string>([String(p.version)]);
  for (const v of volumesNeedingPolicy(ctx.state, p.id)) for (const e of neededEpochs(v)) if (e.policy === p.id) needed.add(String(e.version));
  const sealed = Object.fromEntries(Object.entries(p.sealed).filter(([ver]) => needed.has(ver)));
  if (Object.keys(sealed).length === Object.keys(p.sealed).length) return [];
  return [{ key: keys.object('key-policies', p.id), value: { ...p, sealed } }];
}
