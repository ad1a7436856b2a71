// Key material for encrypted volumes (docs/api.md, "Key policies"). Only Node's crypto:
// AES-256-GCM to seal customer secrets at rest, HKDF-SHA256 to derive per-volume drive keys,
// HMAC-SHA256 for fingerprints. Nothing here logs or stringifies key material.
import * as crypto from 'node:crypto';
import { readPrivateFile } from './private-file';

const SEAL_PREFIX = 'sealed:v1:';
const MASTER_KEY_BYTES = 32;

export class KeyMaterialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyMaterialError';
  }
}

/** Decode a 32-byte master key given as 64 hex chars, base64, or 32 raw bytes. */
function decodeMasterKey(raw: Buffer, where: string): Buffer {
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(text)) {
    const b = Buffer.from(text, 'base64');
    if (b.length === MASTER_KEY_BYTES) return b;
  }
  if (raw.length === MASTER_KEY_BYTES) return Buffer.from(raw);
  throw new KeyMaterialError(
    `${where}: master key must be 32 bytes, given as 64 hex characters or base64 (e.g. \`openssl rand -hex 32\`)`,
  );
}

/** Load the master key from a file (preferred) or an environment variable. */
export function loadMasterKey(source: { file?: string; env?: string }): Buffer {
  if (source.file) {
    const raw = readPrivateFile(source.file, 'master key file', (message) => new KeyMaterialError(message));
    return decodeMasterKey(raw, `master key file ${source.file}`);
  }
  if (source.env) {
    const v = process.env[source.env];
    if (!v) throw new KeyMaterialError(`environment variable ${source.env} (master key) is not set`);
    return decodeMasterKey(Buffer.from(v, 'utf8'), `environment variable ${source.env}`);
  }
  throw new KeyMaterialError('no master key: give a master key file or the name of an environment variable');
}

/** A fresh random master key, hex encoded (for demos and tests). */
export function generateMasterKeyHex(): string {
  return crypto.randomBytes(MASTER_KEY_BYTES).toString('hex');
}

function subkey(masterKey: Buffer, purpose: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', masterKey, Buffer.alloc(0), `tessera:${purpose}`, 32));
}

/**
 * Seal `plaintext` with AES-256-GCM under a subkey of the master key. `aad` binds the sealed
 * value to its owner (e.g. the policy id), so a sealed secret cannot be moved to another object.
 */
export function seal(masterKey: Buffer, plaintext: string, aad: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', subkey(masterKey, 'seal'), iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return SEAL_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
}

export function isSealed(value: string): boolean {
  return value.startsWith(SEAL_PREFIX);
}

export function unseal(masterKey: Buffer, sealed: string, aad: string): string {
  if (!isSealed(sealed)) throw new KeyMaterialError('value is not sealed');
  const buf = Buffer.from(sealed.slice(SEAL_PREFIX.length), 'base64');
  if (buf.length < 28) throw new KeyMaterialError('sealed value is truncated');
  const decipher = crypto.createDecipheriv('aes-256-gcm', subkey(masterKey, 'seal'), buf.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(buf.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    throw new KeyMaterialError('cannot unseal: wrong master key or tampered value');
  }
}

/** A keyed hash that identifies a secret without revealing it (stable for one master key). */
export function fingerprint(masterKey: Buffer, secret: string): string {
  const mac = crypto.createHmac('sha256', subkey(masterKey, 'fingerprint')).update(secret, 'utf8').digest('hex');
  return `sha256:${mac.slice(0, 32)}`;
}

export interface VolumeKeyInput {
  secret: string;
  volumeId: string;
  policyId: string;
  version: number;
  keySizeBits: number;
}

/**
 * The per-volume drive key: HKDF-SHA256 over the customer secret, salt = volume id,
 * info = policy id + version. Derived on demand, never stored.
 */
export function deriveVolumeKey(input: VolumeKeyInput): Buffer {
  if (input.keySizeBits % 8 !== 0 || input.keySizeBits < 128 || input.keySizeBits > 1024) {
    throw new KeyMaterialError(`keySizeBits: must be a multiple of 8 between 128 and 1024, got ${input.keySizeBits}`);
  }
  const info = `tessera:volume-key:${input.policyId}:v${input.version}`;
  return Buffer.from(crypto.hkdfSync('sha256', Buffer.from(input.secret, 'utf8'), Buffer.from(input.volumeId, 'utf8'), info, input.keySizeBits / 8));
}
