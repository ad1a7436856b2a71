// The composer's key layout in the Store (all values JSON unless said otherwise):
//
//   /tessera/inventory/current                 {blob, chunks, revision, loadedAt}  pointer to the live inventory
//   /tessera/inventory/blobs/<blob>/<nnnnn>    base64 chunks of the gzipped inventory JSON (etcd caps values at ~1.5 MB)
//   /tessera/clusters/<id>                     Cluster
//   /tessera/volumes/<id>                      Volume (+ internal fields)
//   /tessera/slices/<id>                       Slice
//   /tessera/key-policies/<id>                 KeyPolicy + sealed secrets per version (never plaintext)
//   /tessera/allocations/<id>                  Placement reserved for volume/slice <id>
//   /tessera/ops/<id>                          Operation (journal; ids sort by start time)
//   /tessera/names/<kind>/<cluster|->/<name>   id owning the name (idempotent create by (cluster, name))
//   /tessera/assign/<server>/<id>              Assignment: what the agent of <server> must stage
//   /tessera/servers/<name>                    registered agent facts
//   /tessera/drives/<serial>                   DriveRecord: a drive's health when not ok (docs/failure.md)
//   /tessera/election/composer                 leader election key (provider/store/leader.ts; value = leader's URL), on a lease
//   /tessera/fence/writes                      write barrier: every leader txn compares its modRevision (commit.ts)
//   /tessera/identity                          {id, createdAt}: the composer identity, created with the store, never changed
import * as crypto from 'node:crypto';
import type { ResourceKind } from '../api/contract';
import { ID_PREFIX } from './kinds';

export const ROOT = '/tessera/';
export const INVENTORY_CURRENT = '/tessera/inventory/current';
export const INVENTORY_BLOBS = '/tessera/inventory/blobs/';
export const ELECTION_PREFIX = '/tessera/election/';
export const ELECTION_NAME = 'composer';
export const ELECTION_KEY = `${ELECTION_PREFIX}${ELECTION_NAME}`;
/** The write barrier (./commit.ts): written only by the leader. */
export const BARRIER_KEY = '/tessera/fence/writes';
/** The composer identity (provider/store/identity.ts): sent on every answer (docs/api.md "Composer identity"). */
export const IDENTITY_KEY = '/tessera/identity';

/** A new composer identity: `cmp-` and 16 hex digits. */
export function newComposerId(): string {
  return `cmp-${crypto.randomBytes(8).toString('hex')}`;
}

export { RESOURCE_KINDS } from './kinds';

export const keys = {
  inventoryChunk: (blob: string, n: number) => `${INVENTORY_BLOBS}${blob}/${String(n).padStart(5, '0')}`,
  object: (kind: ResourceKind, id: string) => `${ROOT}${kind}/${id}`,
  allocation: (id: string) => `${ROOT}allocations/${id}`,
  op: (id: string) => `${ROOT}ops/${id}`,
  name: (kind: ResourceKind, cluster: string | undefined, name: string) => `${ROOT}names/${kind}/${cluster ?? '-'}/${name}`,
  assign: (server: string, id: string) => `${ROOT}assign/${server}/${id}`,
  server: (name: string) => `${ROOT}servers/${name}`,
  drive: (serial: string) => `${ROOT}drives/${serial}`,
};

/** Split a store key into its table (first path element after /tessera/) and the rest. */
export function parseKey(key: string): { table: string; rest: string } | undefined {
  if (!key.startsWith(ROOT)) return undefined;
  const tail = key.slice(ROOT.length);
  const slash = tail.indexOf('/');
  if (slash < 0) return { table: tail, rest: '' };
  return { table: tail.slice(0, slash), rest: tail.slice(slash + 1) };
}

export function newId(kind: ResourceKind): string {
  return `${ID_PREFIX[kind]}-${crypto.randomBytes(6).toString('hex')}`;
}

let lastOpMs = 0;
let opSeq = 0;
/** Operation ids sort by start time: op-<ms, base36, fixed width>-<seq>-<random>. */
export function newOpId(): string {
  const now = Date.now();
  if (now === lastOpMs) opSeq++;
  else {
    lastOpMs = now;
    opSeq = 0;
  }
  return `op-${now.toString(36).padStart(9, '0')}-${opSeq.toString(36).padStart(3, '0')}-${crypto.randomBytes(3).toString('hex')}`;
}

/**
 * Sorts after every newOpId id started before `ms` and before every id started at `ms` or
 * later: journal scans compare ids with it rather than parse dates (a string compare is about
 * ten times cheaper, and a scan visits the whole journal).
 */
export function opIdAt(ms: number): string {
  return `op-${ms.toString(36).padStart(9, '0')}`;
}

/** Whether `id` has newOpId's shape, so that comparing it with opIdAt compares start times. */
export function isTimedOpId(id: string): boolean {
  return id.length > 13 && id.charCodeAt(12) === 0x2d && id.startsWith('op-');
}

/** The associated data a key policy's sealed secret of `version` is bound to (docs/api.md "Store key layout"). */
export function sealAad(policyId: string, version: number): string {
  return `tessera:key-policy:${policyId}:v${version}`;
}
