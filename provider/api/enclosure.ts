// The enclosure channel's wire shapes (role enclosure, scoped to its own enclosure):
//   POST /v1/enclosures/{enclosure}/register     body: EnclosureFacts   -> EnclosureStatus
//   POST /v1/enclosures/{enclosure}/heartbeat                           -> 204 (404 not_registered: register again)
//   GET  /v1/enclosures/{enclosure}/assignments?since=REV&waitSeconds=30 -> EnclosureAssignments (long poll)
//   PUT  /v1/enclosures/{enclosure}/report       body: EnclosureReport  -> 204
//   GET  /v1/enclosures                          (reader and up)        -> ListPage<EnclosureStatus>
// docs/api.md "Enclosure channel"; the service that speaks it: docs/agent.md "Enclosure service".
import type { Transport } from '../model/inventory';

/** What the enclosure service says about itself when it registers. */
export interface EnclosureFacts {
  hostname: string;
  version: string;
  /** The serials of the drives it manages (each must be one of the enclosure's inventory drives). */
  drives: string[];
}

/** One member the enclosure must export, and the one host allowed to reach it. */
export interface EnclosureExport {
  volumeId: string;
  kind: 'volume' | 'slice';
  serial: string;
  /** A slice: this extent of the drive (1 GiB aligned). A whole drive: offset 0 and the drive's size. */
  slice: boolean;
  offsetGiB: number;
  sizeGiB: number;
  transport: Transport;
  /** nvmetcp, roce: the subsystem NQN and namespace UUID. iscsi: the target IQN (LUN 0). */
  nqn?: string;
  nsUuid?: string;
  iqn?: string;
  /** The server the volume is attached to (while a move waits for the old server to unstage: the old one). */
  server: string;
  hostNqn?: string;
  initiatorIqn?: string;
}

export interface EnclosureAssignments {
  /** Pass back as `since` to wait for the next change. */
  revision: number;
  /** From the inventory: where the enclosure listens (docs/agent.md "Enclosure service"). */
  portal: string;
  transports: Transport[];
  /** The full desired set: anything exported and not listed must be unexported. */
  exports: EnclosureExport[];
}

export const EXPORT_STATES = ['exported', 'failed'] as const;

export interface DriveHealth {
  serial: string;
  /** The configured block device exists and is a block device. */
  present: boolean;
  device?: string;
  sizeBytes?: number;
  /** The kernel's I/O error counter for the device, where sysfs has one (SCSI/SAS `ioerr_cnt`). */
  ioErrors?: number;
  /** The device's state where sysfs has one (`running`, `offline`, `live`). */
  deviceState?: string;
}

export interface ExportState {
  volumeId: string;
  serial: string;
  offsetGiB: number;
  transport: Transport;
  /** The NQN or IQN it is exported under. */
  target: string;
  server: string;
  state: (typeof EXPORT_STATES)[number];
  error?: string;
}

export interface EnclosureReport {
  drives: DriveHealth[];
  exports: ExportState[];
}

export interface EnclosureStatus {
  name: string;
  /** up after a heartbeat within the grace period, down after missed heartbeats, unknown before any. */
  health: 'up' | 'down' | 'unknown';
  lastHeartbeat?: string;
  facts?: EnclosureFacts;
  report?: EnclosureReport & { reportedAt: string };
}
