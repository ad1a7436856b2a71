// Shared pieces of the chaos bench: composer child processes (the real CLI, through the test
// harness test/helpers/composer.ts), a small HTTP client, percentiles, and the invariant checks
// every scenario runs against what the composer answers.
import * as path from 'node:path';
import { AllocationEngine } from '../../provider/engine';
import type { Inventory } from '../../provider/model/inventory';
import type { Placement } from '../../provider/model/placement';
import { overlappingExtents } from '../../test/composer/invariants';
import { ADMIN_TOKEN, type ComposerChild, kill9, spawnComposer, tempDir, waitLeader, writeComposerFiles } from '../../test/helpers/composer';

export const ROOT = path.resolve(__dirname, '../..');

export interface ChaosResult {
  figures: Record<string, unknown>;
  violations: string[];
}
export interface ChaosOptions {
  short: boolean;
  log: (line: string) => void;
}

export { ADMIN_TOKEN, kill9, waitLeader };
export type Child = ComposerChild;

/** A directory with the harness's tokens file, a master key and `inventory`, all 0600. */
export function chaosDir(prefix: string, inventory: Inventory): string {
  const dir = tempDir(prefix);
  writeComposerFiles(dir, { inventory, masterKey: true });
  return dir;
}

/** `tessera composer start` on `store` with the files of chaosDir, keys allowed over plain HTTP on 127.0.0.1. */
export function startComposerChild(dir: string, store: string, extra: string[] = []): Promise<Child> {
  return spawnComposer(dir, { store, insecureDev: true, args: extra });
}

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** One HTTP call; a transport failure is status 0 (the request's outcome is unknown). */
export async function call(base: string, method: string, p: string, body?: unknown, timeoutMs = 10_000): Promise<Reply> {
  try {
    const r = await fetch(base + p, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: r.status, body: parsed };
  } catch {
    return { status: 0, body: undefined };
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** Every list page of a resource kind. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function listAll(url: string, kind: string): Promise<any[]> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const out: any[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const r = await call(url, 'GET', `/v1/${kind}${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (r.status !== 200) throw new Error(`GET /v1/${kind}: ${r.status} ${JSON.stringify(r.body)}`);
    out.push(...r.body.items);
    cursor = r.body.nextCursor;
    if (!cursor) return out;
  }
  return out;
}

/**
 * The invariants after recovery, from the composer's own answers: no extent given out twice,
 * free capacity equal to what the allocations imply (a fresh engine over the same inventory with
 * every listed placement restored answers the same capacity), every journal entry audited
 * (checkAudit), no operation left pending.
 */
export async function checkPool(url: string, inventory: Inventory, violations: string[], where: string): Promise<{ volumes: number; pendingWaitMs: number; audited: number }> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const objects: [string, any][] = [];
  for (const kind of ['volumes', 'slices']) for (const o of await listAll(url, kind)) objects.push([kind, o]);
  const placements: [string, Placement][] = objects.map(([kind, o]) => [
    o.id,
    { type: kind === 'slices' ? 'slice' : o.type, raidLevel: o.raidLevel ?? 'none', transport: o.transport, capacityGiB: o.capacityGiB, members: o.members },
  ]);
  for (const o of overlappingExtents(placements)) violations.push(`${where}: extent allocated twice: ${o}`);
  const engine = new AllocationEngine(inventory);
  for (const [id, p] of placements) {
    try {
      engine.restore(id, p);
    } catch (e) {
      violations.push(`${where}: placement of ${id} cannot be restored: ${(e as Error).message}`);
    }
  }
  for (const type of ['hdd', 'ssd', 'slice'] as const) {
    const q = `type=${type}&sgResiliency=false&jbodResiliency=false&softDomains=true`;
    const r = await call(url, 'GET', `/v1/capacity?${q}`);
    const implied = engine.capacity({ type, sgResiliency: false, jbodResiliency: false, softDomains: true } as never);
    if (r.status !== 200 || r.body.availableGiB !== implied.availableGiB || r.body.maximumVolumeSizeGiB !== implied.maximumVolumeSizeGiB)
      violations.push(
        `${where}: ${type} capacity ${r.body?.availableGiB} GiB (largest ${r.body?.maximumVolumeSizeGiB}) != ${implied.availableGiB} GiB (largest ${implied.maximumVolumeSizeGiB}) implied by the allocations: a leaked or double-counted reservation`,
      );
  }
  const audited = await checkAudit(url, violations, where);
  const t0 = Date.now();
  for (;;) {
    const r = await call(url, 'GET', '/v1/operations?state=pending');
    if (r.status === 200 && r.body.items.length === 0) break;
    if (Date.now() - t0 > 20_000) {
      violations.push(`${where}: ${r.body?.items?.length} operation(s) still pending 20 s after recovery`);
      break;
    }
    await sleep(200);
  }
  return { volumes: objects.length, pendingWaitMs: Date.now() - t0, audited };
}

/** The scenarios' requests all use the admin token `root` (the harness's token set); the composer's own entries are `system`. */
const AUDITED: Readonly<Record<string, string>> = { root: 'admin', system: 'system' };

/**
 * Every journal entry names who started it: a token id of the tokens file with its role, and the
 * request it served (the composer's own start-up entries have none); no entry holds a token.
 */
export async function checkAudit(url: string, violations: string[], where: string): Promise<number> {
  let entries: { id: string; kind: string; resource: string; audit?: { token?: string; role?: string; requestId?: string } }[];
  try {
    entries = await listAll(url, 'operations');
  } catch (e) {
    violations.push(`${where}: the journal could not be listed: ${(e as Error).message}`);
    return 0;
  }
  if (JSON.stringify(entries).includes(ADMIN_TOKEN)) violations.push(`${where}: a journal entry holds the admin token`);
  for (const o of entries) {
    const a = o.audit;
    const why = !a
      ? 'no audit'
      : !a.token || AUDITED[a.token] === undefined
        ? `audit token ${a.token} is not a token id of the tokens file`
        : a.role !== AUDITED[a.token]
          ? `audit role ${a.role}, the token's is ${AUDITED[a.token]}`
          : a.token !== 'system' && !a.requestId
            ? 'audit without a request id'
            : undefined;
    if (why) violations.push(`${where}: operation ${o.id} (${o.resource} ${o.kind}): ${why}`);
  }
  return entries.length;
}
