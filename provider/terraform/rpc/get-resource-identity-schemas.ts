// GetResourceIdentitySchemas (Terraform >= 1.12): the identity of every resource type, derived
// from schema.json's natural keys (../identity.ts). OpenTofu does not call it.
import { identityOf, identitySchemaMessage } from '../identity';
import { resourceBlocks } from '../schema';

export function getResourceIdentitySchemas(): unknown {
  const identity_schemas: Record<string, unknown> = {};
  for (const [k, b] of resourceBlocks) identity_schemas[k] = identitySchemaMessage(identityOf(b));
  return { identity_schemas, diagnostics: [] };
}
