// The shared resource handlers' contract (docs/architecture.md): one implementation per resource
// kind, driven by schema.json and talking to the composer over HTTP. The Pulumi dynamic provider
// and the Terraform provider are thin adapters around these.
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
}

export interface CheckResult {
  /** Inputs with schema defaults applied. */
  inputs: Props;
  failures: FieldFailure[];
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
  /** Validate inputs against schema.json (+ cross-field rules); with `preview`, also dry-run the placement. */
  check(news: Props, opts?: CheckOptions): Promise<CheckResult>;
  diff(id: string, olds: Props, news: Props): DiffResult;
  /** Idempotent by (cluster, name). `owner` is the URN or Terraform address. */
  create(inputs: Props, owner: string): Promise<{ id: string; outputs: Props }>;
  /** undefined when the object is gone (Pulumi/Terraform then drop it from state). */
  read(id: string): Promise<Props | undefined>;
  update(id: string, olds: Props, news: Props): Promise<Props>;
  /** Absent objects are fine. */
  delete(id: string, olds: Props): Promise<void>;
}
