// Read-only questions about the composer's in-memory state that several modules ask: objects by
// id or name, the table of a collection, the engine, and a volume's key history (which epochs an
// agent may still need, whether it confirmed the current key) and the assignment it implies.
// Nothing here writes.
import { PROBLEM } from '../api/wire.generated';
import type { Assignment, Cluster, ResourceKind } from '../api/contract';
import { VOLUME_KINDS, type VolumeKind } from './kinds';
import { keys } from './layout';
import { HttpProblem } from './problem';
import type { ComposerState, KeyEpoch, StoredKeyPolicy, StoredVolume } from './state';

/** The names table is keyed by the name key without its /tessera/names/ prefix. */
function nameRest(kind: ResourceKind, cluster: string | undefined, name: string): string {
  return keys.name(kind, cluster, name).slice('/tessera/names/'.length);
}

/** The id owning a name (`cluster` scopes volume and slice names). */
export function idByName(s: ComposerState, kind: ResourceKind, cluster: string | undefined, name: string): string | undefined {
  return s.names.get(nameRest(kind, cluster, name));
}

/** A key policy by id or by name. */
export function findPolicy(s: ComposerState, ref: string): StoredKeyPolicy | undefined {
  const byId = s.policies.get(ref);
  if (byId) return byId;
  const id = idByName(s, 'key-policies', undefined, ref);
  return id ? s.policies.get(id) : undefined;
}

/** A cluster by id or by name. */
export function findCluster(s: ComposerState, ref: string): Cluster | undefined {
  const byId = s.clusters.get(ref);
  if (byId) return byId;
  const id = idByName(s, 'clusters', undefined, ref);
  return id ? s.clusters.get(id) : undefined;
}

/** The in-memory table of a collection. */
export function table(s: ComposerState, kind: ResourceKind): Map<string, unknown> {
  switch (kind) {
    case 'clusters':
      return s.clusters;
    case 'volumes':
      return s.volumes;
    case 'slices':
      return s.slices;
    case 'key-policies':
      return s.policies;
  }
}

/** The allocation engine, or 409 no_inventory before the first inventory load. */
export function requireEngine(s: ComposerState) {
  const engine = s.engine;
  if (!engine) throw new HttpProblem(409, PROBLEM.noInventory, 'no inventory is loaded: load one with `tessera inventory load` (PUT /v1/inventory)');
  return engine;
}

export function volumesUsingPolicy(s: ComposerState, policyId: string): StoredVolume[] {
  return [...s.volumes.values()].filter((v) => v.keyPolicyId === policyId);
}

/** Volumes whose key history still needs this policy (in force, or a switch not yet confirmed). */
export function volumesNeedingPolicy(s: ComposerState, policyId: string): StoredVolume[] {
  return [...s.volumes.values()].filter((v) => v.keyPolicyId === policyId || neededEpochs(v).some((e) => e.policy === policyId));
}

/** Epochs an agent may still need to open the volume: from the last one it confirmed on. */
export function neededEpochs(v: StoredVolume): KeyEpoch[] {
  const epochs = v.keyEpochs ?? [];
  const confirmed = v.observed?.keyVersion;
  if (confirmed === undefined) return epochs;
  return epochs.filter((e) => e.epoch >= confirmed);
}

export function lastEpoch(v: StoredVolume): KeyEpoch | undefined {
  const e = v.keyEpochs;
  return e && e.length > 0 ? e[e.length - 1] : undefined;
}

/** Has the volume's agent confirmed the key of the policy's current version? */
export function keyCurrent(v: StoredVolume, p: StoredKeyPolicy): boolean {
  const last = lastEpoch(v);
  return !!last && last.policy === p.id && last.version === p.version && v.observed?.keyVersion === last.epoch;
}

/** What the agent of the volume's server must stage, at `generation`. */
export function assignmentFor(s: ComposerState, kind: VolumeKind, obj: StoredVolume, generation: number): Assignment {
  const placement = s.allocations.get(obj.id) ?? s.engine?.get(obj.id);
  const last = lastEpoch(obj);
  const traits = VOLUME_KINDS[kind];
  return {
    volumeId: obj.id,
    kind: traits.assignment,
    cluster: obj.cluster,
    name: obj.name,
    placement: placement!,
    fsType: traits.filesystem ? obj.fsType : 'none',
    encrypt: traits.keyed ? obj.encrypt : false,
    keyPolicy: last?.policy,
    keyVersion: last?.epoch,
    mountPath: traits.filesystem ? obj.mountPath : undefined,
    generation,
  };
}
