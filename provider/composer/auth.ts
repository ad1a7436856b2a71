// Bearer-token authentication from a tokens file, and role checks. A token is looked up by its
// SHA-256 digest (a lookup's timing can only tell about the digest, which does not give the token
// back), confirmed with timingSafeEqual, and never logged; the cost does not grow with the number
// of tokens (one per agent: 10,000 servers are 10,000 entries, bench/RESULTS-agent.md); a token's
// `name` is its id in logs and the journal. Reader, operator and provisioner tokens may be scoped
// to clusters (by name or label): what a scope lets a caller see and change is ./callers.ts's
// (docs/api.md "Tokens and roles").
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { readPrivateFile } from '../keys/private-file';
import type { Logger } from './log';
import { HttpProblem, problems } from './problem';

export const ROLES = ['admin', 'provisioner', 'operator', 'reader', 'agent', 'enclosure'] as const;
export type Role = (typeof ROLES)[number];

/** Roles a tokens file may limit to clusters; admin, agent and enclosure tokens never are. */
export const SCOPABLE_ROLES: readonly Role[] = ['provisioner', 'operator', 'reader'];

/** The clusters a scoped token may see and change: those named, and those carrying one of the labels. */
export interface Scope {
  clusters: string[];
  clusterLabels: string[];
}

export interface TokenEntry {
  name: string;
  token: string;
  role: Role;
  /** agent tokens only: the one server the agent speaks for. */
  server?: string;
  /** enclosure tokens only: the one enclosure the enclosure service speaks for. */
  enclosure?: string;
  /** reader, operator and provisioner tokens: limited to these clusters (by name). */
  clusters?: string[];
  /** reader, operator and provisioner tokens: limited to clusters carrying one of these labels. */
  clusterLabels?: string[];
}

export interface Principal {
  /** The token's name: its id in logs and the journal (never the secret). */
  name: string;
  role: Role;
  server?: string;
  enclosure?: string;
  /** Absent: every cluster. */
  scope?: Scope;
}

export class TokensFileError extends Error {}

/**
 * Tokens file (YAML or JSON): either a list of entries or `{ tokens: [...] }`, each
 * `{ name, token, role: admin|provisioner|operator|reader|agent|enclosure, server?, enclosure?,
 * clusters?, clusterLabels? }` (server required for agents, enclosure for enclosure services;
 * clusters and clusterLabels only for reader, operator and provisioner tokens).
 */
export function parseTokens(text: string, where = 'tokens'): TokenEntry[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new TokensFileError(`${where}: not YAML/JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { tokens?: unknown })?.tokens;
  if (!Array.isArray(list)) throw new TokensFileError(`${where}: must be a list of tokens or an object with a "tokens" list`);
  const names = new Set<string>();
  const secrets = new Set<string>();
  return list.map((raw, i) => {
    const at = `${where}: tokens[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw new TokensFileError(`${at}: must be an object`);
    const e = raw as Record<string, unknown>;
    if (typeof e.name !== 'string' || e.name === '') throw new TokensFileError(`${at}.name: must be a non-empty string`);
    if (typeof e.token !== 'string' || e.token.length < 16)
      throw new TokensFileError(`${at}.token: must be a string of at least 16 characters`);
    if (!ROLES.includes(e.role as Role)) throw new TokensFileError(`${at}.role: must be one of ${ROLES.join(', ')}`);
    if (e.role === 'agent' && (typeof e.server !== 'string' || e.server === ''))
      throw new TokensFileError(`${at}.server: required for an agent token (the server it speaks for)`);
    if (e.role !== 'agent' && e.server !== undefined) throw new TokensFileError(`${at}.server: only agent tokens have a server`);
    if (e.role === 'enclosure' && (typeof e.enclosure !== 'string' || e.enclosure === ''))
      throw new TokensFileError(`${at}.enclosure: required for an enclosure token (the enclosure it speaks for)`);
    if (e.role !== 'enclosure' && e.enclosure !== undefined) throw new TokensFileError(`${at}.enclosure: only enclosure tokens have an enclosure`);
    const scope = scopeOf(e, at);
    if (names.has(e.name)) throw new TokensFileError(`${at}.name: duplicate name ${e.name}`);
    if (secrets.has(e.token)) throw new TokensFileError(`${at}.token: the same token is used twice`);
    names.add(e.name);
    secrets.add(e.token);
    return { name: e.name, token: e.token, role: e.role as Role, server: e.server as string | undefined, enclosure: e.enclosure as string | undefined, ...scope };
  });
}

