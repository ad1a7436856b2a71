// CSI topology (docs/csi.md "Topology"): a node reports its server and the server's bandwidth
// domain; CreateVolume turns accessibility_requirements into an ordered list of candidate servers
// (preferred in order, then requisite in order) and the controller places the volume on the first
// candidate whose placement the composer's dry run accepts — the same placement rules as any
// create (docs/allocation.md: with softDomains false, members in the server's bandwidth domain).
import { invalid } from './errors';

export const TOPOLOGY_SERVER = 'topology.tessera.io/server';
export const TOPOLOGY_DOMAIN = 'topology.tessera.io/bandwidth-domain';
const KEYS = new Set([TOPOLOGY_SERVER, TOPOLOGY_DOMAIN]);

export interface TopologyServer {
  name: string;
  bandwidthDomain: string;
}

export interface Topology {
  segments: Record<string, string>;
}

export interface TopologyRequirement {
  requisite?: Topology[] | null;
  preferred?: Topology[] | null;
}

/** The segments of one server: where a node runs and where a volume placed for it is reachable. */
export function segmentsOf(s: TopologyServer): Record<string, string> {
  return { [TOPOLOGY_SERVER]: s.name, [TOPOLOGY_DOMAIN]: s.bandwidthDomain };
}

function matches(s: TopologyServer, t: Topology): boolean {
  const seg = t.segments ?? {};
  return (seg[TOPOLOGY_SERVER] === undefined || seg[TOPOLOGY_SERVER] === s.name) && (seg[TOPOLOGY_DOMAIN] === undefined || seg[TOPOLOGY_DOMAIN] === s.bandwidthDomain);
}

function checkKeys(field: string, list: Topology[]): void {
  list.forEach((t, i) => {
    for (const k of Object.keys(t.segments ?? {})) {
      if (!KEYS.has(k)) throw invalid(`${field}[${i}]: unknown topology key ${k} (this driver knows ${[...KEYS].join(', ')})`);
    }
  });
}

function describe(list: Topology[]): string {
  return list.map((t) => `{${Object.entries(t.segments ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')}}`).join(', ');
}

/**
 * The servers to try, best first, or undefined when the request states no requirement (the
 * volume is then placed without a server). Preferred topologies come first in their order (only
 * servers that also satisfy the requisite, when one is given), then the requisite ones in their
 * order; with preferred only, every other server follows (preferred is a wish, not a limit).
 * Servers within one topology are taken by name, so the choice is deterministic.
 */
export function candidateServers(req: TopologyRequirement | null | undefined, servers: TopologyServer[]): string[] | undefined {
  const requisite = req?.requisite ?? [];
  const preferred = req?.preferred ?? [];
  if (requisite.length === 0 && preferred.length === 0) return undefined;
  checkKeys('accessibility_requirements.requisite', requisite);
  checkKeys('accessibility_requirements.preferred', preferred);
  const sorted = [...servers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const allowed = requisite.length ? sorted.filter((s) => requisite.some((t) => matches(s, t))) : sorted;
  if (requisite.length && allowed.length === 0) {
    throw invalid(`accessibility_requirements.requisite: ${describe(requisite)} names no server or bandwidth domain of the cluster (servers: ${sorted.map((s) => `${s.name} in ${s.bandwidthDomain}`).join(', ') || 'none'})`);
  }
  const out: string[] = [];
  const add = (s: TopologyServer) => {
    if (!out.includes(s.name)) out.push(s.name);
  };
  for (const t of preferred) allowed.filter((s) => matches(s, t)).forEach(add);
  if (requisite.length) for (const t of requisite) allowed.filter((s) => matches(s, t)).forEach(add);
  else allowed.forEach(add);
  return out;
}

export interface TopologyInventory {
  servers: TopologyServer[];
  storageGroups: { enclosures: { name: string; bandwidthDomain: string }[] }[];
}

/**
 * Where a volume is reachable from: its assigned server's segments; unassigned with softDomains
 * false and every member in one bandwidth domain, that domain (any server of it passes the
 * composer's assignment check); otherwise no constraint (empty: every server).
 */
export function volumeTopology(v: { server?: string | null; softDomains?: boolean; members?: { enclosure: string }[] }, inv: TopologyInventory): Topology[] {
  if (v.server) {
    const s = inv.servers.find((x) => x.name === v.server);
    return s ? [{ segments: segmentsOf(s) }] : [];
  }
  if (v.softDomains !== false || !v.members?.length) return [];
  const domainOf = new Map(inv.storageGroups.flatMap((g) => g.enclosures.map((e) => [e.name, e.bandwidthDomain] as const)));
  const domains = new Set(v.members.map((m) => domainOf.get(m.enclosure)));
  const [only] = domains;
  return domains.size === 1 && only !== undefined ? [{ segments: { [TOPOLOGY_DOMAIN]: only } }] : [];
}
