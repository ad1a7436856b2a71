// Cross-field rules schema.json cannot express. The composer's own rules (provider/composer/rules.ts)
// are run here too, so the same bad input gets the same message from the API, Pulumi and
// Terraform. At preview time some inputs are not known yet: failures that name an unknown
// field (as the field or in the reason) are left for the real run.
import type { FieldFailure } from '../schema';
import { keyPolicyRules, sliceRules, volumeRules } from '../composer/rules';
import type { Props } from './types';

const RULES: Record<string, (v: Props) => FieldFailure[]> = {
  // The providers do not know the composer's mount roots: they check the rest of the mountPath
  // rule at plan time and the composer refuses a path outside its roots (docs/agent.md).
  tessera_volume: (v) => volumeRules(v, { mountRoots: null }),
  tessera_slice: sliceRules,
  tessera_key_policy: (v) => keyPolicyRules(v, 'create'),
};

function mentions(f: FieldFailure, field: string): boolean {
  const head = f.field.replace(/[[.].*$/, '');
  return head === field || new RegExp(`\\b${field}\\b`).test(f.reason);
}

/** Cross-field failures for a resource's inputs (defaults applied). Fields in `unknown` are not known yet. */
export function crossFieldFailures(type: string, inputs: Props, unknown: string[] = []): FieldFailure[] {
  const rule = RULES[type];
  if (!rule) return [];
  // An unknown value stands in as "given" so rules about absence do not fire on it.
  const probe: Props = { ...inputs };
  for (const u of unknown) if (probe[u] === undefined) probe[u] = '(unknown)';
  return rule(probe).filter((f) => !unknown.some((u) => mentions(f, u)));
}
