// Terraform objects and the handlers' props: which attributes of a configuration or plan are
// inputs and which are unknown, the state written for a composer object, the owner this
// provider records, and the private marker a replacement's second plan carries.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Props, ResourceModel, Timeouts } from '../handlers';
import { type CtyValue, containsUnknown } from './cty';
import { ProtocolError } from './diagnostics';
import { fromTfObject, type TfAttribute, type TfBlock, TIMEOUTS_BLOCK, toTfObject } from './schema';

export type TfObject = Record<string, CtyValue>;

export function blockOf(map: Map<string, TfBlock>, typeName: string): TfBlock {
  const b = map.get(typeName);
  if (!b) throw new ProtocolError(`unknown type ${JSON.stringify(typeName)} (this provider has ${[...map.keys()].join(', ')})`);
  return b;
}

/** The Terraform name of a schema.json attribute of the block (undefined when it has none). */
export function tfNameOf(b: TfBlock, name: string): string | undefined {
  return b.attributes.find((a) => a.name === name)?.tfName;
}

export const isInputAttr = (a: TfAttribute): boolean => a.required || a.optional;

/** schema.json-named inputs of a configuration/plan, plus the names whose values are unknown. */
export function inputsOf(b: TfBlock, obj: TfObject | null): { inputs: Props; unknownFields: string[] } {
  const inputs = fromTfObject(b, obj, isInputAttr);
  const unknownFields = b.attributes.filter((a) => isInputAttr(a) && obj && containsUnknown(obj[a.tfName] ?? null)).map((a) => a.name);
  return { inputs, unknownFields };
}

export function sameValue(a: CtyValue | undefined, b: CtyValue | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The write-only values of a configuration (never in a plan or state, so read from the config). */
export function writeOnlyInputs(b: TfBlock, config: TfObject | null): Props {
  const out: Props = {};
  for (const a of b.attributes) {
    const v = config?.[a.tfName];
    if (a.spec.writeOnly && typeof v === 'string') out[a.name] = v;
  }
  return out;
}

/**
 * Terraform state for a composer object. Inputs come from the composer (so drift shows),
 * except what the composer cannot return (carried over by the handlers' model: sensitive values
 * and write-only version companions from the prior state; write-only values: always null) and
 * optional inputs without a default the prior state left null. With `keepInputs` (after an
 * apply) the planned inputs are kept as they are.
 */
export function stateFrom(b: TfBlock, model: ResourceModel, props: Props, prior: TfObject | null, keepInputs?: TfObject): TfObject {
  const fresh = toTfObject(b, model.carryOver(props, fromTfObject(b, prior)));
  const out: TfObject = {};
  for (const a of b.attributes) {
    const name = a.tfName;
    if (a.spec.writeOnly) out[name] = null;
    else if (keepInputs && isInputAttr(a)) out[name] = keepInputs[name] ?? null;
    else if (isInputAttr(a) && !a.computed && prior && prior[name] === null && a.spec.default === undefined) out[name] = null;
    else if (!isInputAttr(a) && fresh[name] === null && prior && prior[name] !== null && a.spec.stable) out[name] = prior[name];
    else out[name] = fresh[name];
  }
  // Nested blocks (timeouts) are configuration only: as planned, else as the prior state had them.
  for (const nb of b.blocks) out[nb.typeName] = (keepInputs ? keepInputs[nb.typeName] : prior?.[nb.typeName]) ?? null;
  return out;
}

/** The `timeouts` block of a configuration, plan or state (known strings only). */
export function timeoutsOf(b: TfBlock, obj: TfObject | null): Timeouts | undefined {
  const nb = b.blocks.find((x) => x.typeName === TIMEOUTS_BLOCK);
  const v = nb && obj ? obj[nb.typeName] : null;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Timeouts = {};
  for (const [k, x] of Object.entries(v as Record<string, CtyValue>)) if (typeof x === 'string') out[k as keyof Timeouts] = x;
  return out;
}

/**
 * The owner recorded on objects this provider makes: the type and name, prefixed with the
 * workspace when it is not `default`, so two workspaces of one configuration declaring the same
 * names are two owners (the composer refuses the second: docs/api.md "Owners"). The plugin
 * protocol carries neither the resource address nor the state lineage; the workspace is what
 * OpenTofu and Terraform tell their providers' environment: `TF_WORKSPACE`, else the
 * `environment` file of the data directory (`TF_DATA_DIR`, default `.terraform`) in the working
 * directory they start the provider in (docs/terraform.md "Owners").
 */
export function ownerFor(typeName: string, name: string, workspace: string = currentWorkspace()): string {
  return workspace === 'default' ? `terraform:${typeName}.${name}` : `terraform:${workspace}/${typeName}.${name}`;
}

/** A workspace name as OpenTofu and Terraform accept it (letters, digits, `-`, `_`, `.`). */
const WORKSPACE = /^[A-Za-z0-9._-]{1,90}$/;

/** The selected workspace of the working directory the engine started this provider in. */
export function currentWorkspace(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (env.TF_WORKSPACE && WORKSPACE.test(env.TF_WORKSPACE)) return env.TF_WORKSPACE;
  try {
    const named = fs.readFileSync(path.resolve(cwd, env.TF_DATA_DIR || '.terraform', 'environment'), 'utf8').trim();
    if (WORKSPACE.test(named)) return named;
  } catch {
    // no environment file: the default workspace
  }
  return 'default';
}

/**
 * What the provider keeps in a resource's private state (JSON; stored in the state file beside
 * the attributes): the identity of the composer that holds the object, and, in the first plan of
 * a replacement, "this create replaces <id>".
 */
export interface PrivateState {
  composer?: string;
  replaces?: string;
  /** Imported, not yet applied: the first apply adopts what the composer cannot return (the secret). */
  imported?: string;
}

export function readPrivate(priv: Buffer | undefined): PrivateState {
  if (!priv || priv.length === 0) return {};
  try {
    const v = JSON.parse(Buffer.from(priv).toString('utf8')) as Record<string, unknown>;
    const out: PrivateState = {};
    if (typeof v.composer === 'string') out.composer = v.composer;
    if (typeof v.replaces === 'string') out.replaces = v.replaces;
    if (typeof v.imported === 'string') out.imported = v.imported;
    return out;
  } catch {
    return {};
  }
}

export function writePrivate(ps: PrivateState): Buffer {
  const clean = Object.fromEntries(Object.entries(ps).filter(([, v]) => typeof v === 'string' && v));
  return Object.keys(clean).length ? Buffer.from(JSON.stringify(clean)) : Buffer.alloc(0);
}
