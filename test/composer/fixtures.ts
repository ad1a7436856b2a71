// Shared fixtures for composer tests: a small real inventory, tokens of every role, a temp
// SQLite store file, and a tiny HTTP client on fetch.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Inventory } from '../../provider/model/inventory';
import type { TokenEntry } from '../../provider/composer/auth';
import { RunningComposer, startComposer, StartComposerOptions } from '../../provider/composer';

export function smallInventory(): Inventory {
  const drives = (enc: string, type: 'hdd' | 'ssd', n: number, sizeGiB: number) =>
    Array.from({ length: n }, (_, i) => ({ serial: `${enc}-${type}-${i}`, type, sizeGiB, ...(type === 'hdd' ? { rpm: 7200 } : {}), tags: type === 'ssd' ? ['nvme'] : ['sas'] }));
  const enclosure = (name: string, bd: string) => ({
    name,
    transports: ['nvmetcp', 'iscsi'] as ('nvmetcp' | 'iscsi')[],
    portal: `10.0.0.${name.length}:4420`,
    uplinkGbps: 100,
    bandwidthDomain: bd,
    drives: [...drives(name, 'hdd', 4, 1000), ...drives(name, 'ssd', 4, 800)],
  });
  return {
    bandwidthDomains: [{ name: 'bd-a' }],
    storageGroups: [
      { name: 'sg-a', enclosures: [enclosure('enc-a1', 'bd-a'), enclosure('enc-a2', 'bd-a')] },
      { name: 'sg-b', enclosures: [enclosure('enc-b1', 'bd-a'), enclosure('enc-b2', 'bd-a')] },
    ],
    servers: ['k1', 'k2', 'k3', 'k4'].map((name) => ({ name, transports: ['nvmetcp', 'iscsi'] as ('nvmetcp' | 'iscsi')[], nicGbps: 25, bandwidthDomain: 'bd-a', tags: [] })),
  };
}

export const TOKENS: TokenEntry[] = [
  { name: 'root', token: 'admin-token-0123456789abcdef', role: 'admin' },
  { name: 'ops', token: 'operator-token-0123456789abcdef', role: 'operator' },
  { name: 'viewer', token: 'reader-token-0123456789abcdef', role: 'reader' },
  { name: 'agent-k1', token: 'agent-k1-token-0123456789abcdef', role: 'agent', server: 'k1' },
  { name: 'agent-k2', token: 'agent-k2-token-0123456789abcdef', role: 'agent', server: 'k2' },
];
export const tok = (name: string) => TOKENS.find((t) => t.name === name)!.token;

export function tempDir(prefix = 'tessera-composer-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const MASTER_KEY = crypto.randomBytes(32);

export interface Captured {
  lines: string[];
  sink: (line: string) => void;
}
export function captureLogs(): Captured {
  const lines: string[] = [];
  return { lines, sink: (l) => lines.push(l) };
}

export async function startTest(extra: Partial<StartComposerOptions> = {}): Promise<{ composer: RunningComposer; dir: string; logs: Captured; dbFile: string }> {
  const dir = tempDir();
  const dbFile = path.join(dir, 'tessera.db');
  const logs = captureLogs();
  const composer = await startComposer({
    store: `sqlite:${dbFile}`,
    tokens: TOKENS,
    inventory: smallInventory(),
    masterKey: MASTER_KEY,
    log: logs.sink,
    debug: true,
    // One in-process composer: jest compiling TypeScript in this process can stall the event loop
    // for seconds, and a short leadership lease would flap; failover is tested elsewhere.
    leaseTtlSeconds: 30,
    ...extra,
  });
  return { composer, dir, logs, dbFile };
}

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

export function client(base: string, token?: string) {
  const call = async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const h: Record<string, string> = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const r = await fetch(base + p, { method, headers: h, body: payload });
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (metrics)
    }
    return { status: r.status, body: parsed, headers: r.headers };
  };
  return {
    get: (p: string) => call('GET', p),
    post: (p: string, b?: unknown) => call('POST', p, b),
    put: (p: string, b?: unknown) => call('PUT', p, b),
    patch: (p: string, b?: unknown) => call('PATCH', p, b),
    del: (p: string) => call('DELETE', p),
    raw: call,
  };
}
