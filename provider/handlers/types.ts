// The shared resource handlers' contract (docs/architecture.md): one implementation per resource
// kind, driven by schema.json and talking to the composer over HTTP. The Pulumi dynamic provider
// and the Terraform provider are thin adapters around three of its methods (validate, plan,
// carryOver) plus the CRUD calls; docs/pulumi.md and docs/terraform.md describe the adapters.
import type { FieldFailure } from '../schema';

export { ComposerError, type ConnectionConfig } from '../client';

export type Props = Record<string, unknown>;

export interface CheckOptions {
  /** Plan/preview time of a new object: also dry-run the placement when the composer is reachable. */
  preview?: boolean;
  /** Prior inputs of an existing object: shrinking a grow-only attribute is refused. */
  olds?: Props;
  /** Input fields whose value is not known yet (plan-time unknowns): not validated, no rule fires on them. */
  unknown?: string[];
  /**
   * The existing object (with `olds`), or the one a replacement's create replaces: a growth or
   * replacement is then checked against the pool too (plan-wide feasibility).
   */
  id?: string;
  /**
   * The owner the create will record (the Terraform provider's address for it; Pulumi sends the
   * URN among the inputs): the preview's dry-run then reports another owner's object of the same
   * name as owner_conflict at plan time, not half-way through the apply.
   */
  owner?: string;
}

/** Per-call options of the mutations (the engine's timeouts for this resource, a cancel signal). */
export interface CallOptions {
  /** How long to wait for staging (create, update) or for the release (delete), in ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The composer identity the state recorded: a 404 from another composer is an error, not a deletion. */
  expectComposer?: string;
  /** Update of an imported object: adopt the configured secret, refusing (not rotating) a different one. */
  adopt?: boolean;
}

export interface ReadOptions {
  /** The composer identity the state recorded: a 404 from another composer is an error, not a deletion. */
  expectComposer?: string;
  /** Told when the object needs attention (deleting, retained, failed): a refresh warning. */
  onAttention?: (summary: string, detail: string) => void;
}

export interface CheckResult {
  /** Inputs with schema defaults applied. */
  inputs: Props;
  failures: FieldFailure[];
  /** What the check could not do (e.g. the composer did not answer: feasibility not checked). */
  warnings?: string[];
}

export interface ValidateOptions {
  /** Input fields whose value is not known yet (plan-time unknowns): not validated, no rule fires on them. */
  unknown?: string[];
  /** Required attributes are not enforced (the caller's framework does, e.g. Terraform's own validation). */
  partial?: boolean;
}

/** A grow-only attribute asked to shrink: refused at plan time. */
export interface RefusedShrink {
  field: string;
  from: unknown;
  to: unknown;
}

/** What applying new inputs to an object would do (or, with no prior object, making one). */
export interface Plan {
  /** A new object is made: there is no prior one, or a change replaces it. */
  create: boolean;
  /** Input attributes whose value changes (unknown ones count as changed). */
  changed: string[];
  /** Of those, the ones that force replacement. */
  replaces: string[];
  /** Of those, the ones applied in place. */
  updates: string[];
  /** Grow-only attributes that would shrink: the plan is refused. */
  refusedShrinks: RefusedShrink[];
  /**
   * Replaced attributes of a data-bearing object (a volume or slice) whose new inputs do not opt
   * in to losing its data (allowDataLoss): the plan is refused.
   */
  dataLoss: string[];
  /** Outputs whose new value is only known after apply. */
  recomputed: string[];
  /** Outputs guaranteed to keep their prior value (stable ones the change does not touch). */
  kept: string[];
  /** The replacement reuses the name, and the old object holds the capacity: delete it first. */
  deleteBeforeReplace: boolean;
}

export interface DiffResult {
  changes: boolean;
  /** Attribute names whose change forces replacement. */
  replaces: string[];
  /** Attribute names changed in place. */
  updates: string[];
  /** The name is reused, so the old object must go before the new one is made. */
  deleteBeforeReplace: boolean;
}

export interface ResourceHandler {
  /** schema.json resource type, e.g. tessera_volume. */
  readonly type: string;
  /** schema.json validation plus the cross-field rules, skipping unknowns; defaults applied. */
  validate(news: Props, opts?: ValidateOptions): CheckResult;
  /** The plan of a change from `olds` (undefined: a new object) to `news`. */
  plan(olds: Props | undefined, news: Props, opts?: { unknown?: string[] }): Plan;
  /** Fresh outputs with what the composer never returns (sensitive inputs, write-only versions) carried over from `prior`. */
  carryOver(fresh: Props, prior: Props): Props;
  /** validate, refused shrinks against `olds`; with `preview`, also dry-run the placement. */
  check(news: Props, opts?: CheckOptions): Promise<CheckResult>;
  diff(id: string, olds: Props, news: Props): DiffResult;
  /** Idempotent by (cluster, name). `owner` is the URN or Terraform address. */
  create(inputs: Props, owner: string, call?: CallOptions): Promise<{ id: string; outputs: Props }>;
  /** undefined when the object is gone (Pulumi/Terraform then drop it from state). */
  read(id: string, opts?: ReadOptions): Promise<Props | undefined>;
  /** The composer id an import names: an id, or the natural key (NAME, or CLUSTER/NAME for scoped kinds). */
  resolveImportId(ref: string): Promise<string>;
  /** The identity of the composer that answered last (recorded in state by the providers). */
  readonly composerId: string | undefined;
  update(id: string, olds: Props, news: Props, call?: CallOptions): Promise<Props>;
  /** Absent objects are fine. */
  delete(id: string, olds: Props, call?: CallOptions): Promise<void>;
}
