// UpgradeResourceState: stored state conformed to the current schema (versions 0..SCHEMA_VERSION
// share one shape); state from a newer provider is refused.
import { encodeDynamicValue, fromJson } from '../cty';
import { error } from '../diagnostics';
import { blockOf } from '../objects';
import { resourceBlocks, SCHEMA_VERSION } from '../schema';

export function upgradeResourceState(req: { type_name: string; version: number; raw_state?: { json?: Buffer } }): unknown {
  const b = blockOf(resourceBlocks, req.type_name);
  // State written by a newer provider (a higher schema version) cannot be read back safely.
  if (req.version > SCHEMA_VERSION)
    return { diagnostics: [error('Unsupported state version', `${req.type_name}: state has schema version ${req.version}; this provider knows versions 0 to ${SCHEMA_VERSION}`)] };
  const raw = req.raw_state?.json && req.raw_state.json.length ? JSON.parse(Buffer.from(req.raw_state.json).toString('utf8')) : null;
  // Versions 0 (served before the schema version followed schema.json's) up to SCHEMA_VERSION
  // share one shape: conform the stored JSON to the current type (attributes added since get
  // null, removed ones are dropped).
  const value = raw === null ? null : fromJson(raw, b.type);
  return { upgraded_state: encodeDynamicValue(value, b.type), diagnostics: [] };
}
