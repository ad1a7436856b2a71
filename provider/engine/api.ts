// The allocation engine's contract (docs/allocation.md). Pure, synchronous, no I/O. The composer
// wraps it: it rebuilds an engine from the inventory and the stored allocations at start-up, then
// asks it.
import type { Inventory } from '../model/inventory';
import type {
  CapacityAnswer,
  CapacityQuery,
  Placement,
  PlacementRequest,
  PlacementResult,
} from '../model/placement';

export interface Allocator {
  /** Choose a placement without reserving anything (dry run). */
  plan(request: PlacementRequest): PlacementResult;
  /** Choose and reserve under `allocationId`. Infeasible → nothing changes. Throws if the id is taken. */
  place(allocationId: string, request: PlacementRequest): PlacementResult;
  /**
   * Reserve a placement decided earlier (restoring stored allocations after a restart, replaying
   * the journal). Throws if any extent is already taken or does not exist.
   */
  restore(allocationId: string, placement: Placement): void;
  /** Give back exactly what `allocationId` holds. Unknown id → false, nothing changes. */
  release(allocationId: string): boolean;
  /**
   * Grow a slice allocation in place to `newSizeGiB` when the neighbouring extent is free.
   * Shrinking or growing a non-slice fails with a reason; nothing changes on failure.
   */
  extend(allocationId: string, newSizeGiB: number): PlacementResult;
  /** Can this placement be staged on `server` (transport, bandwidth domain unless softDomains)? */
  checkServer(placement: Placement, server: string, softDomains: boolean): { ok: true } | { ok: false; failure: { constraint: string; message: string } };
  /**
   * Replace member `index` of `allocationId` by a new extent chosen with `request`'s rules and the
   * resiliency flags against the surviving members (./replace.ts): the new extent is reserved, the
   * old one given back (its drive is usually unusable already), the allocation's placement updated.
   * Infeasible → nothing changes and the failure says why, with the numbers.
   */
  replaceMember(allocationId: string, request: PlacementRequest, index: number): PlacementResult;
  /** Whether new extents may be placed on a drive (false: failed, draining or removed). Throws for an unknown serial. */
  setDriveUsable(serial: string, usable: boolean): void;
  /** Is `serial` a drive of the inventory? */
  hasDrive(serial: string): boolean;
  /** Available capacity and the largest volume that would succeed (CSI GetCapacity); drives marked unusable (setDriveUsable) count for neither. */
  capacity(query: CapacityQuery): CapacityAnswer;
  /** The current placement of an allocation. */
  get(allocationId: string): Placement | undefined;
  readonly inventory: Inventory;
}
