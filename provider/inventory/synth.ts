// Deterministic synthetic inventories of any size, for tests and benchmarks (docs/inventory.md).
//
// Layout: racks are built to a few standard templates (an all-flash eBOD of 24-48 SSDs, or an
// HDD JBOD of 60-90 drives). Templates are instantiated once per bandwidth domain, round after
// round, so every domain holds the same mix; within a domain consecutive enclosures rotate
// through the storage groups, so every domain spans several failure domains. Transports are
// uniform per kind (SSD eBODs: roce + nvmetcp; HDD JBODs: nvmetcp + iscsi), as a fleet bought to
// one spec would be; hand-written inventories can mix them freely.
import type { BandwidthDomain, Drive, Enclosure, Inventory, Server, StorageGroup, Transport } from '../model/inventory';

export interface SynthOptions {
  servers: number;
  drives: number;
  seed: number;
}

/** mulberry32: small, fast, good enough for test data; the same seed gives the same inventory. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T>(r: () => number, items: [T, number][]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let x = r() * total;
  for (const [v, w] of items) {
    x -= w;
    if (x < 0) return v;
  }
  return items[items.length - 1][0];
}

interface DriveModel {
  sizeGiB: number;
  rpm?: number;
}

// Marketing TB converted to GiB, as the drives report them.
const SSD_MODELS: [DriveModel, number][] = [
  [{ sizeGiB: 894 }, 15],
  [{ sizeGiB: 1788 }, 25],
  [{ sizeGiB: 3576 }, 30],
  [{ sizeGiB: 7153 }, 20],
  [{ sizeGiB: 14306 }, 10],
];
const HDD_MODELS: [DriveModel, number][] = [
  [{ sizeGiB: 1117, rpm: 10000 }, 5],
  [{ sizeGiB: 3726, rpm: 7200 }, 10],
  [{ sizeGiB: 7452, rpm: 7200 }, 20],
  [{ sizeGiB: 11176, rpm: 7200 }, 30],
  [{ sizeGiB: 14902, rpm: 7200 }, 35],
];

interface Template {
  kind: 'ssd' | 'hdd';
  driveCount: number;
  models: DriveModel[];
  transports: Transport[];
  tags: string[];
}

/**
 * Bays are filled from the whole catalog (a pool that grew over years of drive purchases), so
 * every enclosure holds every size: demand for one drive size then spreads over all enclosures
 * of a domain instead of landing on the few that happen to hold it.
 */
function enclosureModels(r: () => number, catalog: [DriveModel, number][], count: number): DriveModel[] {
  return Array.from({ length: count }, () => weighted(r, catalog));
}

function makeTemplate(r: () => number): Template {
  if (r() < 0.36) {
    const driveCount = weighted(r, [[60, 3], [84, 4], [90, 3]]);
    const models = enclosureModels(r, HDD_MODELS, driveCount);
    const transports: Transport[] = ['nvmetcp', 'iscsi'];
    return { kind: 'hdd', driveCount, models, transports, tags: [r() < 0.6 ? 'sas' : 'sata'] };
  }
  const driveCount = weighted(r, [[24, 5], [32, 3], [48, 2]]);
  const models = enclosureModels(r, SSD_MODELS, driveCount);
  const transports: Transport[] = ['roce', 'nvmetcp'];
  return { kind: 'ssd', driveCount, models, transports, tags: ['nvme'] };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** A deterministic inventory with `servers` servers and exactly `drives` drives. */
export function synthesizeInventory(opts: SynthOptions): Inventory {
  const { servers: serverCount, drives: driveCount, seed } = opts;
  if (!Number.isInteger(serverCount) || serverCount < 0) throw new RangeError(`servers: must be a non-negative integer, got ${serverCount}`);
  if (!Number.isInteger(driveCount) || driveCount < 0) throw new RangeError(`drives: must be a non-negative integer, got ${driveCount}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed: must be an integer, got ${seed}`);
  const r = rng(seed);
  const domainCount = Math.max(1, Math.min(Math.ceil(driveCount / 2000), Math.ceil(serverCount / 50)));
  const domains: BandwidthDomain[] = Array.from({ length: domainCount }, (_, d) => ({ name: `bd-${pad(d, 3)}` }));

  // Enclosure drive counts: whole template rounds, then the remainder spread over the last ones.
  const plan: { template: Template; count: number; domain: number }[] = [];
  let remaining = driveCount;
  while (remaining > 0) {
    const t = makeTemplate(r);
    for (let d = 0; d < domainCount && remaining > 0; d++) {
      const count = Math.min(t.driveCount, remaining);
      plan.push({ template: t, count, domain: d });
      remaining -= count;
    }
  }
  // A short last enclosure (< 24 drives) gives its drives to earlier ones with room (<= 90).
  const last = plan[plan.length - 1];
  if (plan.length > 1 && last.count < 24) {
    let give = last.count;
    for (let i = plan.length - 2; i >= 0 && give > 0; i--) {
      const room = 90 - plan[i].count;
      const n = Math.min(room, give);
      plan[i].count += n;
      give -= n;
    }
    if (give === 0) plan.pop();
    else last.count = give;
  }

  const groupCount = Math.max(1, Math.min(plan.length, Math.max(2, Math.min(16, Math.ceil(driveCount / 12500)))));
  const groups: StorageGroup[] = Array.from({ length: groupCount }, (_, g) => ({ name: `sg-${pad(g, 2)}`, enclosures: [] }));
  const perDomainIndex = new Array<number>(domainCount).fill(0);
  const width = Math.max(4, String(plan.length).length);
  plan.forEach((p, i) => {
    const j = perDomainIndex[p.domain]++;
    const name = `enc-${pad(i, width)}`;
    const drives: Drive[] = [];
    for (let s = 0; s < p.count; s++) {
      const m = p.template.models[s % p.template.models.length];
      const tags = [...p.template.tags];
      if (p.template.kind === 'ssd' && r() < 0.1) tags.push('sed');
      const drive: Drive = { serial: `${name}-${pad(s, 2)}`, type: p.template.kind, sizeGiB: m.sizeGiB, tags };
      if (m.rpm !== undefined) drive.rpm = m.rpm;
      drives.push(drive);
    }
    const port = p.template.kind === 'ssd' ? 4420 : 3260;
    const enc: Enclosure = {
      name,
      transports: [...p.template.transports],
      portal: `10.${(p.domain >> 8) & 255}.${p.domain & 255}.${(j % 250) + 2}:${port}`,
      uplinkGbps: p.template.kind === 'ssd' ? 100 : 50,
      bandwidthDomain: domains[p.domain].name,
      drives,
    };
    groups[(j + p.domain) % groupCount].enclosures.push(enc);
  });

  const servers: Server[] = [];
  const serverWidth = Math.max(5, String(serverCount).length);
  for (let s = 0; s < serverCount; s++) {
    const transports: Transport[] = r() < 0.6 ? ['roce', 'nvmetcp', 'iscsi'] : ['nvmetcp', 'iscsi'];
    const tags: string[] = [];
    if (r() < 0.1) tags.push('gpu');
    servers.push({
      name: `srv-${pad(s, serverWidth)}`,
      transports,
      nicGbps: weighted(r, [[25, 5], [50, 3], [100, 2]]),
      bandwidthDomain: domains[s % domainCount].name,
      tags,
    });
  }
  return { bandwidthDomains: domains, storageGroups: groups, servers };
}
