// GetProviderSchema: the blocks provider/terraform/schema.ts derives from schema.json.
import { dataSourceBlocks, providerBlock, resourceBlocks, schemaMessage } from '../schema';
import { SERVER_CAPABILITIES } from './get-metadata';

export function getProviderSchema(): unknown {
  const resource_schemas: Record<string, unknown> = {};
  for (const [k, b] of resourceBlocks) resource_schemas[k] = schemaMessage(b);
  const data_source_schemas: Record<string, unknown> = {};
  for (const [k, b] of dataSourceBlocks) data_source_schemas[k] = schemaMessage(b);
  return { provider: schemaMessage(providerBlock), resource_schemas, data_source_schemas, diagnostics: [], server_capabilities: SERVER_CAPABILITIES };
}
