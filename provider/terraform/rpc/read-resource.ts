// ReadResource: refresh: the composer's object as state (drift shows); gone objects drop out.
import { healthWarning, modelFor } from '../../handlers';
import { decodeDynamicValue, type DynamicValueWire, encodeDynamicValue } from '../cty';
import { errorDiagnostics, inTfTerms } from '../diagnostics';
import { blockOf, stateFrom, type TfObject } from '../objects';
import { resourceBlocks } from '../schema';
import type { TesseraProvider } from '../server';

export async function readResource(p: TesseraProvider, req: { type_name: string; current_state: DynamicValueWire; private: Buffer }): Promise<unknown> {
  const b = blockOf(resourceBlocks, req.type_name);
  const current = decodeDynamicValue(req.current_state, b.type) as TfObject | null;
  const id = current?.id;
  if (!current || typeof id !== 'string') return { new_state: req.current_state, diagnostics: [], private: req.private };
  try {
    const props = await p.handler(b.typeName).read(id);
    if (!props) return { new_state: encodeDynamicValue(null, b.type), diagnostics: [], private: req.private };
    // A degraded, rebuilding or failed volume: a warning beside the computed `health` (docs/failure.md).
    const warn = healthWarning(b.typeName, id, props);
    const diagnostics = warn ? [{ severity: 2, summary: warn.summary, detail: inTfTerms(warn.detail) }] : [];
    return { new_state: encodeDynamicValue(stateFrom(b, modelFor(b.typeName), { ...props, id }, current), b.type), diagnostics, private: req.private };
  } catch (e) {
    return { new_state: req.current_state, diagnostics: errorDiagnostics(e, `Reading ${b.typeName} ${id}`), private: req.private };
  }
}
