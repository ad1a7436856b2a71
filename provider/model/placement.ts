// What the allocation engine is asked for and what it answers (docs/allocation.md).
import type { Transport } from './inventory';

export const VOLUME_TYPES = ['hdd', 'ssd', 'slice'] as const;
export type VolumeType = (typeof VOLUME_TYPES)[number];

export const RAID_LEVELS = ['none', 'raid1', 'raid10'] as const;
export type RaidLevel = (typeof RAID_LEVELS)[number];

/**
 * A placement request: the placement-shaping options of a Volume or Slice, with the seed's
 * defaults already applied (see PLACEMENT_DEFAULTS). Sizes are whole GiB.
 */
export interface PlacementRequest {
  type: VolumeType;
  sizeGiB: number;
  /** Minimum rpm, hdd only. */
  rpm?: number;
  striping: boolean;
  redundancy: boolean;
  raidMaxDrives: number;
  sgResiliency: boolean;
  jbodResiliency: boolean;
  softDomains: boolean;
  requiredTags: string[];
  excludedTags: string[];
  /** Restrict to these storage groups; empty = any. */
  storageGroup: string[];
  /** Allowed transports; empty = the most performant available (roce > nvmetcp > iscsi). */
  networkTransportsAllowed: Transport[];
  /** Reject when the resulting usable capacity would fall outside these bounds (GiB). */
  minVolumeSize?: number;
  maxVolumeSize?: number;
  /** The server the volume will be staged on, if known: drives the bandwidth domain and transport. */
  server?: string;
}

export const PLACEMENT_DEFAULTS = {
  type: 'hdd',
  striping: true,
  redundancy: false,
  raidMaxDrives: 16,
  sgResiliency: true,
  jbodResiliency: true,
  softDomains: false,
  requiredTags: [] as string[],
  excludedTags: [] as string[],
  storageGroup: [] as string[],
  networkTransportsAllowed: [] as Transport[],
} as const;

/** One drive or SSD extent that is part of a volume. */
export interface Member {
  serial: string;
  enclosure: string;
  storageGroup: string;
  /** Extent start on the drive, GiB (0 for whole drives). */
  offsetGiB: number;
  /** Extent length, GiB (the whole drive for hdd/ssd volumes). */
  sizeGiB: number;
  /** RAID1/RAID10 mirror half: 0 or 1. Always 0 without mirroring. */
  mirror: number;
  /** Position in the stripe (RAID10), 0 otherwise. */
  stripe: number;
}

export interface Placement {
  type: VolumeType;
  raidLevel: RaidLevel;
  transport: Transport;
  /** Usable capacity after RAID, GiB. */
  capacityGiB: number;
  members: Member[];
}

/** Why a request cannot be placed: the constraint that failed and the numbers. */
export interface PlacementFailure {
  /** The option or rule that failed, e.g. `jbodResiliency`, `sizeGiB`, `networkTransportsAllowed`. */
  constraint: string;
  /** A sentence with the numbers, e.g. `jbodResiliency: only 1 enclosure in sg-a has a free ssd >= 800 GiB, 2 needed`. */
  message: string;
}

export type PlacementResult = { ok: true; placement: Placement } | { ok: false; failure: PlacementFailure };

export type CapacityQuery = Omit<PlacementRequest, 'sizeGiB'>;

export interface CapacityAnswer {
  /** Free capacity (GiB) on drives/SSDs that match the query's filters. */
  availableGiB: number;
  /** The largest sizeGiB for which place() with these options would succeed right now. 0 if none. */
  maximumVolumeSizeGiB: number;
  /** Per-storage-group breakdown of availableGiB. */
  byStorageGroup: Record<string, number>;
}
