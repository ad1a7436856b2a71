// Composer test fixtures over the one harness (test/helpers/composer.ts): its default inventory
// and tokens, a fixed master key, captured logs, and a tiny HTTP client on fetch.
import * as crypto from 'node:crypto';
import type { TokenEntry } from '../../provider/composer/auth';
import type { RunningComposer, StartComposerOptions } from '../../provider/composer';
import { smallInventory, startTestComposer, tempDir, testTokens } from '../helpers/composer';

export { smallInventory, tempDir };

/** The harness's default token set over the default inventory (test/helpers/composer.ts). */
export const TOKENS: TokenEntry[] = testTokens(smallInventory().servers.map((s) => s.name));
export const tok = (name: string) => TOKENS.find((t) => t.name === name)!.token;

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
  const logs = captureLogs();
  const { composer, dir, dbFile } = await startTestComposer({ dir: tempDir(), tokens: TOKENS, masterKey: MASTER_KEY, log: logs.sink, debug: true, ...extra });
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
