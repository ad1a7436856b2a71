// provider/terraform/schema.generated.json: the provider schema as `tofu providers schema -json`
// prints it, rendered by provider/terraform/schema.ts (the one derivation from schema.json, the
// same blocks GetProviderSchema answers with). `npm run gen -- --check` keeps it current.
import { providerSchemaJson } from '../../provider/terraform/schema';
import type { GeneratedFile } from './types';

export const TERRAFORM_SCHEMA_PATH = 'provider/terraform/schema.generated.json';

export function generate(): GeneratedFile[] {
  return [{ path: TERRAFORM_SCHEMA_PATH, content: JSON.stringify(providerSchemaJson(), null, 2) + '\n' }];
}
