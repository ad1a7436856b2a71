// Invariants over stored allocations, shared by the fault tests and the chaos bench: an extent
// is never given out twice. Whole-drive members span the drive, so any other member on the same
// drive overlaps them.
import type { Placement } from '../../provider/model/placement';

/** Every pair of members (of different or the same allocation) whose extents share a GiB. */
export function overlappingExtents(allocations: Iterable<[string, Placement]>): string[] {
  const byDrive = new Map<string, { id: string; type: string; from: number; to: number }[]>();
  for (const [id, p] of allocations) {
    for (const m of p.members) {
      const whole = p.type !== 'slice';
      const list = byDrive.get(m.serial) ?? [];
      list.push({ id, type: p.type, from: whole ? 0 : m.offsetGiB, to: whole ? Infinity : m.offsetGiB + m.sizeGiB });
      byDrive.set(m.serial, list);
    }
  }
  const out: string[] = [];
  for (const [serial, list] of byDrive) {
    list.sort((a, b) => a.from - b.from);
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1];
      const b = list[i];
      if (b.from < a.to) out.push(`${serial}: ${a.id} [${a.from}, ${a.to}) overlaps ${b.id} [${b.from}, ${b.to})`);
    }
  }
  return out;
}
