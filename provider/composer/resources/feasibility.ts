// The plan-wide what-if (POST /v1/feasibility, docs/api.md "Plan-wide feasibility"): the creates,
// replacements and growths of a whole plan, each placed against the pool minus what the steps
// before it took, then all given back. The engine is in memory and synchronous: the steps and
// their undoing run without yielding, so no other request sees the tentative placements and
// nothing is journaled or stored.
import { type FeasibilityAnswer, type FeasibilityResult, type FeasibilityStep, validateFeasibilityRequest } from '../../api/contract';
import type { Allocator } from '../../engine';
import type { Transport } from '../../model/inventory';
import type { PlacementResult } from '../../model/placement';
import { formatFailures, type PlacementAttribute, resourceSpec, validateInput } from '../../schema';
import type { ComposerContext } from '../context';
import { RESOURCE_TYPE, type VolumeKind } from '../kinds';
import { findCluster, idByName, requireEngine, table } from '../lookups';
import { problems } from '../problem';
import { placementRequest } from './volumes';

/** What a capacity shortfall is reported on. */
const SIZE: PlacementAttribute = 'sizeGiB';

export function planFeasibility(ctx: ComposerContext, body: unknown): FeasibilityAnswer {
  const { value: req, failures } = validateFeasibilityRequest(body);
  if (failures.length) throw problems.validation(failures);
  const engine = requireEngine(ctx.state);
  const undo: (() => void)[] = [];
  const steps: FeasibilityResult[] = [];
  try {
    req.steps.forEach((step, i) => steps.push(tryStep(ctx, engine, step, `feasibility-${i}`, undo)));
  } finally {
    for (const u of undo.reverse()) u();
  }
  return { steps };
}

function fail(step: FeasibilityStep, field: string, constraint: string, message: string): FeasibilityResult {
  return { key: step.key, ok: false, field, constraint, message };
}

/** The engine names a failed constraint after the attribute it comes from; the rest are about the size. */
function placed(kind: VolumeKind, step: FeasibilityStep, r: PlacementResult): FeasibilityResult {
  if (r.ok) return { key: step.key, ok: true };
  const field = resourceSpec(RESOURCE_TYPE[kind]).attributes[r.failure.constraint] ? r.failure.constraint : SIZE;
  return fail(step, field, r.failure.constraint, r.failure.message);
}

function tryStep(ctx: ComposerContext, engine: Allocator, step: FeasibilityStep, tmpId: string, undo: (() => void)[]): FeasibilityResult {
  const kind = step.kind as VolumeKind;
  const s = ctx.state;
  if (step.action === 'grow') {
    const stored = step.id ? s.allocations.get(step.id) : undefined;
    if (!stored || !step.id) return fail(step, 'id' satisfies keyof FeasibilityStep, 'not_found', `${kind} ${String(step.id)} has no placement to grow`);
    if (typeof step.sizeGiB !== 'number') return fail(step, SIZE, 'validation', 'sizeGiB: is required to grow');
    const id = step.id;
    const r = engine.extend(id, step.sizeGiB);
    if (r.ok)
      undo.push(() => {
        engine.release(id);
        engine.restore(id, stored);
      });
    return placed(kind, step, r);
  }
  // create / replace: the spec with defaults; the cluster (and its transports) when known.
  const spec = { ...(step.spec ?? {}) };
  const cluster = typeof spec.cluster === 'string' ? findCluster(s, spec.cluster) : undefined;
  // A step whose object already exists under its name (and is not the object it replaces) takes
  // nothing more: its placement is already in the pool. This is the apply of a plan: the engine
  // applies resources in parallel and re-plans each one first, and a claim lives in the provider
  // until the create's answer reaches it, so an object just created would otherwise count twice.
  if (cluster && typeof spec.name === 'string') {
    const existing = idByName(s, kind, cluster.id, spec.name);
    if (existing !== undefined && existing !== step.id && s.allocations.has(existing)) return { key: step.key, ok: true };
  }
  const { value, failures } = validateInput(RESOURCE_TYPE[kind], { name: 'feasibility', ...spec, cluster: cluster?.id ?? 'unknown' }, { mode: 'create' });
  if (failures.length) return fail(step, failures[0].field, 'validation', formatFailures(failures));
  if (step.action === 'replace') {
    const stored = step.id ? s.allocations.get(step.id) : undefined;
    const id = step.id;
    // The replaced object's drives come free first (replacements delete first: docs/terraform.md).
    if (stored && id && table(s, kind).has(id)) {
      engine.release(id);
      undo.push(() => engine.restore(id, stored));
    }
  }
  const transports: Transport[] = cluster?.networkTransportsAllowed ?? [];
  const r = engine.place(tmpId, placementRequest(kind, value, transports));
  if (r.ok) undo.push(() => engine.release(tmpId));
  return placed(kind, step, r);
}
