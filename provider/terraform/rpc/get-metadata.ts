// GetMetadata: the resource and data source type names this provider serves.
import { dataSourceBlocks, resourceBlocks } from '../schema';

export const SERVER_CAPABILITIES = { plan_destroy: false, get_provider_schema_optional: false, move_resource_state: false };

export function getMetadata(): unknown {
  return {
    server_capabilities: SERVER_CAPABILITIES,
    diagnostics: [],
    resources: [...resourceBlocks.keys()].map((type_name) => ({ type_name })),
    data_sources: [...dataSourceBlocks.keys()].map((type_name) => ({ type_name })),
  };
}
