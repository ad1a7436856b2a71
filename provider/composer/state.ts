// The composer's in-memory view of the store: typed tables fed by committed writes (leader) or
// by the watch (standbys), and the allocation engine kept in step with /tessera/allocations.
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { Assignment, Cluster, DriveHealthState, KeyPolicy, Operation, Slice, Volume, AgentFacts } from '../api/contract';
import type { Allocator } from '../engine/api';
import type { Inventory } from '../model/inventory';
import type { Member, Placement } from '../model/placement';
import type { KeyValue, Store } from '../store/store';
import { ELECTION_PREFIX, INVENTORY_BLOBS, INVENTORY_CURRENT, ROOT, parseKey } from './layout';

/** Volume as stored: the wire object plus what only the composer needs. */
export interface StoredVolume extends Volume {
  /** The key policy in force (the volume's own or its cluster's at create time). */
  keyPolicyId?: string;
  /**
   * The volume's key history. An epoch is what agents call the key version (Assignment.keyVersion,
   * VolumeKey.version, ObservedState.keyVersion): it bumps on every rotation of the policy and on a
   * change of policy, and maps to the (policy, policy version) whose secret derives that key.
   */
  keyEpochs?: KeyEpoch[];
  /**
   * A move waiting for the old server's agent to unstage before the new server may stage; with
   * `fence`, the old server did not confirm: the enclosures revoke its access first (docs/failure.md).
   */
  moving?: { from: string; op: string; generation: number; fence?: { since: string } };
  /** A rebuild onto replacement members, until the agent reports the array whole (operations/volume-rebuild.ts). */
  /**
   * A drain's replaced members keep `old`, their extent: exported (to the volume's server) until
   * the rebuild is done, as md copies from it online (docs/failure.md, "Drain and removal").
   */
  rebuilding?: { op: string; generation: number; replaced: { index: number; from: string; to: string; old?: Member }[]; drain?: boolean };
  /** Why no replacement could be placed for a failed member, with the numbers (docs/failure.md). */
  rebuildBlocked?: string;
}
/** Drive health (docs/failure.md). Stored only when not ok; `ok` is the absence of a record. */
export interface DriveRecord {
  serial: string;
  health: DriveHealthState;
  /** Who said so and what they saw. */
  reason: string;
  since: string;
}
export interface KeyEpoch {
  epoch: number;
  policy: string;
  version: number;
}
export type StoredSlice = Slice;
export interface StoredKeyPolicy extends Omit<KeyPolicy, 'rotation'> {
  secretWoVersion?: number;
  /** AES-256-GCM sealed secrets by version; old versions stay until every volume has re-keyed. */
  sealed: Record<string, string>;
}
/** A journal entry as stored: the wire Operation plus how to finish or undo it after a crash. */
export interface StoredOperation extends Operation {
  recovery?: { action: 'rollback' | 'rollforward'; muts: Mut[] };
}
export interface ServerRecord {
  name: string;
  facts: AgentFacts;
  registeredAt: string;
}
export interface InventoryPointer {
  blob: string;
  chunks: number;
  loadedAt: string;
}

/** One write: value undefined deletes the key. */
export interface Mut {
  key: string;
  value?: unknown;
}

export type EngineFactory = (inventory: Inventory) => Allocator;

export class ComposerState {
  clusters = new Map<string, Cluster>();
  volumes = new Map<string, StoredVolume>();
  slices = new Map<string, StoredSlice>();
  policies = new Map<string, StoredKeyPolicy>();
  allocations = new Map<string, Placement>();
  ops = new Map<string, StoredOperation>();
  /** name key (without ROOT) -> id */
  names = new Map<string, string>();
  assigns = new Map<string, Map<string, Assignment>>();
  servers = new Map<string, ServerRecord>();
  /** Drives whose health is not ok, by serial. */
  drives = new Map<string, DriveRecord>();
  modRevisions = new Map<string, number>();
  inventory?: Inventory;
  inventoryJson?: string;
  inventoryPointer?: InventoryPointer;
  engine?: Allocator;
  revision = 0;
  /** Per server: revision of the last change to its assignments (long polls wait on it). */
  assignRevision = new Map<string, number>();
  private readonly assignWaiters = new Map<string, Set<() => void>>();
  /** Long polls of the enclosure channel (./channels/enclosure.ts): woken by any write to what exports derive from. */
  private readonly exportWaiters = new Set<() => void>();
  /** Called when a standby sees the inventory pointer change (it reloads asynchronously). */
  onInventoryChanged?: () => void;

