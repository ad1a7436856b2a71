// UpgradeResourceIdentity (Terraform >= 1.12): a stored identity conformed to the current identity
// schema. Only version IDENTITY_VERSION exists; an identity from a newer provider is refused.
import { encodeDynamicValue, fromJson } from '../cty';
import { error } from '../diagnostics';
import { IDENTITY_VERSION, identityOf } from '../identity';
import { blockOf } from '../objects';
import { resourceBlocks } from '../schema';

export function upgradeResourceIdentity(req: { type_name: string; version: number; raw_identity?: { json?: Buffer } }): unknown {
  const ib = identityOf(blockOf(resourceBlocks, req.type_name));
  if (Number(req.version) > IDENTITY_VERSION) {
    return {
      diagnostics: [error('Unsupported identity version', `${req.type_name}: identity has version ${req.version}; this provider knows versions 0 to ${IDENTITY_VERSION}`)],
    };
  }
  const raw = req.raw_identity?.json && req.raw_identity.json.length ? JSON.parse(Buffer.from(req.raw_identity.json).toString('utf8')) : null;
  return { upgraded_identity: { identity_data: encodeDynamicValue(raw === null ? null : fromJson(raw, ib.type), ib.type) }, diagnostics: [] };
}
