// The fabric names of members and servers, derived in one place for the enclosure (which exports
// under them and lets in only the assigned host) and the agent (which connects with them):
// subsystem NQNs, namespace UUIDs, target IQNs, a server's host NQN and initiator IQN, and the
// addresses an enclosure's portal stands for. docs/agent.md "Device naming" and "Enclosure service".
import * as crypto from 'node:crypto';
import type { Member } from './placement';

/** Every NQN and IQN Tessera makes starts with one of these: the enclosure's ownership mark. */
export const NQN_PREFIX = 'nqn.2026-01.io.tessera:';
export const IQN_PREFIX = 'iqn.2026-01.io.tessera:';
/** Hosts (servers) have a naming authority of their own, so no member name can look like one. */
export const HOST_NQN_PREFIX = 'nqn.2026-01.io.tessera.host:';
export const INITIATOR_IQN_PREFIX = 'iqn.2026-01.io.tessera.host:';

function lowerSafe(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
}

/**
 * A server name as an NQN/IQN component. IQNs are compared without case, so `K1` and `k1` would
 * meet in one name: a name that lowering changes carries a digest of the original, and an ACL
 * for one server never admits another.
 */
function hostPart(server: string): string {
  const safe = lowerSafe(server);
  return safe === server ? safe : `${safe}-${crypto.createHash('sha256').update(server).digest('hex').slice(0, 8)}`;
}

/** The NVMe subsystem the enclosure exports for a member. */
/** How agents name a member in their reports (ObservedState.degraded) and logs: the serial, plus the extent for a slice. */
export function memberLabel(m: Member, slice: boolean): string {
  return slice ? `${m.serial}@${m.offsetGiB}G+${m.sizeGiB}G` : m.serial;
}

export function nvmeNqn(m: Member, slice: boolean): string {
  return `${NQN_PREFIX}${lowerSafe(m.enclosure)}:${lowerSafe(m.serial)}${slice ? `:o${m.offsetGiB}` : ''}`;
}

/** Namespace UUID the enclosure sets (derived from the NQN), so udev gives a stable by-id link. */
export function nvmeNamespaceUuid(nqn: string): string {
  const h = crypto.createHash('sha256').update(nqn).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The iSCSI target the enclosure exports for a member (one LUN, 0). */
export function iscsiIqn(m: Member, slice: boolean): string {
  return `${IQN_PREFIX}${lowerSafe(m.enclosure)}.${lowerSafe(m.serial)}${slice ? `.o${m.offsetGiB}` : ''}`;
}

/** The host NQN a server's agent connects with (`nvme connect --hostnqn`): the enclosure's NVMe ACL. */
export function hostNqn(server: string): string {
  return `${HOST_NQN_PREFIX}${hostPart(server)}`;
}

/** The initiator IQN a server's agent logs in with (open-iscsi InitiatorName): the enclosure's iSCSI ACL. */
export function initiatorIqn(server: string): string {
  return `${INITIATOR_IQN_PREFIX}${hostPart(server)}`;
}

/** The NQN prefix of every subsystem one enclosure exports (its ownership mark in nvmet). */
export function enclosureNqnPrefix(enclosure: string): string {
  return `${NQN_PREFIX}${lowerSafe(enclosure)}:`;
}

/** The IQN prefix of every target one enclosure exports (its ownership mark in LIO). */
export function enclosureIqnPrefix(enclosure: string): string {
  return `${IQN_PREFIX}${lowerSafe(enclosure)}.`;
}

export const NVME_TCP_PORT = 4420;
export const ISCSI_PORT = 3260;

/**
 * What an inventory portal (`host:port`) stands for: NVMe (TCP and RDMA) listens on the portal
 * itself; iSCSI on the same host at the iSCSI port, since one address cannot take both listeners.
 */
export function portalAddresses(portal: string): { host: string; nvmePort: number; iscsiPort: number } {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(portal);
  if (!m) throw new Error(`portal: "${portal}" is not host:port`);
  return { host: m[1], nvmePort: m[2] ? Number(m[2]) : NVME_TCP_PORT, iscsiPort: ISCSI_PORT };
}
