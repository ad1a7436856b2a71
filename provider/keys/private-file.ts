// Reading a file that holds secrets (the master key, the composer's tokens): refused when the
// group or others may read it, since anyone who can read it can unseal key policies or act as
// any token's principal. See docs/api.md "Starting it".
import * as fs from 'node:fs';

/** Permission bits that let someone other than the owner at the file. */
const GROUP_OR_OTHERS = 0o077;

/**
 * The contents of `file`, described as `what` in errors (e.g. "tokens file"). The mode is checked
 * on the opened descriptor, so the file checked is the file read.
 */
export function readPrivateFile(file: string, what: string, makeError: (message: string) => Error): Buffer {
  const unreadable = (e: unknown) => makeError(`${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw unreadable(e);
  }
  let mode: number;
  let data: Buffer;
  try {
    mode = fs.fstatSync(fd).mode & 0o777;
    data = fs.readFileSync(fd);
  } catch (e) {
    throw unreadable(e);
  } finally {
    fs.closeSync(fd);
  }
  if ((mode & GROUP_OR_OTHERS) !== 0)
    throw makeError(`${what} ${file}: mode ${mode.toString(8).padStart(4, '0')} lets group or others read it; restrict it with \`chmod 600 ${file}\``);
  return data;
}
