// The physical pool as declared by a topology file (docs/inventory.md). Plain data: loaded and
// validated by provider/inventory, read by the allocation engine, stored by the composer.

/** Network transports between servers and enclosures, most performant first. */
export const TRANSPORTS = ['roce', 'nvmetcp', 'iscsi'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export const DRIVE_TYPES = ['hdd', 'ssd'] as const;
export type DriveType = (typeof DRIVE_TYPES)[number];

export interface Drive {
  /** Globally unique drive serial. */
  serial: string;
  type: DriveType;
  /** Whole GiB. */
  sizeGiB: number;
  /** Required for hdd, absent for ssd. */
  rpm?: number;
  tags: string[];
}

export interface Enclosure {
  /** Unique across the inventory. A JBOD/eBOD: a failure domain. */
  name: string;
  transports: Transport[];
  /** Portal address agents connect to (host:port). */
  portal: string;
  uplinkGbps: number;
  /** The ToR network the enclosure sits behind. */
  bandwidthDomain: string;
  drives: Drive[];
}

export interface StorageGroup {
  /** Unique. A power/rack group: a failure domain above the enclosure. */
  name: string;
  enclosures: Enclosure[];
}

export interface Server {
  /** Unique. A diskless compute node. */
  name: string;
  transports: Transport[];
  nicGbps: number;
  bandwidthDomain: string;
  tags: string[];
}

export interface BandwidthDomain {
  name: string;
}

export interface Inventory {
  bandwidthDomains: BandwidthDomain[];
  storageGroups: StorageGroup[];
  servers: Server[];
}
