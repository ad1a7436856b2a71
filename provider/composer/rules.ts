// Cross-field rules schema.json cannot express, checked after per-field validation. Each failure
// names the field and the reason; lookups against the composer's state happen in the service.
import type { FieldFailure, KeyPolicyAttribute, VolumeAttribute } from '../schema';
import { checkMountPath } from '../model/mountpath';

/** A failure of a volume's (or slice's) attribute: the compiler checks the name against schema.json. */
const volumeFailure = (field: VolumeAttribute, reason: string): FieldFailure => ({ field, reason });
/** A failure of a key policy's attribute, likewise. */
const keyPolicyFailure = (field: KeyPolicyAttribute, reason: string): FieldFailure => ({ field, reason });

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
  if (v.rpm !== undefined && v.type !== 'hdd') out.push(volumeFailure('rpm', `only applies to type hdd, not ${String(v.type)}`));
  if (v.type === 'slice' && v.redundancy === true)
    out.push(volumeFailure('redundancy', 'slice volumes are single extents and cannot be mirrored; use type ssd'));
  if (v.keyPolicy !== undefined && v.encrypt !== true)
    out.push(volumeFailure('keyPolicy', 'is only used by encrypted volumes: set encrypt = true or drop keyPolicy'));
  if (v.mountPath !== undefined && v.server === undefined)
    out.push(volumeFailure('mountPath', 'needs server: a volume is mounted on the server it is staged on'));
  const min = v.minVolumeSize as number | undefined;
  const max = v.maxVolumeSize as number | undefined;
  if (min !== undefined && max !== undefined && min > max)
    out.push(volumeFailure('minVolumeSize', `must be <= maxVolumeSize (${min} > ${max})`));
  const size = v.sizeGiB as number | undefined;
  if (max !== undefined && size !== undefined && size > max)
    out.push(volumeFailure('sizeGiB', `must be <= maxVolumeSize (${size} > ${max})`));
  if (typeof v.mountPath === 'string') {
    const why = checkMountPath(v.mountPath, { roots: opts.mountRoots });
    if (why) out.push(volumeFailure('mountPath', why));
    if (v.fsType === 'none') out.push(volumeFailure('mountPath', 'a raw block volume (fsType none) cannot be mounted'));
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
    out.push(keyPolicyFailure('secret', 'is required (or secretWo with secretWoVersion)'));
  if (v.secret !== undefined && v.secretWo !== undefined) out.push(keyPolicyFailure('secretWo', 'give either secret or secretWo, not both'));
  if (v.secretWo !== undefined && v.secretWoVersion === undefined)
    out.push(keyPolicyFailure('secretWoVersion', 'is required with secretWo (bump it to rotate)'));
  return out;
}
