// PEM files named on the command line (TLS certificates, keys, private CAs): read and checked
// up front, so a wrong path or content is a usage error naming the flag, not a TLS failure later.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { type ParsedArgs, UsageError, flagString } from './framework';

/** The file's PEM text; `source` (a flag or variable name) is named in the error. */
export function readPemFile(source: string, file: string, what: 'certificate' | 'private key'): string {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${source} ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  try {
    if (what === 'certificate') new crypto.X509Certificate(pem);
    else crypto.createPrivateKey(pem);
  } catch {
    throw new UsageError(`${source} ${file}: not a PEM ${what}`);
  }
  return pem;
}

/** The private CA to trust (as well as the system ones), from --ca-file or TESSERA_CA_FILE. */
export function caFrom(args: ParsedArgs): string | undefined {
  const flag = flagString(args, 'ca-file');
  const file = flag ?? process.env.TESSERA_CA_FILE;
  if (!file) return undefined;
  return readPemFile(flag !== undefined ? '--ca-file' : 'TESSERA_CA_FILE', file, 'certificate');
}

/** A client certificate from --cert-file and --key-file (both or neither). */
export function clientCertFrom(args: ParsedArgs): { cert?: string; key?: string } {
  const certFile = flagString(args, 'cert-file');
  const keyFile = flagString(args, 'key-file');
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('--cert-file and --key-file go together');
  if (certFile === undefined || keyFile === undefined) return {};
  return { cert: readPemFile('--cert-file', certFile, 'certificate'), key: readPemFile('--key-file', keyFile, 'private key') };
}
