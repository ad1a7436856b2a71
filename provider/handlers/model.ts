// The connection-free half of the handler API, the three methods both providers build on:
// validation with plan-time unknowns, the plan of a change (what changes, what replaces, which
// shrinks are refused, which outputs are recomputed, whether to delete first) and the carry-over
// of what the composer never returns. Nothing here talks to the composer, so Terraform can
// validate and plan before the provider is configured (docs/terraform.md, docs/pulumi.md).
import { type AttributeName, type BlockSpec, diffInputs, isInput, type KindEntry, KINDS, resourceSpec, RESOURCE_TYPES, type ResourceType, validateInput } from '../schema';
import { crossFieldFailures } from './rules';
import type { CheckResult, Plan, Props, ValidateOptions } from './types';

/**
 * The opt-in that lets a plan replace a data-bearing object (volumes and slices): a replacement
 * deletes the old object and its data first (docs/terraform.md, docs/pulumi.md "Data safety").
 */
export const DATA_LOSS_OPT_IN: AttributeName = 'allowDataLoss';

/**
 * Why a plan refuses to replace a data-bearing object, and what to do instead. `name` spells an
 * attribute the way the front end does (snake_case in Terraform).
 */
export function dataLossReason(model: ResourceModel, fields: string[], name: (f: string) => string = (f) => f): string {
  const what = model.spec.label ?? model.spec.kind.toLowerCase();
  const growth = model.spec.attributes[fields[0]]?.growOnly && model.spec.attributes[fields[0]]?.inPlaceWhen;
  const when = growth ? ` (it grows in place only for ${Object.entries(growth).map(([k, v]) => `${name(k)} ${v.join('/')}`).join(', ')})` : '';
  return (
    `changing ${fields.map(name).join(', ')} replaces the ${what}${when}: the replacement deletes it and its data first. ` +
    `Keep the old value and create a new ${what} beside it to move the data, or set ${name(DATA_LOSS_OPT_IN)} = true to replace it and lose the data`
  );
}

/** Stands in for an unknown input in a diff: never equal to a real value. */
const UNKNOWN_VALUE = '\u0000unknown';

/** Is the failure about an unknown field (or an element or member of one)? */
function isUnknownField(field: string, unknown: string[]): boolean {
  return unknown.some((u) => field === u || field.startsWith(`${u}[`) || field.startsWith(`${u}.`));
}

/**
 * Validate the inputs of a resource or data source: schema.json, then the cross-field rules,
 * with defaults applied. Unknown fields are left out: neither checked nor given to a rule, and
 * no failure names them. `partial` leaves required attributes to the caller's framework.
 */
export function validateConfig(type: string, news: Props, opts: ValidateOptions = {}): CheckResult {
  const unknown = opts.unknown ?? [];
  const known: Props = {};
  for (const [k, v] of Object.entries(news)) if (!unknown.includes(k)) known[k] = v;
  const { value, failures: created } = validateInput(type, known, { mode: 'create' });
  for (const u of unknown) delete value[u];
  const failures = (opts.partial ? validateInput(type, known, { mode: 'update' }).failures : created).filter((f) => !isUnknownField(f.field, unknown));
  failures.push(...crossFieldFailures(type, value, unknown));
  return { inputs: value, failures };
}

/** One resource kind's model: its schema.json block and registry entry, and the three methods. */
export class ResourceModel {
  readonly spec: BlockSpec;
  /** The kind's registry entry (provider/schema/kinds.generated.ts). */
  readonly kind: KindEntry;

  constructor(readonly type: ResourceType) {
    this.spec = resourceSpec(type);
    this.kind = KINDS[type];
  }

  validate(news: Props, opts: ValidateOptions = {}): CheckResult {
    return validateConfig(this.type, news, opts);
  }

  plan(olds: Props | undefined, news: Props, opts: { unknown?: string[] } = {}): Plan {
    const attrs = this.spec.attributes;
    const outputs = Object.keys(attrs).filter((f) => !isInput(attrs[f]));
    if (!olds) {
      return { create: true, changed: [], replaces: [], updates: [], refusedShrinks: [], dataLoss: [], recomputed: outputs, kept: [], deleteBeforeReplace: false };
    }
    // An unknown input is a change; whether it replaces follows its schema.json rule.
    const probe: Props = { ...news };
    for (const u of opts.unknown ?? []) probe[u] = UNKNOWN_VALUE;
    const d = diffInputs(this.type, olds, probe);
    const replaces = d.replaces;
    // Names are reused by the replacement, and the old object holds the capacity the new one
    // may need: delete first unless the identity itself changes.
    const identityChanged = replaces.some((f) => this.kind.identity.includes(f as never));
    const base = {
      changed: d.changed,
      replaces,
      updates: d.changed.filter((f) => !replaces.includes(f)),
      refusedShrinks: d.shrinks.map((field) => ({ field, from: olds[field], to: news[field] })),
      deleteBeforeReplace: replaces.length > 0 && !identityChanged,
      // A placed object holds data: replacing it is refused unless the new inputs opt in.
      dataLoss: this.kind.placed && news[DATA_LOSS_OPT_IN] !== true ? replaces : [],
    };
    if (replaces.length) return { ...base, create: true, recomputed: outputs, kept: [] };
    const stable = (f: string) => !!attrs[f].stable;
    if (!d.changed.length) return { ...base, create: false, recomputed: [], kept: outputs.filter(stable) };
    // A resize (a growOnly attribute changing in place) reshapes the placement: the outputs
    // that are part of it are recomputed even though they are otherwise stable.
    const resizes = d.changed.some((f) => attrs[f]?.growOnly === true);
    const recomputed = outputs.filter((f) => !stable(f) || (resizes && this.kind.placementOutputs.includes(f as never)));
    return { ...base, create: false, recomputed, kept: outputs.filter((f) => stable(f) && !recomputed.includes(f)) };
  }

  carryOver(fresh: Props, prior: Props): Props {
    const out: Props = { ...fresh };
    const versions = new Set<string>(Object.values(this.kind.writeOnlyVersions));
    // adopt is never stored by the composer: the inputs' value, else its default (an import).
    const adopt = this.kind.adopt;
    out[adopt] = prior[adopt] ?? this.spec.attributes[adopt]?.default;
    for (const [field, attr] of Object.entries(this.spec.attributes)) {
      if (prior[field] === undefined) continue;
      // Sensitive values are never returned by the composer; nor is a write-only value's
      // version companion (only the value's effect is kept).
      if (attr.sensitive && !attr.writeOnly) out[field] = prior[field];
      else if (versions.has(field) && out[field] === undefined) out[field] = prior[field];
    }
    return out;
  }
}

/** The model of a resource type, for callers without a composer connection (validation, plans). */
export function modelFor(type: string): ResourceModel {
  if (!RESOURCE_TYPES.includes(type as ResourceType)) throw new Error(`unknown resource type ${type} (known: ${RESOURCE_TYPES.join(', ')})`);
  return new ResourceModel(type as ResourceType);
}