/** A cluster name or label as a scope names it (cluster names and labels follow schema.json's pattern). */
const SCOPE_ITEM = /^[A-Za-z0-9][A-Za-z0-9._=-]{0,126}$/;

/** The `clusters` / `clusterLabels` of an entry: lists of names, only on scopable roles, not both empty. */
function scopeOf(e: Record<string, unknown>, at: string): Pick<TokenEntry, 'clusters' | 'clusterLabels'> {
  const out: Pick<TokenEntry, 'clusters' | 'clusterLabels'> = {};
  for (const field of ['clusters', 'clusterLabels'] as const) {
    const v = e[field];
    if (v === undefined) continue;
    if (!SCOPABLE_ROLES.includes(e.role as Role)) throw new TokensFileError(`${at}.${field}: only ${SCOPABLE_ROLES.join(', ')} tokens are limited to clusters (${String(e.role)} tokens never are)`);
    if (!Array.isArray(v) || v.length === 0) throw new TokensFileError(`${at}.${field}: must be a non-empty list of names`);
    v.forEach((item, i) => {
      if (typeof item !== 'string' || !SCOPE_ITEM.test(item)) throw new TokensFileError(`${at}.${field}[${i}]: must be ${field === 'clusters' ? 'a cluster name' : 'a cluster label'} (letters, digits, . _ = -; at most 127)`);
    });
    out[field] = [...new Set(v as string[])];
  }
  return out;
}

/** The scope of an entry, or undefined when it may see every cluster. */
export function scopeOfEntry(t: Pick<TokenEntry, 'clusters' | 'clusterLabels'>): Scope | undefined {
  if (!t.clusters && !t.clusterLabels) return undefined;
  return { clusters: t.clusters ?? [], clusterLabels: t.clusterLabels ?? [] };
}

export function loadTokensFile(file: string): TokenEntry[] {
  const text = readPrivateFile(file, 'tokens file', (message) => new TokensFileError(message)).toString('utf8');
  return parseTokens(text, `tokens file ${file}`);
}

const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();

export class Authenticator {
  private entries: { digest: Buffer; principal: Principal }[] = [];
  /** base64 of the digest -> the first entry with that token. */
  private byDigest = new Map<string, { digest: Buffer; principal: Principal }>();
  constructor(tokens: TokenEntry[]) {
    this.replace(tokens);
  }

  /** Swap the whole token set at once (a reload: docs/api.md "Rotating tokens"); requests in flight keep the principal they got. */
  replace(tokens: TokenEntry[]): void {
    this.entries = tokens.map((t) => ({
      digest: digest(t.token),
      principal: { name: t.name, role: t.role, server: t.server, enclosure: t.enclosure, scope: scopeOfEntry(t) },
    }));
    const byDigest = new Map<string, { digest: Buffer; principal: Principal }>();
    for (const e of this.entries) {
      const k = e.digest.toString('base64');
      if (!byDigest.has(k)) byDigest.set(k, e);
    }
    this.byDigest = byDigest;
  }

  /** The token ids (names) in force, for the reload log line. */
  ids(): string[] {
    return this.entries.map((e) => e.principal.name);
  }

