// Journal retention under churn, against a real composer (real HTTP, real SQLite file): a pruning
// pass removes everything past retention however much that is, and with the reconciler's timer
// the journal stays bounded by retention while creates and deletes keep finishing operations.
import * as fs from 'node:fs';
import type { RunningComposer } from '../../provider/composer';
import { client, startTest, tok } from './fixtures';

jest.setTimeout(180_000);

/** More operations than the old pruning cap of 1,000 per pass. */
const CHURN_PAIRS = 1_200;

/** Runs `work(i)` for i < n, at most `width` at a time. */
async function inParallel(n: number, width: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

/** One create and one delete: two finished operations. */
async function churnPair(ops: ReturnType<typeof client>, name: string): Promise<void> {
  const c = await ops.post('/v1/clusters', { name });
  expect(c.status).toBe(201);
  expect((await ops.del(`/v1/clusters/${c.body.id}`)).status).toBe(204);
}

async function opsInStore(composer: RunningComposer): Promise<number> {
  return (await composer.store.range('/tessera/ops/')).length;
}

test('one pass prunes every operation past retention (more than 1,000), keeps the younger ones, while creates go on', async () => {
  // The timer never fires: the passes are the test's own.
  const { composer, dir } = await startTest({ opsRetentionMs: 300, reconcileIntervalMs: 3_600_000 });
  try {
    const ops = client(composer.url, tok('ops'));
    const before = await opsInStore(composer); // the inventory load's
    await inParallel(CHURN_PAIRS, 8, (i) => churnPair(ops, `c${i}`));
    expect(await opsInStore(composer)).toBe(before + 2 * CHURN_PAIRS);
    await new Promise((r) => setTimeout(r, 400)); // all of them are now past retention
    const young: string[] = [];
    for (let i = 0; i < 5; i++) young.push((await ops.post('/v1/clusters', { name: `young${i}` })).body.id);

    // Creates keep landing while the pass runs (it yields between its txns).
    let during = 0;
    const [pruned] = await Promise.all([
      composer.service().pruneOperations(),
      inParallel(20, 2, async (i) => {
        expect((await ops.post('/v1/clusters', { name: `during${i}` })).status).toBe(201);
        during++;
      }),
    ]);
    expect(during).toBe(20);
    expect(pruned).toBe(before + 2 * CHURN_PAIRS);
    const left = (await composer.store.range('/tessera/ops/')).map((kv) => JSON.parse(kv.value) as { objectId: string });
    expect(left).toHaveLength(5 + 20);
    for (const id of young) expect(left.map((o) => o.objectId)).toContain(id);
    expect(composer.service().state.ops.size).toBe(left.length);
  } finally {
    await composer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('under sustained create+delete churn the reconciler keeps the journal within retention', async () => {
  const retentionMs = 5_000;
  // Overdue: finished longer ago than retention plus this. A pass runs every 100 ms, so only an
  // event-loop stall this long could leave one behind.
  const slackMs = 2_500;
  const { composer, dir } = await startTest({ opsRetentionMs: retentionMs, reconcileIntervalMs: 100 });
  try {
    const ops = client(composer.url, tok('ops'));
    const journal = composer.service().state.ops;
    const overdue = () => {
      const limit = Date.now() - retentionMs - slackMs;
      return [...journal.values()].filter((o) => o.state !== 'pending' && Date.parse(o.finishedAt ?? o.startedAt) < limit).length;
    };
    let worst = 0;
    let samples = 0;
    let churning = true;
    const sampler = (async () => {
      // Sample while the churn runs and until its last operations are past retention + slack.
      let until = Infinity;
      while (Date.now() < until) {
        worst = Math.max(worst, overdue());
        samples++;
        if (!churning && until === Infinity) until = Date.now() + retentionMs + slackMs + 1_000;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const started = Date.now();
    let pairs = 0;
    await inParallel(CHURN_PAIRS, 8, async (i) => {
      await churnPair(ops, `s${i}`);
      pairs++;
    });
    const churnSeconds = (Date.now() - started) / 1000;
    churning = false;
    await sampler;
    expect(pairs).toBe(CHURN_PAIRS);
    expect(samples).toBeGreaterThan(0);
    // With the old cap and once-per-retention throttle, operations waited a whole retention more.
    expect({ worstOverdue: worst }).toEqual({ worstOverdue: 0 });
    process.stdout.write(`${JSON.stringify({ churnPairs: pairs, churnSeconds, samples })}\n`);
    // Everything the churn journaled is past retention by now: the store holds none of it.
    expect(await opsInStore(composer)).toBe(0);
  } finally {
    await composer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
