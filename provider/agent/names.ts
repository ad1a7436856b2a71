// Names and paths the agent derives from a volume and its members. One place, so the plan, the
// steps, the simulated host and the tests agree on every device name.
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { hostNqn, iscsiIqn, nvmeNamespaceUuid, nvmeNqn } from '../model/naming';
import type { Member } from '../model/placement';

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

const VOLUME_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Volume ids become md names, dm names and path components: refuse anything else. */
export function checkVolumeId(id: string, field = 'volumeId'): string {
  if (!VOLUME_ID.test(id) || id.includes('..')) {
    throw new Error(`${field}: "${id}" is not a valid volume id (letters, digits, '.', '_', '-', at most 64, no '..')`);
  }
  return id;
}

export const mdPath = (volumeId: string) => `/dev/md/${volumeId}`;
export const dmName = (volumeId: string) => `tessera-${volumeId}`;
export const dmPath = (volumeId: string) => `/dev/mapper/${dmName(volumeId)}`;
/** The volume of an md path or a dm-crypt mapping name (the lab stand-ins look arrays up by it). */
export const volumeOfMdPath = (p: string) => (p.startsWith('/dev/md/') ? p.slice('/dev/md/'.length) : undefined);
export const volumeOfDmName = (name: string) => (name.startsWith('tessera-') ? name.slice('tessera-'.length) : undefined);
export const stagingPath = (stateDir: string, volumeId: string) => path.join(stateDir, 'staging', volumeId);

// The fabric names (NQNs, namespace UUIDs, IQNs, a server's host NQN and initiator IQN) are
// derived once, for the enclosure and the agent alike, in ../model/naming.ts.
export { hostNqn, initiatorIqn, iscsiIqn, memberLabel, nvmeNamespaceUuid, nvmeNqn } from '../model/naming';

/** The host ID (a UUID) that goes with a server's host NQN on `nvme connect`. */
export function hostId(server: string): string {
  return nvmeNamespaceUuid(`tessera-hostid:${hostNqn(server)}`);
}

/** The open-iscsi interface record through which a server's agent logs in as its initiator IQN. */
export function iscsiIface(server: string): string {
  return `tessera-${crypto.createHash('sha256').update(server).digest('hex').slice(0, 12)}`;
}

/**
 * The UUID a volume's filesystem is made with. Staging finds a filesystem with another UUID on a
 * blank-looking volume only when a drive was reused without a wipe: it refuses to mount another
 * volume's data instead of exposing it.
 */
export function filesystemUuid(volumeId: string): string {
  return nvmeNamespaceUuid(`tessera-filesystem:${volumeId}`);
}

/** Marks what Tessera wrote: md homehost, LUKS2 label prefix, filesystem label. */
export const OWNER_MARK = 'tessera';

/** A short owner tag for md names and LUKS labels (md keeps 32 bytes of "homehost:name"). */
export function ownerTag(volumeId: string): string {
  return volumeId.length <= 24 ? volumeId : `h${crypto.createHash('sha256').update(volumeId).digest('hex').slice(0, 23)}`;
}

/** `tessera:<tag>`: the md name (homehost:name) and the LUKS2 label of a volume. */
export function ownerLabel(volumeId: string): string {
  return `${OWNER_MARK}:${ownerTag(volumeId)}`;
}

export function nvmeLink(m: Member, slice: boolean): string {
  return `/dev/disk/by-id/nvme-uuid.${nvmeNamespaceUuid(nvmeNqn(m, slice))}`;
}

export function iscsiLink(m: Member, slice: boolean, portal: string): string {
  return `/dev/disk/by-path/ip-${portal}-iscsi-${iscsiIqn(m, slice)}-lun-0`;
}

/** Lab enclosures: one sparse file per drive. */
export function labDriveFile(labDir: string, enclosure: string, serial: string): string {
  return path.join(labDir, enclosure, `${serial}.img`);
}

/** host:port -> [host, port] with the transport's default port. */
export function splitPortal(portal: string, defaultPort: number): [string, string] {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(portal);
  if (!m) return [portal, String(defaultPort)];
  return [m[1], m[2] ?? String(defaultPort)];
}

/** RAID10 near-2 layout mirrors adjacent devices: order members stripe by stripe, mirror 0 then 1. */
export function mdMemberOrder(members: Member[]): Member[] {
  return [...members].sort((a, b) => a.stripe - b.stripe || a.mirror - b.mirror);
}