  /** The principal for an Authorization header, or a 401 problem. */
  authenticate(header: string | undefined): Principal {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m) throw problems.unauthorized();
    const given = digest(m[1]);
    const e = this.byDigest.get(given.toString('base64'));
    if (!e || !crypto.timingSafeEqual(e.digest, given)) throw problems.unauthorized();
    return e.principal;
  }
}

/** What a request needs: the resource area and whether it writes. */
export type Access =
  | { area: 'inventory'; write: boolean }
  | { area: 'resources'; write: boolean }
  | { area: 'read' }
  | { area: 'agent'; server: string }
  | { area: 'enclosure'; enclosure: string };

export function authorize(p: Principal, access: Access): void {
  const deny = (why: string): HttpProblem => problems.forbidden(`${p.name} (role ${p.role}) ${why}`);
  switch (access.area) {
    case 'agent':
      if (p.role !== 'agent') throw deny('is not an agent token');
      if (p.server !== access.server) throw deny(`may only speak for server ${p.server}, not ${access.server}`);
      return;
    case 'enclosure':
      if (p.role !== 'enclosure') throw deny('is not an enclosure token');
      if (p.enclosure !== access.enclosure) throw deny(`may only speak for enclosure ${p.enclosure}, not ${access.enclosure}`);
      return;
    case 'inventory':
      // Enclosure services learn their portal from their assignments; the inventory is not theirs to read.
      if (p.role === 'enclosure') throw deny('cannot read the inventory');
      if (access.write && p.role !== 'admin') throw deny('cannot change the inventory (admin only)');
      if (!access.write && p.role === 'agent') return; // agents read portals from the inventory
      if (!access.write) return;
      return;
    case 'resources':
      // Scoped tokens pass here; which clusters' objects they see and change is ./callers.ts's.
      if (p.role === 'agent' || p.role === 'enclosure') throw deny('cannot use the resource API');
      if (access.write && p.role === 'reader') throw deny('is read-only');
      return;
    case 'read':
      if (p.role === 'agent' || p.role === 'enclosure') throw deny('cannot use this endpoint');
      return;
  }
}

/**
 * Rotating tokens without a restart (docs/api.md "Rotating tokens"): the tokens file is read again
 * on SIGHUP and when it changes (polled every `intervalMs`, so an editor's rename-over counts too).
 * A file that no longer parses (or is readable by others) is logged and the tokens in force are
 * kept; a good one replaces them all at once. Logs name token ids, never secrets. Returns
 * `reload` (what SIGHUP runs) and `stop`.
 */
export function watchTokensFile(file: string, auth: Authenticator, log: Logger, intervalMs = 1000): { reload: (why: string) => boolean; stop: () => void } {
  const reload = (why: string): boolean => {
    let tokens: TokenEntry[];
    try {
      tokens = loadTokensFile(file);
    } catch (e) {
      log.error('tokens file not reloaded; the tokens in force are kept', { file, why, error: (e as Error).message });
      return false;
    }
    const before = new Set(auth.ids());
    auth.replace(tokens);
    const after = auth.ids();
    log.info('tokens reloaded', { file, why, tokens: after.length, added: after.filter((n) => !before.has(n)), removed: [...before].filter((n) => !after.includes(n)) });
    return true;
  };
  const onHup = () => void reload('SIGHUP');
  // Compared with the file as it was when the tokens in force were read (taken now, in step with
  // the load at start): fs.watchFile's first stat is asynchronous, so a change made before it
  // would become its baseline and never be noticed.
  const stamp = (): string => {
    try {
      const st = fs.statSync(file);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return 'absent';
    }
  };
  let seen = stamp();
  const poll = setInterval(() => {
    const now = stamp();
    if (now === seen) return;
    seen = now;
    reload('file changed');
  }, intervalMs);
  poll.unref();
  process.on('SIGHUP', onHup);
  return {
    reload,
    stop: () => {
      process.off('SIGHUP', onHup);
      clearInterval(poll);
    },
  };
}