  constructor(private readonly engineFactory: EngineFactory) {}

  /** Read everything under /tessera/ and rebuild tables and engine. */
  static async load(store: Store, engineFactory: EngineFactory): Promise<ComposerState> {
    const s = new ComposerState(engineFactory);
    const revision = await store.revision();
    const kvs = await store.range(ROOT);
    const pointerKv = kvs.find((kv) => kv.key === INVENTORY_CURRENT);
    if (pointerKv) {
      s.inventoryPointer = JSON.parse(pointerKv.value) as InventoryPointer;
      // The pointer skips applyParsed below (that would start a standby's reload), but its
      // revision is what the next inventory switch compares.
      s.modRevisions.set(INVENTORY_CURRENT, pointerKv.modRevision);
      s.setInventory(await readInventoryBlob(store, s.inventoryPointer, kvs));
    }
    const allocs: [string, Placement][] = [];
    for (const kv of kvs) {
      if (kv.key.startsWith(INVENTORY_BLOBS) || kv.key.startsWith(ELECTION_PREFIX) || kv.key === INVENTORY_CURRENT) continue;
      const parsed = parseKey(kv.key);
      if (parsed?.table === 'allocations') allocs.push([parsed.rest, JSON.parse(kv.value) as Placement]);
      s.applyParsed(kv.key, kv.value === '' ? undefined : JSON.parse(kv.value), kv.modRevision, false);
    }
    await yieldToEventLoop();
    s.rebuildEngine(allocs);
    s.revision = Math.max(revision, ...kvs.map((kv) => kv.modRevision));
    for (const server of s.assigns.keys()) s.assignRevision.set(server, s.revision);
    return s;
  }

  setInventory(inv: Inventory | undefined): void {
    this.inventory = inv;
    this.inventoryJson = inv ? JSON.stringify(inv) : undefined;
  }

  /** A fresh engine over the inventory with every stored allocation restored; throws on overlap. */
  rebuildEngine(allocs: [string, Placement][] = [...this.allocations]): void {
    if (!this.inventory) {
      this.engine = undefined;
      return;
    }
    const engine = this.engineFactory(this.inventory);
    for (const d of this.drives.values()) if (!driveUsable(d.health) && engine.hasDrive(d.serial)) engine.setDriveUsable(d.serial, false);
    for (const [id, placement] of allocs) {
      try {
        engine.restore(id, placement);
      } catch (e) {
        throw new Error(`allocation ${id} cannot be restored onto the inventory: ${(e as Error).message}`);
      }
    }
    this.engine = engine;
  }

  /** Apply one committed write (from our own txn or from the watch). */
  applyParsed(key: string, value: unknown, modRevision: number, syncEngine = true): void {
    const prev = this.modRevisions.get(key);
    if (prev !== undefined && prev > modRevision) return; // older than what we have
    if (value === undefined) this.modRevisions.delete(key);
    else this.modRevisions.set(key, modRevision);
    if (modRevision > this.revision) this.revision = modRevision;
    const parsed = parseKey(key);
    if (!parsed) return;
    const { table, rest } = parsed;
    if (table === 'volumes' || table === 'slices' || table === 'allocations' || table === 'inventory') for (const w of [...this.exportWaiters]) w();
    const setOrDelete = <T>(map: Map<string, T>, id: string) => {
      if (value === undefined) map.delete(id);
      else map.set(id, value as T);
    };
    switch (table) {
      case 'clusters':
        return setOrDelete(this.clusters, rest);
      case 'volumes':
        return setOrDelete(this.volumes, rest);
      case 'slices':
        return setOrDelete(this.slices, rest);
      case 'key-policies':
        return setOrDelete(this.policies, rest);
      case 'ops':
        return setOrDelete(this.ops, rest);
      case 'names':
        return setOrDelete(this.names, rest);
      case 'servers':
        return setOrDelete(this.servers, rest);
      case 'drives': {
        setOrDelete(this.drives, rest);
        const usable = value === undefined || driveUsable((value as DriveRecord).health);
        if (syncEngine && this.engine?.hasDrive(rest)) this.engine.setDriveUsable(rest, usable);
        return;
      }
      case 'allocations': {
        setOrDelete(this.allocations, rest);
        if (syncEngine && this.engine) this.syncAllocation(rest, value as Placement | undefined);
        return;
      }
      case 'assign': {
        const slash = rest.indexOf('/');
        const server = rest.slice(0, slash);
        const id = rest.slice(slash + 1);
        let m = this.assigns.get(server);
        if (!m) this.assigns.set(server, (m = new Map()));
        if (value === undefined) m.delete(id);
        else m.set(id, value as Assignment);
        this.assignRevision.set(server, Math.max(this.assignRevision.get(server) ?? 0, modRevision));
        this.wakeAssignWaiters(server);
        return;
      }
      case 'inventory':
        if (key === INVENTORY_CURRENT && this.onInventoryChanged) this.onInventoryChanged();
        return;
    }
  }

