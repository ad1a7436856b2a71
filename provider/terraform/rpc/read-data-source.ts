// ReadDataSource: the handlers' data-source read, with an id that is a digest of the query.
import { createHash } from 'node:crypto';
import { PROVIDER_SETTINGS, type Props, readDataSource as readThroughHandlers } from '../../handlers';
import { decodeDynamicValue, type DynamicValueWire, encodeDynamicValue } from '../cty';
import { error, errorDiagnostics } from '../diagnostics';
import { blockOf, isInputAttr, type TfObject } from '../objects';
import { dataSourceBlocks, fromTfObject, toTfObject } from '../schema';
import type { TesseraProvider } from '../server';

export async function readDataSource(p: TesseraProvider, req: { type_name: string; config: DynamicValueWire }): Promise<unknown> {
  const b = blockOf(dataSourceBlocks, req.type_name);
  const cfg = decodeDynamicValue(req.config, b.type) as TfObject | null;
  if (!p.state.conn) return { diagnostics: [error('Provider not configured', `endpoint: set it in the provider block or ${PROVIDER_SETTINGS.endpoint.env}`)] };
  try {
    const props = await readThroughHandlers(b.typeName, fromTfObject(b, cfg, isInputAttr), p.state.conn);
    const state = toTfObject(b, props);
    const query: Props = {};
    for (const a of b.attributes) if (isInputAttr(a) && props[a.name] !== undefined) query[a.name] = props[a.name];
    state.id = `${b.typeName}:${createHash('sha256').update(JSON.stringify(query)).digest('hex').slice(0, 16)}`;
    return { state: encodeDynamicValue(state, b.type), diagnostics: [] };
  } catch (e) {
    return { diagnostics: errorDiagnostics(e, `Reading data source ${b.typeName}`) };
  }
}
