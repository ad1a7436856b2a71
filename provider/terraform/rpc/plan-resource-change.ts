// PlanResourceChange, in named passes over the handlers' plan (provider/handlers/model.ts):
//  1. inputs: planned as configured, defaults filled in (known); write-only ones null;
//  2. the change: the handlers' plan of prior -> planned inputs (unknown inputs count as
//     changed): replacements, refused shrinks, outputs to recompute;
//  3. outputs: unknown on create/replace and where the plan recomputes them, else the prior
//     value; the owner is this provider's address for the object;
//  4. feasibility: a new object's placement dry-run (handlers' check) once connected.
// What keeps "Provider produced inconsistent result" away: known planned values are what the
// apply returns (applied state keeps the planned inputs, stable outputs keep their values).
import { dataLossReason, modelFor, type Plan, type ResourceModel } from '../../handlers';
import { decodeDynamicValue, type DynamicValueWire, encodeDynamicValue, unknown } from '../cty';
import { type Diagnostic, error, errorDiagnostics, failureDiagnostics, inTfTerms, warning } from '../diagnostics';
import { identityMessage } from '../identity';
import { blockOf, inputsOf, isInputAttr, ownerFor, readPrivate, type TfObject, tfNameOf, writeOnlyInputs, writePrivate } from '../objects';
import { fromTfObject, resourceBlocks, type TfBlock, tfName, toTfObject } from '../schema';
import type { TesseraProvider } from '../server';

interface PlanRequest {
  type_name: string;
  prior_state: DynamicValueWire;
  proposed_new_state: DynamicValueWire;
  config: DynamicValueWire;
  prior_private: Buffer;
}

/** Pass 1: configured inputs, with schema.json defaults where the configuration leaves them null. */
function plannedInputs(b: TfBlock, config: TfObject | null): TfObject {
  const planned: TfObject = {};
  for (const a of b.attributes) {
    if (!isInputAttr(a)) continue;
    const v = a.spec.writeOnly ? null : (config?.[a.tfName] ?? null);
    planned[a.tfName] = v === null && !a.spec.writeOnly && a.spec.default !== undefined ? toTfObject(b, { [a.name]: a.spec.default })[a.tfName] : v;
  }
  // Nested blocks (timeouts) are planned exactly as configured.
  for (const nb of b.blocks) planned[nb.typeName] = config?.[nb.typeName] ?? null;
  return planned;
}

/** Pass 2: the handlers' plan, with the diagnostics of refused shrinks. */
function planChange(b: TfBlock, model: ResourceModel, prior: TfObject | null, planned: TfObject): { plan: Plan; diags: Diagnostic[] } {
  const { inputs, unknownFields } = inputsOf(b, planned);
  const plan = model.plan(prior ? fromTfObject(b, prior, isInputAttr) : undefined, inputs, { unknown: unknownFields });
  const diags = plan.refusedShrinks.map((s) =>
    error(`Cannot shrink ${tfName(s.field)}`, `${tfName(s.field)}: shrinking is refused (from ${String(s.from)} to ${String(s.to)} GiB); only growth is applied in place`, s.field),
  );
  if (plan.dataLoss.length) {
    const field = plan.dataLoss[0];
    diags.push(error(`Replacing ${b.typeName} would destroy its data`, `${tfName(field)}: ${dataLossReason(model, plan.dataLoss, tfName)}`, field));
  }
  return { plan, diags };
}

/** Pass 3: computed outputs: unknown where the plan recomputes them, else their prior value. */
function plannedOutputs(b: TfBlock, model: ResourceModel, plan: Plan, prior: TfObject | null, planned: TfObject): void {
  for (const a of b.attributes) {
    if (isInputAttr(a)) continue;
    planned[a.tfName] = plan.create || plan.recomputed.includes(a.name) || !prior ? unknown : (prior[a.tfName] ?? null);
  }
  const owner = tfNameOf(b, model.kind.owner);
  const name = planned[tfNameOf(b, model.kind.name) ?? ''];
  if (plan.create && owner) planned[owner] = typeof name === 'string' ? ownerFor(b.typeName, name) : unknown;
}