  private syncAllocation(id: string, placement: Placement | undefined): void {
    const engine = this.engine!;
    const cur = engine.get(id);
    if (placement === undefined) {
      if (cur) engine.release(id);
      return;
    }
    if (cur && JSON.stringify(cur) === JSON.stringify(placement)) return;
    if (cur) engine.release(id);
    engine.restore(id, placement);
  }

  applyEvents(kvs: { key: string; value: string; modRevision: number; deleted: boolean }[]): void {
    for (const kv of kvs) {
      if (kv.key.startsWith(INVENTORY_BLOBS) || kv.key.startsWith(ELECTION_PREFIX)) continue;
      this.applyParsed(kv.key, kv.deleted ? undefined : JSON.parse(kv.value), kv.modRevision);
    }
  }

  waitAssignments(server: string, since: number, timeoutMs: number): Promise<void> {
    if ((this.assignRevision.get(server) ?? 0) > since) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.assignWaiters.get(server);
      if (!set) this.assignWaiters.set(server, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        set!.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      set.add(done);
    });
  }

  private wakeAssignWaiters(server: string): void {
    const set = this.assignWaiters.get(server);
    if (set) for (const w of [...set]) w();
  }

  /** Resolves at the next write to volumes, slices, allocations or the inventory, or after timeoutMs. */
  waitExportChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.exportWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.exportWaiters.add(done);
    });
  }

  /** Wake every long poll (shutdown). */
  wakeAll(): void {
    for (const server of this.assignWaiters.keys()) this.wakeAssignWaiters(server);
    for (const w of [...this.exportWaiters]) w();
  }
}

/** May new extents be placed on a drive in this state? Only on an ok one: a degraded drive has shown errors. */
export function driveUsable(h: DriveHealthState): boolean {
  return h === 'ok';
}

const CHUNK_CHARS = 1_000_000;
const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

/** Let timers (lease keep-alives) and I/O run between long synchronous steps. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** gzip + base64 + chunks: etcd refuses values over ~1.5 MB and a 100k-drive inventory is ~15 MB. */
export async function inventoryChunks(inv: Inventory): Promise<string[]> {
  // Compressed on libuv's thread pool: a 100k-drive inventory would stall the event loop (and the
  // leader's lease keep-alive) for a third of a second.
  const packed = (await gzip(Buffer.from(JSON.stringify(inv), 'utf8'))).toString('base64');
  const out: string[] = [];
  for (let i = 0; i < packed.length; i += CHUNK_CHARS) out.push(packed.slice(i, i + CHUNK_CHARS));
  return out.length > 0 ? out : [''];
}

export async function readInventoryBlob(store: Store, pointer: InventoryPointer, prefetched?: KeyValue[]): Promise<Inventory> {
  const prefix = `${INVENTORY_BLOBS}${pointer.blob}/`;
  const kvs = prefetched ? prefetched.filter((kv) => kv.key.startsWith(prefix)) : await store.range(prefix);
  if (kvs.length !== pointer.chunks) throw new Error(`inventory blob ${pointer.blob}: ${kvs.length} of ${pointer.chunks} chunks present`);
  const packed = kvs.map((kv) => kv.value).join('');
  const text = (await gunzip(Buffer.from(packed, 'base64'))).toString('utf8');
  await yieldToEventLoop();
  return JSON.parse(text) as Inventory;
}
