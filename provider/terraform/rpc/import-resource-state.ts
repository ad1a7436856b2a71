// ImportResourceState: an existing composer object as state, by id or by natural key (NAME, or
// CLUSTER/NAME for volumes and slices: `tofu import` and `import {}` blocks send the string). The
// private state marks it imported, so the first apply adopts the configured secret (plan-resource-change.ts).
import { modelFor } from '../../handlers';
import { encodeDynamicValue } from '../cty';
import { error, errorDiagnostics } from '../diagnostics';
import { blockOf, stateFrom, writePrivate } from '../objects';
import { resourceBlocks } from '../schema';
import type { TesseraProvider } from '../server';

export async function importResourceState(p: TesseraProvider, req: { type_name: string; id: string }): Promise<unknown> {
  const b = blockOf(resourceBlocks, req.type_name);
  try {
    const h = p.handler(b.typeName);
    const id = await h.resolveImportId(req.id);
    const props = await h.read(id);
    if (!props) {
      return {
        imported_resources: [],
        diagnostics: [error(`Cannot import ${b.typeName}`, `id: no ${b.spec.kind} with id ${JSON.stringify(req.id)} exists in the composer`)],
      };
    }
    const state = stateFrom(b, modelFor(b.typeName), { ...props, id }, null);
    return { imported_resources: [{ type_name: b.typeName, state: encodeDynamicValue(state, b.type), private: writePrivate({ composer: h.composerId, imported: id }) }], diagnostics: [] };
  } catch (e) {
    return { imported_resources: [], diagnostics: errorDiagnostics(e, `Importing ${b.typeName} ${req.id}`) };
  }
}
