// The plan-scoped tentative reservation set (docs/terraform.md, docs/pulumi.md "Plan-wide
// feasibility"). Both engines keep one provider process for a whole plan, so the process can
// remember what the plan already claimed: every create, growth and replacement planned so far.
// Each new one is dry-run by the composer together with them (POST /v1/feasibility), against
// the pool minus what they take, so N volumes that fit one by one but not together fail the
// plan of the one that does not fit, not the apply half-way through. A claim ends when its
// apply succeeds (the reservation is then real) or the resource is planned again.
import type { FeasibilityAnswer, FeasibilityStep } from '../api/contract';
import type { ComposerClient } from '../client';
import type { PlacementAttribute } from '../schema';

/** What a shortfall is reported on when the composer names no attribute. */
const SIZE: PlacementAttribute = 'sizeGiB';

export type ClaimResult = { ok: true } | { ok: false; field: string; message: string; together: number };

/** The claims of the plans of one process against one composer endpoint. */
export class PlanClaims {
  private readonly steps = new Map<string, FeasibilityStep>();

  /** Claims other than `key`'s, in the order they were made. */
  others(key: string): FeasibilityStep[] {
    return [...this.steps.values()].filter((s) => s.key !== key);
  }

  set(step: FeasibilityStep): void {
    this.steps.delete(step.key);
    this.steps.set(step.key, step);
  }

  release(key: string): void {
    this.steps.delete(key);
  }

  get size(): number {
    return this.steps.size;
  }

  /** Claims run one at a time: engines plan resources in parallel, and each must see the ones before it. */
  private queue: Promise<unknown> = Promise.resolve();

  /** Dry-run `step` after the others; the step is claimed when it fits. */
  tryClaim(client: ComposerClient, step: FeasibilityStep, attempts: number): Promise<ClaimResult> {
    const run = this.queue.then(() => this.claimNow(client, step, attempts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async claimNow(client: ComposerClient, step: FeasibilityStep, attempts: number): Promise<ClaimResult> {
    const others = this.others(step.key);
    const { data } = await client.request<FeasibilityAnswer>('POST', '/v1/feasibility', { body: { steps: [...others, step] }, attempts });
    const mine = data.steps[data.steps.length - 1];
    if (mine?.ok) {
      this.set(step);
      return { ok: true };
    }
    // Claims that no longer fit themselves (the pool changed) do not count against this one.
    const together = data.steps.slice(0, -1).filter((s) => s.ok).length;
    return { ok: false, field: mine?.field ?? SIZE, message: mine?.message ?? 'does not fit', together };
  }
}

/**
 * One claim set per composer endpoint and process, shared by every handler in it: Pulumi builds
 * a provider (and a module instance) per resource type, so the set lives on the global object.
 */
export function planClaims(endpoint: string): PlanClaims {
  const g = globalThis as unknown as { [CLAIMS]?: Map<string, PlanClaims> };
  g[CLAIMS] ??= new Map();
  let c = g[CLAIMS].get(endpoint);
  if (!c) {
    c = new PlanClaims();
    g[CLAIMS].set(endpoint, c);
  }
  return c;
}

const CLAIMS = Symbol.for('tessera.planClaims');
