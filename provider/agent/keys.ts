// Where LUKS keys come from: the composer's key endpoint (only for volumes assigned to this
// server). Keys are Buffers handed straight to a command's stdin and zeroed afterwards.
export interface VolumeKeyMaterial {
  version: number;
  cipher: string;
  keySizeBits: number;
  key: Buffer;
}

export interface KeySource {
  /** The volume's key; `version` absent = the current one. Throws when the composer refuses. */
  get(volumeId: string, version?: number): Promise<VolumeKeyMaterial>;
}

export function wipe(k: VolumeKeyMaterial | undefined): void {
  k?.key.fill(0);
}
