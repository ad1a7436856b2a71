// The simulated storage fabric: what the enclosures export and what is written on the drives.
// Shared by every SimulatedHost in a test or demo, so a volume moved between servers finds its
// data (md superblocks, LUKS headers, filesystems and files) where the old server left it.
import * as crypto from 'node:crypto';
import type { Member } from '../../model/placement';
import { GiB, iscsiIqn, nvmeNamespaceUuid, nvmeNqn } from '../names';

export interface FsContent {
  kind: 'fs';
  fsType: 'ext4' | 'xfs';
  uuid: string;
  label?: string;
  sizeBytes: number;
  files: Map<string, string>;
  /** Checked (e2fsck -f) since it was last mounted: offline resize2fs requires it. */
  checked: boolean;
}

export interface LuksContent {
  kind: 'luks';
  uuid: string;
  label?: string;
  cipher: string;
  keySizeBits: number;
  /** Keyslots: a SHA-256 of the key that opens each (the model never keeps key bytes). */
  slots: (string | null)[];
  payload: Holder;
}

export interface MdMemberContent {
  kind: 'md-member';
  arrayUuid: string;
}

export type Content = FsContent | LuksContent | MdMemberContent;

/** Something a block device shows: the start of an extent, an md array's data, a LUKS payload. */
export interface Holder {
  content?: Content;
}

export interface SimExport {
  nqn: string;
  iqn: string;
  nsUuid: string;
  serial: string;
  extentKey: string;
  sizeBytes: number;
  /** I/Os completed through the export (the enclosure's counter, reported as `ioCount`; docs/failure.md "Server down"). */
  ioCount: number;
}

export interface SimArray {
  uuid: string;
  /** homehost:name */
  name: string;
  level: 'raid1' | 'raid10';
  /** Extent keys in device order. */
  members: string[];
  componentBytes: number;
  data: Holder;
  /** A member added to a running array copies the data onto itself until `untilMs` (./host.ts `--add`). */
  recovery?: { key: string; startedMs: number; untilMs: number };
  /** `--replace OLD --with NEW` (./host.ts): NEW copies from the array while OLD keeps serving; when the copy ends NEW takes OLD's slot and OLD is faulty. */
  replacing?: { oldKey: string; newKey: string };
  /** Extent keys md marked faulty without an I/O error (a finished replace). */
  faulty?: string[];
}

export const MD_DATA_OFFSET = 8 * 1024 * 1024;
export const LUKS_HEADER = 16 * 1024 * 1024;

export function keyDigest(key: Buffer): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

export class SimulatedFabric {
  readonly exports = new Map<string, SimExport>();
  readonly extents = new Map<string, Holder>();
  readonly arrays = new Map<string, SimArray>();
  /** Drives that failed (pulled, dead, their enclosure gone): no I/O, no connect (docs/failure.md). */
  readonly failedDrives = new Set<string>();
  /** Enclosure of each drive seen in an export (for failEnclosure). */
  private readonly enclosureOf = new Map<string, string>();

  /** A drive dies: its exports stop answering; hosts see the member faulty, connects fail. */
  failDrive(serial: string): void {
    this.failedDrives.add(serial);
  }

  /** Every drive of an enclosure dies at once (power, head, uplink); returns the serials seen in exports. */
  failEnclosure(enclosure: string, serials: readonly string[] = []): string[] {
    const all = new Set(serials);
    for (const [serial, enc] of this.enclosureOf) if (enc === enclosure) all.add(serial);
    for (const s of all) this.failedDrives.add(s);
    return [...all];
  }

  isFailed(e: SimExport): boolean {
    return this.failedDrives.has(e.serial);
  }

  /** The enclosure side: export a member (idempotent; a larger size is a grown slice). */
  exportMember(m: Member, slice: boolean): SimExport {
    const nqn = nvmeNqn(m, slice);
    const extentKey = `${m.serial}@${m.offsetGiB}`;
    const sizeBytes = m.sizeGiB * GiB;
    this.enclosureOf.set(m.serial, m.enclosure);
    const existing = this.exports.get(nqn);
    if (existing) {
      existing.sizeBytes = sizeBytes;
      return existing;
    }
    const e: SimExport = { nqn, iqn: iscsiIqn(m, slice), nsUuid: nvmeNamespaceUuid(nqn), serial: m.serial, extentKey, sizeBytes, ioCount: 0 };
    this.exports.set(nqn, e);
    if (!this.extents.has(extentKey)) this.extents.set(extentKey, {});
    return e;
  }

  exportMembers(members: Member[], slice: boolean): void {
    for (const m of members) this.exportMember(m, slice);
  }

  byNqn(nqn: string): SimExport | undefined {
    return this.exports.get(nqn);
  }

  byIqn(iqn: string): SimExport | undefined {
    for (const e of this.exports.values()) if (e.iqn === iqn) return e;
    return undefined;
  }

  extent(key: string): Holder {
    let h = this.extents.get(key);
    if (!h) {
      h = {};
      this.extents.set(key, h);
    }
    return h;
  }

  /** Every filesystem on the fabric (for assertions: format counts, files). */
  filesystems(): FsContent[] {
    const out: FsContent[] = [];
    const visit = (h: Holder) => {
      const c = h.content;
      if (!c) return;
      if (c.kind === 'fs') out.push(c);
      else if (c.kind === 'luks') visit(c.payload);
    };
    for (const h of this.extents.values()) visit(h);
    for (const a of this.arrays.values()) visit(a.data);
    return out;
  }
}
