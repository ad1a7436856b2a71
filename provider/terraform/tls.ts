// AutoMTLS, the plugin side: a fresh self-signed server certificate per process (the client
// pins it from the handshake line) and the client's certificate (PLUGIN_CLIENT_CERT) as the only
// trusted CA for client authentication.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface ServerCertificate {
  certPem: string;
  keyPem: string;
  /** DER bytes of the certificate, base64 without padding: the handshake line's last field. */
  handshakeCert: string;
}

/** A self-signed certificate for "localhost" (the name go-plugin's client verifies). */
export function makeServerCertificate(now = new Date()): ServerCertificate {
  // The RSA key is made by Node's native crypto (fast); forge signs the certificate.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const pubPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(pubPem);
  // A positive serial: high bit clear.
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(now.getTime() - 30_000);
  cert.validity.notAfter = new Date(now.getTime() + 30 * 24 * 3600 * 1000);
  const subject = [
    { name: 'organizationName', value: 'Tessera' },
    { name: 'commonName', value: 'localhost' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes();
  const handshakeCert = Buffer.from(der, 'binary').toString('base64').replace(/=+$/, '');
  return { certPem: forge.pki.certificateToPem(cert), keyPem, handshakeCert };
}
