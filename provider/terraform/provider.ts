// The tfplugin6 Provider service: a thin adapter from Terraform's plan/apply protocol to the
// shared resource handlers (provider/handlers), with the schema derived from schema.json.
//
// Planning rules (what keeps "Provider produced inconsistent result" away):
//  - inputs are planned as configured, defaults filled in (known); applied state keeps them;
//  - computed outputs are unknown on create/replace; on an in-place update only the ones that
//    can change (not `stable`) become unknown; with no change the plan is the prior state;
//  - write-only attributes are null in every plan and state.
import { createHash } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { readDataSource } from '../handlers';
import { crossFieldFailures } from '../handlers/rules';
import { ComposerError, type ConnectionConfig, type Props, type ResourceHandler } from '../handlers/types';
import { diffInputs, type FieldFailure, tfName, validateInput, validateProviderConfig } from '../schema';
import { type CtyValue, containsUnknown, decodeDynamicValue, type DynamicValueWire, encodeDynamicValue, fromJson, isUnknown, unknown } from './cty';
import {
  attributePath,
  dataSourceBlocks,
  fromTfObject,
  providerBlock,
  resourceBlocks,
  SCHEMA_VERSION,
  schemaMessage,
  type TfAttribute,
  type TfBlock,
  toTfObject,
} from './schema';

export type HandlerFactory = (conn: ConnectionConfig) => Record<string, ResourceHandler>;

type TfObject = Record<string, CtyValue>;

export interface Diagnostic {
  severity: 1 | 2;
  summary: string;
  detail: string;
  attribute?: { steps: Record<string, unknown>[] };
}

function error(summary: string, detail = '', field?: string): Diagnostic {
  return { severity: 1, summary, detail, attribute: field ? attributePath(field) : undefined };
}

/** Terraform users read snake_case: rename schema.json attribute names inside a message. */
export function inTfTerms(text: string): string {
  return text.replace(TF_RENAMES, (m) => tfName(m));
}
const TF_RENAMES = new RegExp(
  `\\b(${[...new Set([...resourceBlocks.values(), ...dataSourceBlocks.values()].flatMap((b) => b.attributes.filter((a) => a.tfName !== a.name).map((a) => a.name)))].join('|')})\\b`,
  'g',
);

function failureDiagnostics(failures: FieldFailure[], summary = 'Invalid attribute'): Diagnostic[] {
  return failures.map((f) => error(`${summary}: ${inTfTerms(f.field)}`, `${inTfTerms(f.field)}: ${inTfTerms(f.reason)}`, f.field));
}

/** A handler/composer failure as diagnostics: the problem details, and one per failing field. */
export function errorDiagnostics(e: unknown, action: string): Diagnostic[] {
  if (e instanceof ComposerError) {
    const out: Diagnostic[] = [error(`${action} failed: ${e.code}`, `${inTfTerms(e.message)}${e.status ? ` (HTTP ${e.status})` : ''}`)];
    for (const f of e.fieldErrors) {
      const field = inTfTerms(f.field);
      const reason = inTfTerms(f.reason);
      out.push(error(`${action} failed: ${field}`, reason.startsWith(`${field}:`) ? reason : `${field}: ${reason}`, f.field));
    }
    return out;
  }
  return [error(`${action} failed`, (e as Error)?.message ?? String(e))];
}

/** `<name>Version` next to a write-only `<name>`: bumped by the user to re-send the value. */
function isWriteOnlyVersion(b: TfBlock, a: TfAttribute): boolean {
  return b.attributes.some((w) => w.spec.writeOnly && `${w.name}Version` === a.name);
}

function blockOf(map: Map<string, TfBlock>, typeName: string): TfBlock {
  const b = map.get(typeName);
  if (!b) throw new ProtocolError(`unknown type ${JSON.stringify(typeName)} (this provider has ${[...map.keys()].join(', ')})`);
  return b;
}

class ProtocolError extends Error {}

const isInputAttr = (a: TfAttribute): boolean => a.required || a.optional;

