// ValidateProviderConfig: the provider block (with its environment fallbacks) against schema.json.
import type { DynamicValueWire } from '../cty';
import type { TesseraProvider } from '../server';
import { readProviderConfig } from './configure-provider';

export function validateProviderConfig(p: TesseraProvider, req: { config: DynamicValueWire }): unknown {
  return { diagnostics: readProviderConfig(p, req.config).diags };
}
