// Awaiting Pulumi Outputs in tests. An Output holds several promises (value, known, secret,
// resources) that all reject when it fails. Node reports each one nobody awaited as an unhandled
// rejection, and jest charges that to the suite ("Test suite failed to run"), or hangs a test that
// waits through apply(). settle() awaits all of them, so a failed Output becomes one ordinary error
// and nothing is left pending.
import * as pulumi from '@pulumi/pulumi';

/** The promises every Output carries. promise() and isKnown are @internal in the SDK's typings. */
interface OutputPromises<T> {
  promise(withUnknowns?: boolean): Promise<T>;
  isKnown: Promise<boolean>;
  isSecret: Promise<boolean>;
  allResources?: () => Promise<Set<pulumi.Resource>>;
}

export interface Settled<T> {
  value: T;
  isKnown: boolean;
  isSecret: boolean;
}

/** Waits for everything the Output carries; rejects with the Output's error if it failed. */
export async function settle<T>(o: pulumi.Output<T>): Promise<Settled<T>> {
  const p = o as unknown as OutputPromises<T>;
  const [value, isKnown, isSecret, resources] = await Promise.allSettled([
    p.promise(true),
    p.isKnown,
    p.isSecret,
    p.allResources ? p.allResources() : Promise.resolve(new Set<pulumi.Resource>()),
  ]);
  const ok = <V>(r: PromiseSettledResult<V>): V => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  };
  const settled = { value: ok(value), isKnown: ok(isKnown), isSecret: ok(isSecret) };
  ok(resources);
  return settled;
}

/** The Output's value; rejects with its error, or if it is unknown (a preview). */
export async function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  const s = await settle(o);
  if (!s.isKnown) throw new Error('output is unknown');
  return s.value;
}

/**
 * Waits until the (mocked) engine has no registration in flight (a component's registerOutputs,
 * or a resource whose constructor threw after super(), still runs after the test that started
 * it), then checks that the runtime tracks no promise as still active: what a real `pulumi up`
 * reports as leaked promises. Bounded: after a failed registration Pulumi never settles the
 * dependents (a real program exits on the error), so the wait would otherwise hang teardown.
 * waitForRPCs and the store are @internal in the SDK's typings.
 */
export async function drainRegistrations(timeoutMs = 10_000): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const state = require('@pulumi/pulumi/runtime/state') as { getStore(): { leakCandidates: Set<{ _debugCtx?: string }> } };
  const active = () => {
    const ctx = [...state.getStore().leakCandidates].map((p) => p._debugCtx);
    return `${ctx.length} Pulumi promise(s) still active: ${ctx.slice(0, 5).join(', ')}${ctx.length > 5 ? ', ...' : ''}`;
  };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`registrations still in flight after ${timeoutMs} ms; ${active()}`)), timeoutMs);
  });
  try {
    await Promise.race([(pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs(), timedOut]);
  } finally {
    clearTimeout(timer);
  }
  if (state.getStore().leakCandidates.size) throw new Error(active());
}
