// StorageClass parameters -> the schema.json attributes of a Volume (docs/csi.md "Parameters").
// The parameter names are the seed's option names, which are schema.json's Volume attribute
// names; values arrive as strings (Kubernetes parameters are a map of strings) and are converted
// by the attribute's schema type, then validated by provider/schema's validateInput, so a bad
// value gets the same sentence the providers and the composer give, prefixed with the parameter.
import { createHash } from 'node:crypto';
import { resourceSpec, validateInput, type AttributeType, type VolumeAttribute } from '../schema';
import { invalid } from './errors';

const GiB = 1024 ** 3;

/** Parameters the volume attributes come from (the rest of schema.json's Volume inputs are the driver's). */
export const VOLUME_PARAMETERS: readonly VolumeAttribute[] = [
  'type', 'rpm', 'fsType', 'striping', 'redundancy', 'raidMaxDrives', 'sgResiliency', 'jbodResiliency', 'encrypt',
  'keyPolicy', 'maxVolumeSize', 'minVolumeSize', 'softDomains', 'requiredTags', 'excludedTags', 'storageGroup',
  'networkTransportsAllowed', 'reclaimPolicy',
];

/** Driver parameters: the logical cluster the volumes of this StorageClass go to. */
export const CLUSTER_PARAMETER: VolumeAttribute = 'cluster';
/** The attribute the requested capacity_range becomes. */
const SIZE: VolumeAttribute = 'sizeGiB';
/** Set by the external-provisioner with --extra-create-metadata. */
export const PVC_NAME = 'csi.storage.k8s.io/pvc/name';
export const PVC_NAMESPACE = 'csi.storage.k8s.io/pvc/namespace';
export const PV_NAME = 'csi.storage.k8s.io/pv/name';

export interface VolumeRequest {
  cluster: string;
  /** schema.json Volume inputs (no cluster, name, server). */
  attributes: Record<string, unknown>;
  /** The owner recorded on the volume: `k8s:<namespace>/<pvc>/<pv>`, or the driver's default. */
  owner: string;
}

function convert(param: string, type: AttributeType, raw: string): unknown {
  if (type === 'boolean') {
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw invalid(`parameter ${param}: must be true or false, got "${raw}"`);
  }
  if (type === 'integer') {
    if (!/^-?\d{1,16}$/.test(raw.trim())) throw invalid(`parameter ${param}: must be an integer, got "${raw}"`);
    return Number(raw.trim());
  }
  if (typeof type === 'object' && 'list' in type) {
    return raw.trim() === '' ? [] : raw.split(',').map((s) => s.trim());
  }
  return raw;
}

/**
 * The Volume attributes a CreateVolume asks for. `sizeGiB` comes from the capacity range,
 * `fsType` from the access type (block -> none). Unknown parameters are refused (a typo must not
 * silently give a default volume).
 */
export function volumeRequest(
  params: Record<string, string>,
  opts: { sizeGiB: number; block: boolean; defaultCluster?: string; defaultOwner: string },
): VolumeRequest {
  const spec = resourceSpec('tessera_volume');
  const attributes: Record<string, unknown> = {};
  let cluster = opts.defaultCluster;
  for (const [param, raw] of Object.entries(params)) {
    if (param === CLUSTER_PARAMETER) {
      cluster = raw;
      continue;
    }
    if (param === PVC_NAME || param === PVC_NAMESPACE || param === PV_NAME) continue;
    if (param.startsWith('csi.storage.k8s.io/')) continue; // other sidecar metadata (secrets' names)
    if (!(VOLUME_PARAMETERS as readonly string[]).includes(param)) {
      throw invalid(`parameter ${param}: unknown (known: ${[CLUSTER_PARAMETER, ...VOLUME_PARAMETERS].join(', ')})`);
    }
    attributes[param] = convert(param, spec.attributes[param].type, raw);
  }
  if (!cluster) throw invalid(`parameter ${CLUSTER_PARAMETER}: required (or start the controller with --cluster)`);
  if (opts.block) {
    if (attributes.fsType !== undefined && attributes.fsType !== 'none') {
      throw invalid(`parameter fsType: a raw block volume has no filesystem, got "${String(attributes.fsType)}"`);
    }
    attributes.fsType = 'none';
  } else if (attributes.fsType === 'none') {
    throw invalid('parameter fsType: "none" is a raw block volume; a mount access type needs ext4 or xfs');
  }
  attributes.sizeGiB = opts.sizeGiB;
  const { failures } = validateInput('tessera_volume', { cluster, name: 'x', ...attributes });
  if (failures.length > 0) {
    const f = failures[0];
    const name = f.field === SIZE ? 'capacity_range' : f.field;
    throw invalid(`parameter ${name}: ${f.reason}${failures.length > 1 ? ` (and ${failures.slice(1).map((x) => x.field).join(', ')})` : ''}`);
  }
  const ns = params[PVC_NAMESPACE];
  const pvc = params[PVC_NAME];
  const pv = params[PV_NAME];
  const owner = pvc && ns ? `k8s:${ns}/${pvc}${pv ? `/${pv}` : ''}` : opts.defaultOwner;
  return { cluster, attributes, owner };
}

/** Bytes of a capacity range -> GiB (rounded up, at least 1); limit_bytes below that is OUT_OF_RANGE (the caller's status). */
export function sizeFromRange(range: { required_bytes?: string; limit_bytes?: string } | null | undefined, defaultGiB = 1): { sizeGiB: number; limitBytes?: number } {
  const req = Number(range?.required_bytes ?? 0);
  const lim = Number(range?.limit_bytes ?? 0);
  const sizeGiB = Math.max(1, req > 0 ? Math.ceil(req / GiB) : defaultGiB);
  return { sizeGiB, limitBytes: lim > 0 ? lim : undefined };
}

/**
 * The composer name of a CSI volume name. A name that is a valid Volume name (lower-case letters,
 * digits, '-', at most 63) is kept, so `pvc-<uid>` shows as itself; any other gets a stable
 * digest, so the same CSI name always maps to the same volume (CreateVolume is idempotent by name).
 */
export function composerName(csiName: string): string {
  if (/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(csiName)) return csiName;
  return `csi-${createHash('sha256').update(csiName).digest('hex').slice(0, 40)}`;
}

export const GIB = GiB;
