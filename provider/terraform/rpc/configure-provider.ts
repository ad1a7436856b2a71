// ConfigureProvider (and the reading of the provider block ValidateProviderConfig shares): the
// endpoint and token from the block, else their environment variables, checked against
// schema.json; an endpoint known only after apply leaves the provider unconnected for the plan.
import { PROVIDER_SETTINGS, validateConnection } from '../../handlers';
import { decodeDynamicValue, type DynamicValueWire, isUnknown } from '../cty';
import { type Diagnostic, error } from '../diagnostics';
import type { TfObject } from '../objects';
import { providerBlock } from '../schema';
import type { TesseraProvider } from '../server';

/** The setting a missing endpoint is reported on. */
const ENDPOINT: keyof typeof PROVIDER_SETTINGS = 'endpoint';

export interface ProviderConfig {
  endpoint?: string;
  token?: string;
  diags: Diagnostic[];
  unknownEndpoint: boolean;
}

export function readProviderConfig(p: TesseraProvider, dv: DynamicValueWire): ProviderConfig {
  const cfg = decodeDynamicValue(dv, providerBlock.type) as TfObject | null;
  const pick = (v: unknown, env: string): string | undefined => (typeof v === 'string' && v !== '' ? v : p.env[env] || undefined);
  const unknownEndpoint = !!cfg && isUnknown(cfg.endpoint);
  const endpoint = unknownEndpoint ? undefined : pick(cfg?.endpoint, PROVIDER_SETTINGS.endpoint.env);
  const token = cfg && isUnknown(cfg.token) ? undefined : pick(cfg?.token, PROVIDER_SETTINGS.token.env);
  // schema.json's provider attributes: endpoint ^https?:// and both bounded in length.
  const diags = validateConnection({ endpoint, token }).map((f) => error(`Invalid provider ${f.field}`, `${f.field}: ${f.reason}`, f.field));
  return { endpoint, token, diags, unknownEndpoint };
}

export function configureProvider(
  p: TesseraProvider,
  req: { config: DynamicValueWire; terraform_version: string; client_capabilities?: { write_only_attributes_allowed?: boolean } },
): unknown {
  const { endpoint, token, diags, unknownEndpoint } = readProviderConfig(p, req.config);
  p.state.writeOnlyAllowed = !!req.client_capabilities?.write_only_attributes_allowed;
  if (diags.length) return { diagnostics: diags };
  // An endpoint known only after apply (it comes from another resource): plan without
  // feasibility checks; Terraform configures the provider again before applying.
  if (unknownEndpoint) {
    p.connect(undefined);
    return { diagnostics: [] };
  }
  if (!endpoint) {
    const env = PROVIDER_SETTINGS.endpoint.env;
    return { diagnostics: [error('Missing composer endpoint', `endpoint: set it in the provider block or in ${env} (e.g. http://127.0.0.1:7420)`, ENDPOINT)] };
  }
  p.connect({ endpoint, token: token ?? '' });
  p.log(`configured for ${endpoint} (client ${req.terraform_version || 'unknown version'})`);
  return { diagnostics: [] };
}
