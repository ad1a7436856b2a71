// Cross-field rules schema.json cannot express, checked after per-field validation. Each failure
// names the field and the reason; lookups against the composer's state happen in the service.
import type { FieldFailure } from '../schema';
import { checkMountPath } from '../model/mountpath';

export interface VolumeRuleOptions {
  /**
   * The trees a mountPath must be in: the composer's configured roots (default the production
   * list of provider/model/mountpath.ts); `null` where they are not known (the providers' checks).
   */
  mountRoots?: readonly string[] | null;
}

/** Volume rules that need no state. `v` has defaults applied. */
export function volumeRules(v: Record<string, unknown>, opts: VolumeRuleOptions = {}): FieldFailure[] {
  const out: FieldFailure[] = [];
  if (v.rpm !== undefined && v.type !== 'hdd') out.push({ field: 'rpm', reason: `only applies to type hdd, not ${String(v.type)}` });
  if (v.type === 'slice' && v.redundancy === true)
    out.push({ field: 'redundancy', reason: 'slice volumes are single extents and cannot be mirrored; use type ssd' });
  if (v.keyPolicy !== undefined && v.encrypt !== true)
    out.push({ field: 'keyPolicy', reason: 'is only used by encrypted volumes: set encrypt = true or drop keyPolicy' });
  if (v.mountPath !== undefined && v.server === undefined)
    out.push({ field: 'mountPath', reason: 'needs server: a volume is mounted on the server it is staged on' });
  const min = v.minVolumeSize as number | undefined;
  const max = v.maxVolumeSize as number | undefined;
  if (min !== undefined && max !== undefined && min > max)
    out.push({ field: 'minVolumeSize', reason: `must be <= maxVolumeSize (${min} > ${max})` });
  const size = v.sizeGiB as number | undefined;
  if (max !== undefined && size !== undefined && size > max)
    out.push({ field: 'sizeGiB', reason: `must be <= maxVolumeSize (${size} > ${max})` });
  if (typeof v.mountPath === 'string') {
    const why = checkMountPath(v.mountPath, { roots: opts.mountRoots });
    if (why) out.push({ field: 'mountPath', reason: why });
    if (v.fsType === 'none') out.push({ field: 'mountPath', reason: 'a raw block volume (fsType none) cannot be mounted' });
  }
  tagOverlap(v, out);
  return out;
}

export function sliceRules(v: Record<string, unknown>): FieldFailure[] {
  const out: FieldFailure[] = [];
  tagOverlap(v, out);
  return out;
}

function tagOverlap(v: Record<string, unknown>, out: FieldFailure[]): void {
  const req = (v.requiredTags as string[] | undefined) ?? [];
  const exc = new Set((v.excludedTags as string[] | undefined) ?? []);
  req.forEach((t, i) => {
    if (exc.has(t)) out.push({ field: `requiredTags[${i}]`, reason: `tag ${t} is also in excludedTags` });
  });
}

export function keyPolicyRules(v: Record<string, unknown>, mode: 'create' | 'update'): FieldFailure[] {
  const out: FieldFailure[] = [];
  if (mode === 'create' && v.secret === undefined && v.secretWo === undefined)
    out.push({ field: 'secret', reason: 'is required (or secretWo with secretWoVersion)' });
  if (v.secret !== undefined && v.secretWo !== undefined) out.push({ field: 'secretWo', reason: 'give either secret or secretWo, not both' });
  if (v.secretWo !== undefined && v.secretWoVersion === undefined)
    out.push({ field: 'secretWoVersion', reason: 'is required with secretWo (bump it to rotate)' });
  return out;
}
