import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deriveVolumeKey, fingerprint, generateMasterKeyHex, loadMasterKey, seal, unseal } from '../../provider/keys/crypto';

const master = Buffer.from(generateMasterKeyHex(), 'hex');
const secret = 'correct horse battery staple';

describe('key material', () => {
  it('seals and unseals; the sealed text does not contain the secret', () => {
    const sealed = seal(master, secret, 'kp-1');
    expect(sealed).not.toContain(secret);
    expect(sealed).not.toContain(Buffer.from(secret).toString('base64'));
    expect(unseal(master, sealed, 'kp-1')).toBe(secret);
    expect(seal(master, secret, 'kp-1')).not.toBe(sealed); // fresh IV each time
  });

  it('refuses another owner, another master key, or a tampered value', () => {
    const sealed = seal(master, secret, 'kp-1');
    expect(() => unseal(master, sealed, 'kp-2')).toThrow(/cannot unseal/);
    expect(() => unseal(crypto.randomBytes(32), sealed, 'kp-1')).toThrow(/cannot unseal/);
    const raw = Buffer.from(sealed.slice('sealed:v1:'.length), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => unseal(master, 'sealed:v1:' + raw.toString('base64'), 'kp-1')).toThrow(/cannot unseal/);
  });

  it('derives drive keys with HKDF-SHA256(secret, salt=volume id, info=policy+version)', () => {
    const k = deriveVolumeKey({ secret, volumeId: 'vol-1', policyId: 'kp-1', version: 1, keySizeBits: 512 });
    expect(k.length).toBe(64);
    const expected = Buffer.from(crypto.hkdfSync('sha256', Buffer.from(secret), Buffer.from('vol-1'), 'tessera:volume-key:kp-1:v1', 64));
    expect(k.equals(expected)).toBe(true);
    expect(k.equals(deriveVolumeKey({ secret, volumeId: 'vol-2', policyId: 'kp-1', version: 1, keySizeBits: 512 }))).toBe(false);
    expect(k.equals(deriveVolumeKey({ secret, volumeId: 'vol-1', policyId: 'kp-1', version: 2, keySizeBits: 512 }))).toBe(false);
    expect(() => deriveVolumeKey({ secret, volumeId: 'v', policyId: 'p', version: 1, keySizeBits: 7 })).toThrow(/keySizeBits/);
  });

  it('fingerprints identify a secret without revealing it', () => {
    const f = fingerprint(master, secret);
    expect(f).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(fingerprint(master, secret)).toBe(f);
    expect(fingerprint(master, secret + '!')).not.toBe(f);
    expect(fingerprint(crypto.randomBytes(32), secret)).not.toBe(f);
  });

  it('loads master keys from a file or the environment and explains bad ones', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mk-'));
    const file = path.join(dir, 'master.key');
    fs.writeFileSync(file, master.toString('hex') + '\n', { mode: 0o600 });
    expect(loadMasterKey({ file }).equals(master)).toBe(true);
    process.env.TESSERA_TEST_MK = master.toString('base64');
    expect(loadMasterKey({ env: 'TESSERA_TEST_MK' }).equals(master)).toBe(true);
    fs.writeFileSync(file, 'too short');
    expect(() => loadMasterKey({ file })).toThrow(/must be 32 bytes/);
    expect(() => loadMasterKey({ file: path.join(dir, 'absent') })).toThrow(/ENOENT/);
    fs.chmodSync(file, 0o644);
    expect(() => loadMasterKey({ file })).toThrow(`master key file ${file}: mode 0644 lets group or others read it; restrict it with \`chmod 600 ${file}\``);
    expect(() => loadMasterKey({ env: 'TESSERA_TEST_MK_UNSET' })).toThrow(/is not set/);
    expect(() => loadMasterKey({})).toThrow(/no master key/);
  });
});
