// Cross-field rules schema.json cannot express (one attribute's validity depending on another).
// Pure functions over inputs with defaults applied; the composer may run them too so the same
// bad input gets the same message everywhere.
import type { FieldFailure } from '../schema';
import type { Props } from './types';

type Rule = (v: Props, known: (field: string) => boolean) => FieldFailure[];

const volumeRules: Rule = (v, known) => {
  const out: FieldFailure[] = [];
  if (known('rpm') && v.rpm !== undefined && known('type') && v.type !== 'hdd')
    out.push({ field: 'rpm', reason: `only applies to hdd volumes, type is ${v.type}` });
  if (known('redundancy') && known('type') && v.type === 'slice' && v.redundancy === true)
    out.push({ field: 'redundancy', reason: 'slice volumes are single extents and cannot be mirrored; use type ssd' });
  if (
    known('minVolumeSize') && known('maxVolumeSize') &&
    typeof v.minVolumeSize === 'number' && typeof v.maxVolumeSize === 'number' && v.minVolumeSize > v.maxVolumeSize
  )
    out.push({ field: 'minVolumeSize', reason: `must be <= maxVolumeSize (${v.maxVolumeSize}), got ${v.minVolumeSize}` });
  if (known('keyPolicy') && known('encrypt') && v.keyPolicy !== undefined && v.encrypt !== true)
    out.push({ field: 'keyPolicy', reason: 'is only used by encrypted volumes: set encrypt = true or drop keyPolicy' });
  if (known('mountPath') && known('server') && v.mountPath !== undefined && v.server === undefined)
    out.push({ field: 'mountPath', reason: 'needs server: a volume is mounted on the server it is staged on' });
  if (known('mountPath') && known('fsType') && v.mountPath !== undefined && v.fsType === 'none')
    out.push({ field: 'mountPath', reason: 'a raw block volume (fsType none) has no filesystem to mount' });
  if (known('mountPath') && typeof v.mountPath === 'string' && /(^|\/)\.\.?(\/|$)/.test(v.mountPath))
    out.push({ field: 'mountPath', reason: `must be a normalised absolute path without . or .. segments, got ${JSON.stringify(v.mountPath)}` });
  return out;
};

const keyPolicyRules: Rule = (v, known) => {
  const out: FieldFailure[] = [];
  const hasSecret = v.secret !== undefined || !known('secret');
  const hasWo = v.secretWo !== undefined || !known('secretWo');
  if (!hasSecret && !hasWo) out.push({ field: 'secret', reason: 'is required (or give secretWo with secretWoVersion)' });
  if (known('secret') && known('secretWo') && v.secret !== undefined && v.secretWo !== undefined)
    out.push({ field: 'secretWo', reason: 'give either secret or secretWo, not both' });
  if (known('secretWo') && known('secretWoVersion') && v.secretWo !== undefined && v.secretWoVersion === undefined)
    out.push({ field: 'secretWoVersion', reason: 'is required with secretWo (bump it to rotate the secret)' });
  return out;
};

const RULES: Record<string, Rule> = {
  tessera_volume: volumeRules,
  tessera_key_policy: keyPolicyRules,
};

/** Cross-field failures for a resource's inputs. Fields listed in `unknown` are skipped. */
export function crossFieldFailures(type: string, inputs: Props, unknown: string[] = []): FieldFailure[] {
  const rule = RULES[type];
  if (!rule) return [];
  return rule(inputs, (f) => !unknown.includes(f));
}
