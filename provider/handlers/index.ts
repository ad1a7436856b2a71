// The shared resource handlers (docs/architecture.md): one per resource kind, plus the data
// sources. Used by the Pulumi dynamic provider (provider/pulumi) and the Terraform provider
// (provider/terraform).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { PROBLEM } from '../api/contract';
import { type FieldFailure, formatFailures, PROVIDER_SETTINGS, RESOURCE_TYPES, type ResourceType, schema, validateInput, validateProviderConfig } from '../schema';
import { CLIENT_CODES, ComposerClient } from '../client';
import { planClaims } from './claims';
import { HandlerOptions, SchemaResourceHandler } from './resource';
import { ComposerError, ConnectionConfig, Props } from './types';

export * from './types';
export type { FieldFailure } from '../schema';
export { ComposerClient, DEFAULT_RETRY, problemToError, retryAfterMs } from '../client';
export { IDENTITY_CODES, SchemaResourceHandler, WAIT_CODES } from './resource';
export { DATA_LOSS_OPT_IN, dataLossReason, modelFor, ResourceModel, validateConfig } from './model';
export type { HandlerOptions } from './resource';
export { crossFieldFailures } from './rules';
export { PlanClaims, planClaims } from './claims';
export { parseDuration, TIMEOUT_ACTIONS, timeoutFailures, timeoutMs, type TimeoutAction, type Timeouts } from './timeouts';
export { healthWarning } from './health';

/** A handler for one resource type (tessera_cluster, tessera_volume, tessera_slice, tessera_key_policy). */
export function handlerFor(type: string, config: ConnectionConfig, opts: HandlerOptions = {}): SchemaResourceHandler {
  if (!RESOURCE_TYPES.includes(type as ResourceType)) throw new Error(`unknown resource type ${type} (known: ${RESOURCE_TYPES.join(', ')})`);
  return new SchemaResourceHandler(type as ResourceType, new ComposerClient(config), { claims: planClaims(config.endpoint), ...opts });
}

/** All four handlers sharing one connection (and so one leader address). */
export function handlersFor(config: ConnectionConfig, opts: HandlerOptions = {}): Record<ResourceType, SchemaResourceHandler> {
  const client = new ComposerClient(config);
  const o = { claims: planClaims(config.endpoint), ...opts };
  return Object.fromEntries(RESOURCE_TYPES.map((t) => [t, new SchemaResourceHandler(t, client, o)])) as Record<ResourceType, SchemaResourceHandler>;
}

/**
 * Read a data source (tessera_capacity, tessera_inventory): inputs validated against
 * schema.json (defaults applied), answer limited to the schema's attributes.
 */
export async function readDataSource(type: string, inputs: Props, config: ConnectionConfig | ComposerClient): Promise<Props> {
  const spec = schema.dataSources[type];
  if (!spec) throw new Error(`unknown data source ${type} (known: ${Object.keys(schema.dataSources).join(', ')})`);
  const { value, failures } = validateInput(type, inputs, { mode: 'create' });
  if (failures.length) throw new ComposerError(`${type}: ${formatFailures(failures)}`, 422, PROBLEM.validationFailed, failures);
  const client = config instanceof ComposerClient ? config : new ComposerClient(config);
  const query: Record<string, string | number | boolean | string[]> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) query[k] = v as string | number | boolean | string[];
  const { data } = await client.request<Record<string, unknown>>('GET', spec.api, { query: Object.keys(query).length ? query : undefined });
  const out: Props = { ...value };
  for (const [field, attr] of Object.entries(spec.attributes)) if (attr.computed && data[field] !== undefined) out[field] = data[field];
  return out;
}

/** The provider settings (endpoint, token): environment variable and Pulumi config key of each. */
export { PROVIDER_SETTINGS };

/** Check provider settings against schema.json (types, lengths, the endpoint's scheme); absent ones are not checked. */
export function validateConnection(cfg: { endpoint?: string; token?: string }): FieldFailure[] {
  return validateProviderConfig(cfg);
}

/**
 * Endpoint and token from explicit values, else their environment variables (schema.json `env`),
 * and a private CA from TESSERA_CA_FILE (a PEM file of the CA that signed an https composer's
 * certificate, trusted besides the system roots, as the CLI's --ca-file and the agent's are).
 */
export function connectionFromEnv(explicit: Partial<ConnectionConfig> = {}, env: NodeJS.ProcessEnv = process.env): ConnectionConfig {
  const { endpoint: e, token: t } = PROVIDER_SETTINGS;
  const endpoint = explicit.endpoint || env[e.env] || '';
  const token = explicit.token || env[t.env] || '';
  if (!endpoint) throw new ComposerError(`endpoint: not set (set ${e.config} in the stack config or ${e.env})`, 0, CLIENT_CODES.badConfig);
  const ca = explicit.ca ?? (env.TESSERA_CA_FILE ? readCaFile(env.TESSERA_CA_FILE) : undefined);
  return { endpoint, token, retry: explicit.retry, ...(ca === undefined ? {} : { ca }) };
}

/** The PEM text of TESSERA_CA_FILE; a clear error naming the variable when it is not one. */
function readCaFile(file: string): string {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ComposerError(`TESSERA_CA_FILE: ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`, 0, CLIENT_CODES.badConfig);
  }
  try {
    new crypto.X509Certificate(pem);
  } catch {
    throw new ComposerError(`TESSERA_CA_FILE: ${file}: not a PEM certificate`, 0, CLIENT_CODES.badConfig);
  }
  return pem;
}
