// The API token a client command presents: --token-file FILE, else TESSERA_TOKEN (docs/cli.md).
// One place for every command that talks to the composer (client commands, the CSI plugins).
import * as fs from 'node:fs';
import { type ParsedArgs, UsageError, flagString } from './framework';

export function tokenFrom(args: ParsedArgs): string {
  const tokenFile = flagString(args, 'token-file');
  let token = process.env.TESSERA_TOKEN;
  if (tokenFile) {
    try {
      token = fs.readFileSync(tokenFile, 'utf8').trim();
    } catch (e) {
      throw new UsageError(`--token-file ${tokenFile}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
  }
  if (!token) throw new UsageError('no token: give --token-file FILE or set TESSERA_TOKEN');
  return token;
}
