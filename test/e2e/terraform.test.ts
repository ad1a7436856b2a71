// The examples/hcl-platform cases of tofu.test.ts (tf-hcl-cases.ts) on a real HashiCorp
// `terraform`, built from its Go module source by scripts/engines.sh (docs/engines.md). A
// missing terraform fails this file.
import { feasibilityCreate, feasibilityPlanWideAndDrift, hclPlatform, savedPlanEphemeral, useHclCases, writeOnlySecret } from './tf-hcl-cases';

useHclCases('terraform');

test('HCL platform: apply, empty plan, grow in place, shrink refused, replace, import, destroy {Cluster: create replan destroy} {Volume: create replan grow replace data-loss-refused import destroy} {KeyPolicy: create replan destroy}', hclPlatform);

test('saved plan with an ephemeral secret: plan -out, then apply the plan; the secret is in neither the plan file nor the state {KeyPolicy: create rotate saved-plan destroy}', savedPlanEphemeral);

test('plan-time feasibility: a volume the pool cannot hold fails the plan, not the apply {Volume: infeasible-create}', feasibilityCreate);

test('plan-wide and growth feasibility at plan time; drift changed and deleted out of band, seen by -refresh-only {Volume: infeasible-plan-wide infeasible-growth drift-deleted destroy} {Cluster: update drift-changed destroy}', feasibilityPlanWideAndDrift);

test('write-only secret: never in the state file; bumping secret_wo_version rotates in place {KeyPolicy: create replan rotate destroy}', writeOnlySecret);
