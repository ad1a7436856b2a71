// Volume capabilities the driver serves: one node at a time (a volume is assigned to one server,
// docs/csi.md "Access modes"), mount (ext4/xfs) or raw block.
export interface VolumeCapability {
  block?: Record<string, never> | null;
  mount?: { fs_type: string; mount_flags: string[]; volume_mount_group?: string } | null;
  access_type?: 'block' | 'mount';
  access_mode?: { mode: string } | null;
}

const SINGLE_NODE = new Set(['SINGLE_NODE_WRITER', 'SINGLE_NODE_READER_ONLY', 'SINGLE_NODE_SINGLE_WRITER', 'SINGLE_NODE_MULTI_WRITER']);
const FS_TYPES = new Set(['', 'ext4', 'xfs']);

/** Why this capability cannot be served, or undefined. */
export function capabilityProblem(cap: VolumeCapability): string | undefined {
  if (!cap.access_type) return 'access_type (block or mount) is required';
  if (!cap.access_mode) return 'access_mode is required';
  if (!SINGLE_NODE.has(cap.access_mode.mode)) return `access mode ${cap.access_mode.mode} is not supported: a volume is attached to one server at a time`;
  if (cap.access_type === 'mount' && !FS_TYPES.has(cap.mount?.fs_type ?? '')) return `fs_type ${cap.mount?.fs_type}: must be ext4 or xfs`;
  return undefined;
}
