// The composer on a real etcd behind a fault proxy (replies delayed past the call deadline,
// requests that arrive after the client gave up, replies swallowed, connections cut with a
// transaction in flight): creates, deletes, slice growth and an inventory switch never allocate
// an extent twice, never lose an acknowledged change and never answer 409 for a lost answer; the
// composer's memory equals a fresh load. The scenario is the chaos bench's (bench/chaos/etcd-faults.ts);
// the rules are in docs/store.md ("Outcome unknown").
import { runProxy } from '../../bench/chaos/etcd-faults';

jest.setTimeout(300_000);

test('faults between composer and etcd never allocate an extent twice nor lose an acknowledged change', async () => {
  const result = await runProxy({ short: true, creates: 40, log: (l) => console.log(l) });
  expect(result.violations).toEqual([]);
  // The faults really happened and really hit the transactions.
  expect(result.figures.proxy.cuts + result.figures.proxy.delayedChunks).toBeGreaterThan(20);
  expect(result.figures.firstAttemptStatuses['503']).toBeGreaterThan(0);
  expect(result.figures.growths).toBeGreaterThan(0);
});
