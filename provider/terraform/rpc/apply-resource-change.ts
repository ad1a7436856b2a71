// ApplyResourceChange: create, update in place or delete through the handlers, then the state:
// known planned values exactly as planned (Terraform checks it), unknowns from the result.
import { modelFor, type Props, timeoutMs } from '../../handlers';
import { containsUnknown, decodeDynamicValue, type DynamicValueWire, encodeDynamicValue } from '../cty';
import { errorDiagnostics } from '../diagnostics';
import { identityMessage } from '../identity';
import { blockOf, isInputAttr, ownerFor, readPrivate, sameValue, stateFrom, type TfObject, tfNameOf, timeoutsOf, writeOnlyInputs, writePrivate } from '../objects';
import { fromTfObject, resourceBlocks } from '../schema';
import type { TesseraProvider } from '../server';

interface ApplyRequest {
  type_name: string;
  prior_state: DynamicValueWire;
  planned_state: DynamicValueWire;
  config: DynamicValueWire;
  planned_private: Buffer;
}

export async function applyResourceChange(p: TesseraProvider, req: ApplyRequest): Promise<unknown> {
  const b = blockOf(resourceBlocks, req.type_name);
  const model = modelFor(b.typeName);
  const prior = decodeDynamicValue(req.prior_state, b.type) as TfObject | null;
  const planned = decodeDynamicValue(req.planned_state, b.type) as TfObject | null;
  const config = decodeDynamicValue(req.config, b.type) as TfObject | null;
  const priv = req.planned_private ?? Buffer.alloc(0);
  const h = p.handler(b.typeName);
  try {
    if (!planned) {
      // The whole prior state: the delete sends its owner (docs/api.md "Owners").
      if (prior && typeof prior.id === 'string') {
        await h.delete(prior.id, fromTfObject(b, prior), { timeoutMs: timeoutMs(timeoutsOf(b, prior), 'delete'), expectComposer: readPrivate(priv).composer });
      }
      return { new_state: encodeDynamicValue(null, b.type), private: Buffer.alloc(0), diagnostics: [] };
    }
    const news = { ...fromTfObject(b, planned, isInputAttr), ...writeOnlyInputs(b, config) };
    let id: string;
    let outputs: Props;
    if (!prior) {
      const ownerName = tfNameOf(b, model.kind.owner);
      const plannedOwner = ownerName ? planned[ownerName] : undefined;
      const owner = typeof plannedOwner === 'string' ? plannedOwner : ownerFor(b.typeName, String(planned[tfNameOf(b, model.kind.name) ?? ''] ?? ''));
      const made = await h.create(news, owner, { timeoutMs: timeoutMs(timeoutsOf(b, planned), 'create') });
      id = made.id;
      outputs = made.outputs;
    } else {
      id = String(prior.id);
      // The first apply after an import adopts the configured secret (plan-resource-change.ts).
      const adopt = readPrivate(priv).imported === id;
      outputs = await h.update(id, fromTfObject(b, prior, isInputAttr), news, { timeoutMs: timeoutMs(timeoutsOf(b, planned), 'update'), adopt });
    }
    const state = stateFrom(b, model, { ...outputs, id }, prior, planned);
    // Known planned values stay exactly as planned (Terraform checks it); unknowns take the result.
    for (const a of b.attributes) {
      const v = planned[a.tfName];
      if (v !== null && !containsUnknown(v) && !sameValue(v, state[a.tfName])) {
        if (!isInputAttr(a)) p.log(`${b.typeName} ${id}: ${a.tfName} differs from the plan; keeping the planned value`);
        state[a.tfName] = v;
      }
    }
    // The state records which composer holds the object (docs/terraform.md "Composer identity").
    // The object's resource identity (../identity.ts): Terraform >= 1.12 stores it.
    return { new_state: encodeDynamicValue(state, b.type), new_identity: identityMessage(b, state), private: writePrivate({ composer: h.composerId ?? readPrivate(priv).composer }), diagnostics: [] };
  } catch (e) {
    const action = !planned ? 'Deleting' : !prior ? 'Creating' : 'Updating';
    // On a failed update or delete the object is unchanged: hand the prior state back.
    return { new_state: encodeDynamicValue(prior, b.type), private: priv, diagnostics: errorDiagnostics(e, `${action} ${b.typeName}`) };
  }
}
