// AutoMTLS, the plugin side: a fresh self-signed server certificate per process (the client
// pins it from the handshake line) and the client's certificate (PLUGIN_CLIENT_CERT) as the only
// trusted CA for client authentication.
//
// The key is ECDSA P-256 and the certificate is encoded here (DER, RFC 5280) and signed by Node's
// native crypto: Terraform starts the provider several times per command, and an RSA-2048 key
// signed by node-forge's JavaScript big integers cost about 240 ms of CPU per start
// (bench/RESULTS-iac.md "Profile"); this costs about 1 ms. go-plugin makes its own with ECDSA too.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';

export interface ServerCertificate {
  certPem: string;
  keyPem: string;
  /** DER bytes of the certificate, base64 without padding: the handshake line's last field. */
  handshakeCert: string;
}

// --- the few DER encodings a certificate needs (X.690) ---
function der(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => der(0x31, Buffer.concat(items));
const explicit = (n: number, inner: Buffer) => der(0xa0 + n, inner);
const octets = (b: Buffer) => der(0x04, b);
const bits = (b: Buffer, unused = 0) => der(0x03, Buffer.concat([Buffer.from([unused]), b]));
const bool = (v: boolean) => der(0x01, Buffer.from([v ? 0xff : 0]));
const utf8 = (s: string) => der(0x0c, Buffer.from(s, 'utf8'));
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const v of rest) {
    const chunk = [v & 0x7f];
    for (let x = v >>> 7; x > 0; x >>>= 7) chunk.unshift(0x80 | (x & 0x7f));
    out.push(...chunk);
  }
  return der(0x06, Buffer.from(out));
}
function integer(b: Buffer): Buffer {
  return der(0x02, b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}
/** UTCTime (YYMMDDHHMMSSZ), valid for years before 2050 (RFC 5280 4.1.2.5). */
function utcTime(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, '0');
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return der(0x17, Buffer.from(s, 'ascii'));
}
const extension = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

/** A self-signed certificate for "localhost" (the name go-plugin's client verifies). */
export function makeServerCertificate(now = new Date(), random: (n: number) => Buffer = randomBytes): ServerCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  // A positive serial in minimal DER: high bit clear, and never a leading zero byte, which DER
  // forbids before a byte below 0x80 (OpenSSL refuses it as "illegal padding", so 1 start in 256
  // died before its handshake).
  const serial = random(16);
  serial[0] = (serial[0] & 0x7f) | 0x40;
  const name = seq(set(seq(oid('2.5.4.10'), utf8('Tessera'))), set(seq(oid('2.5.4.3'), utf8('localhost'))));
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    ECDSA_SHA256,
    name,
    seq(utcTime(new Date(now.getTime() - 30_000)), utcTime(new Date(now.getTime() + 30 * 24 * 3600 * 1000))),
    name,
    spki,
    explicit(
      3,
      seq(
        extension('2.5.29.19', true, seq(bool(true))), // basicConstraints: CA (the client pins it as its root)
        extension('2.5.29.15', true, bits(Buffer.from([0x84]), 2)), // keyUsage: digitalSignature, keyCertSign
        extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2'))), // serverAuth, clientAuth
        extension('2.5.29.17', false, seq(der(0x82, Buffer.from('localhost', 'ascii')), der(0x87, Buffer.from([127, 0, 0, 1])))), // DNS, IP
      ),
    ),
  );
  const certDer = seq(tbs, ECDSA_SHA256, bits(sign('sha256', tbs, privateKey)));
  const b64 = certDer.toString('base64');
  const certPem = `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  return { certPem, keyPem, handshakeCert: b64.replace(/=+$/, '') };
}
