// ImportResourceState: an existing composer object as state, by id or by natural key (NAME, or
// CLUSTER/NAME for volumes and slices: `tofu import` and `import {}` blocks send the string), or
// by resource identity (`import { identity = {...} }`, Terraform >= 1.12: ../identity.ts). The
// private state marks it imported, so the first apply adopts the configured secret (plan-resource-change.ts).
import { modelFor } from '../../handlers';
import { decodeDynamicValue, type DynamicValueWire, encodeDynamicValue } from '../cty';
import { error, errorDiagnostics } from '../diagnostics';
import { identityMessage, identityOf, importRefOf } from '../identity';
import { blockOf, stateFrom, type TfObject, writePrivate } from '../objects';
import { resourceBlocks } from '../schema';
import type { TesseraProvider } from '../server';

interface ImportRequest {
  type_name: string;
  id: string;
  identity?: { identity_data?: DynamicValueWire } | null;
}

export async function importResourceState(p: TesseraProvider, req: ImportRequest): Promise<unknown> {
  const b = blockOf(resourceBlocks, req.type_name);
  const ib = identityOf(b);
  let ref = req.id;
  try {
    const given = req.identity?.identity_data ? (decodeDynamicValue(req.identity.identity_data, ib.type) as TfObject | null) : null;
    if (given) ref = importRefOf(ib, given);
    const h = p.handler(b.typeName);
    const id = await h.resolveImportId(ref);
    const props = await h.read(id);
    if (!props) {
      return {
        imported_resources: [],
        diagnostics: [error(`Cannot import ${b.typeName}`, `id: no ${b.spec.kind} with id ${JSON.stringify(ref)} exists in the composer`)],
      };
    }
    const state = stateFrom(b, modelFor(b.typeName), { ...props, id }, null);
    const imported = { type_name: b.typeName, state: encodeDynamicValue(state, b.type), private: writePrivate({ composer: h.composerId, imported: id }), identity: identityMessage(b, state) };
    return { imported_resources: [imported], diagnostics: [] };
  } catch (e) {
    return { imported_resources: [], diagnostics: errorDiagnostics(e, `Importing ${b.typeName} ${ref}`) };
  }
}
