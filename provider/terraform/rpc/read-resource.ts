// ReadResource: refresh: the composer's object as state (drift shows); gone objects drop out,
// but only when the composer that says so is the one the state recorded; objects the composer
// holds as deleting, retained or failed come with a warning. The answer carries the object's
// resource identity (../identity.ts; Terraform >= 1.12 stores it, OpenTofu ignores it).
import { modelFor } from '../../handlers';
import { decodeDynamicValue, type DynamicValueWire, encodeDynamicValue } from '../cty';
import { type Diagnostic, errorDiagnostics, inTfTerms } from '../diagnostics';
import { identityMessage } from '../identity';
import { blockOf, readPrivate, stateFrom, type TfObject, writePrivate } from '../objects';
import { resourceBlocks } from '../schema';
import type { TesseraProvider } from '../server';

export async function readResource(p: TesseraProvider, req: { type_name: string; current_state: DynamicValueWire; private: Buffer }): Promise<unknown> {
  const b = blockOf(resourceBlocks, req.type_name);
  const current = decodeDynamicValue(req.current_state, b.type) as TfObject | null;
  const id = current?.id;
  if (!current || typeof id !== 'string') return { new_state: req.current_state, diagnostics: [], private: req.private };
  try {
    const h = p.handler(b.typeName);
    const recorded = readPrivate(req.private);
    const warnings: Diagnostic[] = [];
    const props = await h.read(id, { expectComposer: recorded.composer, onAttention: (summary, detail) => warnings.push({ severity: 2, summary, detail: inTfTerms(detail) }) });
    if (!props) return { new_state: encodeDynamicValue(null, b.type), diagnostics: [], private: req.private };
    const priv = writePrivate({ ...recorded, composer: h.composerId ?? recorded.composer });
    const state = stateFrom(b, modelFor(b.typeName), { ...props, id }, current);
    return { new_state: encodeDynamicValue(state, b.type), new_identity: identityMessage(b, state), diagnostics: warnings, private: priv };
  } catch (e) {
    return { new_state: req.current_state, diagnostics: errorDiagnostics(e, `Reading ${b.typeName} ${id}`), private: req.private };
  }
}