export async function planResourceChange(p: TesseraProvider, req: PlanRequest): Promise<unknown> {
  const b = blockOf(resourceBlocks, req.type_name);
  const model = modelFor(b.typeName);
  const prior = decodeDynamicValue(req.prior_state, b.type) as TfObject | null;
  const proposed = decodeDynamicValue(req.proposed_new_state, b.type) as TfObject | null;
  const config = decodeDynamicValue(req.config, b.type) as TfObject | null;
  let plannedPrivate = req.prior_private ?? Buffer.alloc(0);
  if (!proposed) return { planned_private: plannedPrivate, requires_replace: [], planned_state: encodeDynamicValue(null, b.type), diagnostics: [] };
  // Terraform plans a replacement twice: with the prior state, then with a null prior and
  // the first answer's private bytes. The marker there says "this create replaces <id>".
  const replacing = prior ? undefined : readPrivate(req.prior_private).replaces;

  const planned = plannedInputs(b, config);
  const { plan, diags } = planChange(b, model, prior, planned);
  const requiresReplace = plan.replaces.map((f) => ({ steps: [{ attribute_name: tfName(f) }] }));
  if (prior && plan.replaces.length && typeof prior.id === 'string') plannedPrivate = writePrivate({ ...readPrivate(req.prior_private), replaces: prior.id });
  plannedOutputs(b, model, plan, prior, planned);
  // An imported object's first plan: the composer never returns a sensitive input (the key
  // policy secret), so it is null in the imported state. Setting it adopts it: the apply sends
  // it with `adopt` (the composer refuses a different secret instead of rotating), so the
  // outputs stay as imported and the plan does not promise a rotation.
  const adopting = prior && readPrivate(req.prior_private).imported === prior.id && !plan.create && plan.updates.length > 0;
  if (adopting && plan.updates.every((f) => model.spec.attributes[f]?.sensitive && prior[tfName(f)] === null)) {
    for (const a of b.attributes) if (!isInputAttr(a)) planned[a.tfName] = prior[a.tfName] ?? null;
  }

  // Plan-time feasibility: the handlers' check with a dry-run placement (or a capacity query
  // while the cluster is still unknown); failures point at the attribute. A replacement is
  // only validated: the object it replaces still holds its name and its drives at plan time.
  // Growths and replacements, and every create, are also claimed plan-wide (the handlers'
  // plan claims: docs/terraform.md "Plan-wide feasibility"); a composer that does not answer
  // is a warning.
  const grows = plan.updates.some((f) => model.spec.attributes[f]?.growOnly);
  if ((plan.create || grows) && p.state.conn && diags.length === 0) {
    const { inputs, unknownFields } = inputsOf(b, planned);
    try {
      const olds = prior ? fromTfObject(b, prior, isInputAttr) : undefined;
      const id = prior && typeof prior.id === 'string' ? prior.id : replacing;
      // The owner the create will record: another owner's object of this name is refused now.
      const ownerValue = planned[tfNameOf(b, model.kind.owner) ?? ''];
      const owner = typeof ownerValue === 'string' ? ownerValue : undefined;
      const res = await p.handler(b.typeName).check({ ...inputs, ...writeOnlyInputs(b, config) }, { preview: !prior && !replacing, unknown: unknownFields, olds, id, owner });
      diags.push(...failureDiagnostics(res.failures, 'Not feasible'));
      for (const w of res.warnings ?? []) diags.push(warning('Feasibility not checked', inTfTerms(w)));
    } catch (e) {
      diags.push(...errorDiagnostics(e, `Planning ${b.typeName}`));
    }
  }
  // An update in place keeps the object, so its identity (../identity.ts); a create or a
  // replacement has none until the apply.
  const plannedIdentity = prior && !plan.create && plan.replaces.length === 0 ? identityMessage(b, prior) : undefined;
  return { planned_private: plannedPrivate, planned_state: encodeDynamicValue(planned, b.type), planned_identity: plannedIdentity, requires_replace: requiresReplace, diagnostics: diags };
}