/** schema.json-named inputs of a configuration/plan, plus the names whose values are unknown. */
function inputsOf(b: TfBlock, obj: TfObject | null): { inputs: Props; unknownFields: string[] } {
  const inputs = fromTfObject(b, obj, isInputAttr);
  const unknownFields = b.attributes.filter((a) => isInputAttr(a) && obj && containsUnknown(obj[a.tfName] ?? null)).map((a) => a.name);
  return { inputs, unknownFields };
}

function sameValue(a: CtyValue | undefined, b: CtyValue | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export interface ProviderState {
  conn?: ConnectionConfig;
  writeOnlyAllowed: boolean;
  stopped: boolean;
}

export class TesseraProvider {
  readonly state: ProviderState = { writeOnlyAllowed: false, stopped: false };
  private handlers?: Record<string, ResourceHandler>;

  constructor(
    private readonly makeHandlers: HandlerFactory,
    private readonly env: Record<string, string | undefined>,
    private readonly log: (line: string) => void,
  ) {}

  private handler(typeName: string): ResourceHandler {
    if (!this.state.conn) throw new ProtocolError('the provider is not configured (ConfigureProvider was not called)');
    this.handlers ??= this.makeHandlers(this.state.conn);
    const h = this.handlers[typeName];
    if (!h) throw new ProtocolError(`no handler for ${typeName}`);
    return h;
  }

  // ---- schema ------------------------------------------------------------------------------

  getMetadata(): unknown {
    return {
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: false, move_resource_state: false },
      diagnostics: [],
      resources: [...resourceBlocks.keys()].map((type_name) => ({ type_name })),
      data_sources: [...dataSourceBlocks.keys()].map((type_name) => ({ type_name })),
    };
  }

  getProviderSchema(): unknown {
    const resource_schemas: Record<string, unknown> = {};
    for (const [k, b] of resourceBlocks) resource_schemas[k] = schemaMessage(b);
    const data_source_schemas: Record<string, unknown> = {};
    for (const [k, b] of dataSourceBlocks) data_source_schemas[k] = schemaMessage(b);
    return {
      provider: schemaMessage(providerBlock),
      resource_schemas,
      data_source_schemas,
      diagnostics: [],
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: false, move_resource_state: false },
    };
  }

  // ---- provider configuration --------------------------------------------------------------

  private providerConfig(dv: DynamicValueWire): { endpoint?: string; token?: string; diags: Diagnostic[]; unknownEndpoint: boolean } {
    const cfg = decodeDynamicValue(dv, providerBlock.type) as TfObject | null;
    const diags: Diagnostic[] = [];
    const pick = (name: string, env: string): string | undefined => {
      const v = cfg?.[name];
      if (typeof v === 'string' && v !== '') return v;
      return this.env[env] || undefined;
    };
    const unknownEndpoint = !!cfg && isUnknown(cfg.endpoint);
    const endpoint = unknownEndpoint ? undefined : pick('endpoint', 'TESSERA_ENDPOINT');
    const token = cfg && isUnknown(cfg.token) ? undefined : pick('token', 'TESSERA_TOKEN');
    // schema.json's provider attributes: endpoint ^https?:// and both bounded in length.
    for (const f of validateProviderConfig({ endpoint, token })) diags.push(error(`Invalid provider ${f.field}`, `${f.field}: ${f.reason}`, f.field));
    return { endpoint, token, diags, unknownEndpoint };
  }

  validateProviderConfig(req: { config: DynamicValueWire }): unknown {
    return { diagnostics: this.providerConfig(req.config).diags };
  }

  configureProvider(req: { config: DynamicValueWire; terraform_version: string; client_capabilities?: { write_only_attributes_allowed?: boolean } }): unknown {
    const { endpoint, token, diags, unknownEndpoint } = this.providerConfig(req.config);
    this.state.writeOnlyAllowed = !!req.client_capabilities?.write_only_attributes_allowed;
    if (diags.length) return { diagnostics: diags };
    // An endpoint known only after apply (it comes from another resource): plan without
    // feasibility checks; Terraform configures the provider again before applying.
    if (unknownEndpoint) {
      this.state.conn = undefined;
      this.handlers = undefined;
      return { diagnostics: [] };
    }
    if (!endpoint) {
      return {
        diagnostics: [error('Missing composer endpoint', 'endpoint: set it in the provider block or in TESSERA_ENDPOINT (e.g. http://127.0.0.1:7420)', 'endpoint')],
      };
    }
    this.state.conn = { endpoint, token: token ?? '' };
    this.handlers = undefined;
    this.log(`configured for ${endpoint} (client ${req.terraform_version || 'unknown version'})`);
    return { diagnostics: [] };
  }

  // ---- validation --------------------------------------------------------------------------

  validateResourceConfig(req: { type_name: string; config: DynamicValueWire; client_capabilities?: { write_only_attributes_allowed?: boolean } }): unknown {
    const b = blockOf(resourceBlocks, req.type_name);
    const cfg = decodeDynamicValue(req.config, b.type) as TfObject | null;
    const diags = this.validateInputs(b, cfg);
    for (const a of b.attributes) {
      if (a.spec.writeOnly && cfg && cfg[a.tfName] !== null && !req.client_capabilities?.write_only_attributes_allowed) {
        diags.push(
          error(
            `Write-only attribute not supported: ${a.tfName}`,
            `${a.tfName}: this Terraform/OpenTofu does not support write-only attributes (Terraform >= 1.11 does); use the sensitive non-write-only form instead`,
            a.name,
          ),
        );
      }
    }
    return { diagnostics: diags };
  }

  validateDataResourceConfig(req: { type_name: string; config: DynamicValueWire }): unknown {
    const b = blockOf(dataSourceBlocks, req.type_name);
    const cfg = decodeDynamicValue(req.config, b.type) as TfObject | null;
    return { diagnostics: this.validateInputs(b, cfg) };
  }

  /** schema.json validation of the known inputs, plus cross-field rules that skip unknowns. */
  private validateInputs(b: TfBlock, cfg: TfObject | null): Diagnostic[] {
    const { inputs, unknownFields } = inputsOf(b, cfg);
    // 'update' mode: Terraform itself enforces required attributes (which may still be unknown).
    const { failures } = validateInput(b.typeName, inputs, { mode: 'update' });
    const withDefaults = validateInput(b.typeName, inputs, { mode: 'create' }).value;
    for (const f of unknownFields) delete withDefaults[f];
    const cross = crossFieldFailures(b.typeName, withDefaults, unknownFields);
    return failureDiagnostics([...failures, ...cross]);
  }

  // ---- state -------------------------------------------------------------------------------

  upgradeResourceState(req: { type_name: string; version: number; raw_state?: { json?: Buffer } }): unknown {
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

  /**
   * Terraform state for a composer object. Inputs come from the composer (so drift shows),
   * except what the composer cannot return (sensitive values: kept from the prior state;
   * write-only: always null) and optional inputs without a default the prior state left null.
   */
  private stateFrom(b: TfBlock, props: Props, prior: TfObject | null, keepInputs?: TfObject): TfObject {
    const fresh = toTfObject(b, props);
    const out: TfObject = {};
    for (const a of b.attributes) {
      const name = a.tfName;
      if (a.spec.writeOnly) out[name] = null;
      else if (keepInputs && isInputAttr(a)) out[name] = keepInputs[name] ?? null;
      else if (a.spec.sensitive) out[name] = prior?.[name] ?? null;
      // The composer keeps no copy of a write-only value's version companion (secretWoVersion).
      else if (isWriteOnlyVersion(b, a) && props[a.name] === undefined) out[name] = prior?.[name] ?? null;
      else if (isInputAttr(a) && !a.computed && prior && prior[name] === null && a.spec.default === undefined) out[name] = null;
      else if (!isInputAttr(a) && fresh[name] === null && prior && prior[name] !== null && a.spec.stable) out[name] = prior[name];
      else out[name] = fresh[name];
    }
    return out;
  }

  async readResource(req: { type_name: string; current_state: DynamicValueWire; private: Buffer }): Promise<unknown> {
    const b = blockOf(resourceBlocks, req.type_name);
    const current = decodeDynamicValue(req.current_state, b.type) as TfObject | null;
    const id = current?.id;
    if (!current || typeof id !== 'string') return { new_state: req.current_state, diagnostics: [], private: req.private };
    try {
      const props = await this.handler(b.typeName).read(id);
      if (!props) return { new_state: encodeDynamicValue(null, b.type), diagnostics: [], private: req.private };
      return { new_state: encodeDynamicValue(this.stateFrom(b, { ...props, id }, current), b.type), diagnostics: [], private: req.private };
    } catch (e) {
      return { new_state: req.current_state, diagnostics: errorDiagnostics(e, `Reading ${b.typeName} ${id}`), private: req.private };
    }
  }

  async importResourceState(req: { type_name: string; id: string }): Promise<unknown> {
    const b = blockOf(resourceBlocks, req.type_name);
    try {
      const props = await this.handler(b.typeName).read(req.id);
      if (!props) {
        return {
          imported_resources: [],
          diagnostics: [error(`Cannot import ${b.typeName}`, `id: no ${b.spec.kind} with id ${JSON.stringify(req.id)} exists in the composer`)],
        };
      }
      const state = this.stateFrom(b, { ...props, id: req.id }, null);
      return { imported_resources: [{ type_name: b.typeName, state: encodeDynamicValue(state, b.type), private: Buffer.alloc(0) }], diagnostics: [] };
    } catch (e) {
      return { imported_resources: [], diagnostics: errorDiagnostics(e, `Importing ${b.typeName} ${req.id}`) };
    }
  }

  // ---- planning ----------------------------------------------------------------------------

  async planResourceChange(req: {
    type_name: string;
    prior_state: DynamicValueWire;
    proposed_new_state: DynamicValueWire;
    config: DynamicValueWire;
    prior_private: Buffer;
  }): Promise<unknown> {
    const b = blockOf(resourceBlocks, req.type_name);
    const prior = decodeDynamicValue(req.prior_state, b.type) as TfObject | null;
    const proposed = decodeDynamicValue(req.proposed_new_state, b.type) as TfObject | null;
    const config = decodeDynamicValue(req.config, b.type) as TfObject | null;
    const empty = { planned_private: req.prior_private ?? Buffer.alloc(0), requires_replace: [] as unknown[] };
    // Terraform plans a replacement twice: with the prior state, then with a null prior and
    // the first answer's private bytes. The marker there says "this create replaces <id>".
    const replacing = prior ? undefined : replacedId(req.prior_private);
    if (!proposed) return { ...empty, planned_state: encodeDynamicValue(null, b.type), diagnostics: [] };

    const diags: Diagnostic[] = [];
    // Inputs: configured values, defaults where the configuration leaves them null.
    const planned: TfObject = {};
    for (const a of b.attributes) {
      const name = a.tfName;
      if (a.spec.writeOnly) planned[name] = null;
      else if (isInputAttr(a)) {
        const v = config?.[name] ?? null;
        planned[name] = v === null && a.spec.default !== undefined ? toTfObject(b, { [a.name]: a.spec.default })[name] : v;
      } else planned[name] = prior?.[name] ?? null;
    }

    const requiresReplace: { steps: Record<string, unknown>[] }[] = [];
    let create = !prior;
    let changed = false;
    // A resize (a growOnly attribute changing in place) reshapes the placement: even `stable`
    // outputs other than identity (members, their sizes) are recomputed.
    let resizes = false;
    if (prior) {
      const priorInputs = fromTfObject(b, prior, isInputAttr);
      const { inputs: newInputs, unknownFields } = inputsOf(b, planned);
      // An unknown input is a change; whether it replaces follows its schema.json rule.
      const marker = '\u0000unknown';
      for (const f of unknownFields) newInputs[f] = marker;
      const d = diffInputs(b.typeName, priorInputs, newInputs);
      // A write-only value is re-sent when its version companion changes, which diffInputs sees.
      changed = d.changed.length > 0;
      resizes = d.changed.some((f) => b.spec.attributes[f]?.growOnly === true);
      for (const f of d.replaces) requiresReplace.push({ steps: [{ attribute_name: b.attributes.find((a) => a.name === f)!.tfName }] });
      for (const f of d.shrinks) {
        diags.push(error(`Cannot shrink ${tfName(f)}`, `${tfName(f)}: shrinking is refused (from ${String(priorInputs[f])} to ${String(newInputs[f])} GiB); only growth is applied in place`, f));
      }
      if (d.replaces.length) {
        create = true;
        empty.planned_private = Buffer.from(JSON.stringify({ replaces: prior.id }));
      }
    }

    // Computed outputs.
    for (const a of b.attributes) {
      if (isInputAttr(a)) continue;
      const name = a.tfName;
      if (create) planned[name] = unknown;
      else if (changed && (!a.spec.stable || (resizes && a.name !== 'id' && a.name !== 'owner'))) planned[name] = unknown;
      else planned[name] = prior ? (prior[name] ?? null) : unknown;
    }
    if (create && b.byTfName.has('owner')) planned.owner = typeof planned.name === 'string' ? ownerFor(b.typeName, planned.name) : unknown;

    // Plan-time feasibility: the handlers' check with a dry-run placement (or a capacity query
    // while the cluster is still unknown); failures point at the attribute. A replacement is
    // only validated: the object it replaces still holds its name and its drives at plan time.
    if (create && this.state.conn && diags.length === 0) {
      const { inputs, unknownFields } = inputsOf(b, planned);
      try {
        const res = await this.handler(b.typeName).check({ ...inputs, ...this.writeOnlyInputs(b, config) }, { preview: !prior && !replacing, unknown: unknownFields } as never);
        diags.push(...failureDiagnostics(res.failures, 'Not feasible'));
      } catch (e) {
        diags.push(...errorDiagnostics(e, `Planning ${b.typeName}`));
      }
    }
    return { ...empty, planned_state: encodeDynamicValue(planned, b.type), requires_replace: requiresReplace, diagnostics: diags };
  }

  private writeOnlyInputs(b: TfBlock, config: TfObject | null): Props {
    const out: Props = {};
    for (const a of b.attributes) {
      const v = config?.[a.tfName];
      if (a.spec.writeOnly && typeof v === 'string') out[a.name] = v;
    }
    return out;
  }

  // ---- apply -------------------------------------------------------------------------------

  async applyResourceChange(req: {
    type_name: string;
    prior_state: DynamicValueWire;
    planned_state: DynamicValueWire;
    config: DynamicValueWire;
    planned_private: Buffer;
  }): Promise<unknown> {
    const b = blockOf(resourceBlocks, req.type_name);
    const prior = decodeDynamicValue(req.prior_state, b.type) as TfObject | null;
    const planned = decodeDynamicValue(req.planned_state, b.type) as TfObject | null;
    const config = decodeDynamicValue(req.config, b.type) as TfObject | null;
    const priv = req.planned_private ?? Buffer.alloc(0);
    const h = this.handler(b.typeName);
    const wo = this.writeOnlyInputs(b, config);
    try {
      if (!planned) {
        if (prior && typeof prior.id === 'string') await h.delete(prior.id, fromTfObject(b, prior, isInputAttr));
        return { new_state: encodeDynamicValue(null, b.type), private: priv, diagnostics: [] };
      }
      const news = { ...fromTfObject(b, planned, isInputAttr), ...wo };
      let id: string;
      let outputs: Props;
      if (!prior) {
        const owner = typeof planned.owner === 'string' ? planned.owner : ownerFor(b.typeName, String(planned.name ?? ''));
        const made = await h.create(news, owner);
        id = made.id;
        outputs = made.outputs;
      } else {
        id = String(prior.id);
        outputs = await h.update(id, fromTfObject(b, prior, isInputAttr), news);
      }
      const state = this.stateFrom(b, { ...outputs, id }, prior, planned);
      // Known planned values stay exactly as planned (Terraform checks it); unknowns take the result.
      for (const a of b.attributes) {
        const p = planned[a.tfName];
        if (p !== null && !containsUnknown(p) && !sameValue(p, state[a.tfName])) {
          if (!isInputAttr(a)) this.log(`${b.typeName} ${id}: ${a.tfName} differs from the plan; keeping the planned value`);
          state[a.tfName] = p;
        }
      }
      return { new_state: encodeDynamicValue(state, b.type), private: priv, diagnostics: [] };
    } catch (e) {
      const action = !planned ? 'Deleting' : !prior ? 'Creating' : 'Updating';
      // On a failed update or delete the object is unchanged: hand the prior state back.
      return { new_state: encodeDynamicValue(prior, b.type), private: priv, diagnostics: errorDiagnostics(e, `${action} ${b.typeName}`) };
    }
  }

  // ---- data sources ------------------------------------------------------------------------

  async readDataSource(req: { type_name: string; config: DynamicValueWire }): Promise<unknown> {
    const b = blockOf(dataSourceBlocks, req.type_name);
    const cfg = decodeDynamicValue(req.config, b.type) as TfObject | null;
    if (!this.state.conn) return { diagnostics: [error('Provider not configured', 'endpoint: set it in the provider block or TESSERA_ENDPOINT')] };
    try {
      const props = await readDataSource(b.typeName, fromTfObject(b, cfg, isInputAttr), this.state.conn);
      const state = toTfObject(b, props);
      const query: Props = {};
      for (const a of b.attributes) if (isInputAttr(a) && props[a.name] !== undefined) query[a.name] = props[a.name];
      state.id = `${b.typeName}:${createHash('sha256').update(JSON.stringify(query)).digest('hex').slice(0, 16)}`;
      return { state: encodeDynamicValue(state, b.type), diagnostics: [] };
    } catch (e) {
      return { diagnostics: errorDiagnostics(e, `Reading data source ${b.typeName}`) };
    }
  }

  stop(): unknown {
    this.state.stopped = true;
    return { Error: '' };
  }
}

