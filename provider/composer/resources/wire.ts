// How stored objects are shown on the wire: a volume's or slice's bookkeeping (key history, a
// pending move, a rebuild) stays inside the composer, a volume shows its derived health, a key policy shows its rotation progress and never its
// sealed secrets, a journal entry never its recovery recipe.
import type { KeyPolicy, Operation, ResourceKind } from '../../api/contract';
import { healthWire } from '../health';
import { isVolumeKind } from '../kinds';
import { keyCurrent, volumesUsingPolicy } from '../lookups';
import type { ComposerState, StoredKeyPolicy, StoredOperation, StoredVolume } from '../state';

export function toWire(s: ComposerState, kind: ResourceKind, obj: unknown): unknown {
  if (isVolumeKind(kind)) {
    const { keyPolicyId: _k, keyEpochs: _e, moving: _m, rebuilding: _r, rebuildBlocked: _b, ...rest } = obj as StoredVolume;
    // Health is derived (../health.ts); only volumes carry it (a slice has no mirror to rebuild).
    return kind === 'volumes' ? { ...rest, ...healthWire(s, kind, obj as StoredVolume) } : rest;
  }
  if (kind === 'key-policies') return policyWire(s, obj as StoredKeyPolicy);
  return obj;
}

export function policyWire(s: ComposerState, p: StoredKeyPolicy): KeyPolicy {
  const { sealed: _s, ...rest } = p;
  const users = volumesUsingPolicy(s, p.id);
  const pending = users.filter((v) => !keyCurrent(v, p)).map((v) => v.id);
  return { ...rest, rotation: { volumes: users.length, current: users.length - pending.length, pending } };
}

export function opWire(op: StoredOperation): Operation {
  const { recovery: _r, ...rest } = op;
  return rest;
}