function replacedId(priv: Buffer | undefined): string | undefined {
  if (!priv || priv.length === 0) return undefined;
  try {
    const v = JSON.parse(Buffer.from(priv).toString('utf8')) as { replaces?: unknown };
    return typeof v.replaces === 'string' ? v.replaces : undefined;
  } catch {
    return undefined;
  }
}

/** The owner recorded on objects this provider makes. */
export function ownerFor(typeName: string, name: string): string {
  return `terraform:${typeName}.${name}`;
}

type Unary = (call: grpc.ServerUnaryCall<never, unknown>, cb: grpc.sendUnaryData<unknown>) => void;

/** gRPC method table for the tfplugin6.Provider service. Protocol errors become INVALID_ARGUMENT. */
export function providerService(p: TesseraProvider, log: (line: string) => void): Record<string, Unary> {
  const wrap =
    (name: string, fn: (req: never) => unknown): Unary =>
    (call, cb) => {
      Promise.resolve()
        .then(() => fn(call.request))
        .then(
          (res) => cb(null, res),
          (e: Error) => {
            log(`${name}: ${e.message}`);
            if (e instanceof ProtocolError) cb({ code: 3, details: e.message } as grpc.ServiceError);
            else cb(null, { diagnostics: [error(`${name} failed`, e.message)] });
          },
        );
    };
  return {
    GetMetadata: wrap('GetMetadata', () => p.getMetadata()),
    GetProviderSchema: wrap('GetProviderSchema', () => p.getProviderSchema()),
    GetResourceIdentitySchemas: wrap('GetResourceIdentitySchemas', () => ({ identity_schemas: {}, diagnostics: [] })),
    ValidateProviderConfig: wrap('ValidateProviderConfig', (r) => p.validateProviderConfig(r)),
    ValidateResourceConfig: wrap('ValidateResourceConfig', (r) => p.validateResourceConfig(r)),
    ValidateDataResourceConfig: wrap('ValidateDataResourceConfig', (r) => p.validateDataResourceConfig(r)),
    UpgradeResourceState: wrap('UpgradeResourceState', (r) => p.upgradeResourceState(r)),
    ConfigureProvider: wrap('ConfigureProvider', (r) => p.configureProvider(r)),
    ReadResource: wrap('ReadResource', (r) => p.readResource(r)),
    PlanResourceChange: wrap('PlanResourceChange', (r) => p.planResourceChange(r)),
    ApplyResourceChange: wrap('ApplyResourceChange', (r) => p.applyResourceChange(r)),
    ImportResourceState: wrap('ImportResourceState', (r) => p.importResourceState(r)),
    ReadDataSource: wrap('ReadDataSource', (r) => p.readDataSource(r)),
    GetFunctions: wrap('GetFunctions', () => ({ diagnostics: [] })),
    ValidateListResourceConfig: wrap('ValidateListResourceConfig', () => ({ diagnostics: [] })),
    StopProvider: wrap('StopProvider', () => p.stop()),
  };
}
