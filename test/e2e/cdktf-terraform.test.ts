// The CDKTF case of cdktf.test.ts (cdktf-cases.ts) applied by a real HashiCorp `terraform`, built
// from its Go module source by scripts/engines.sh (docs/engines.md). A missing terraform fails
// this file.
import { synthApplyDestroy, synthMatrix, useCdktfCases } from './cdktf-cases';

useCdktfCases('terraform');

test('cdktf synth output of the platform app: terraform apply, empty plan, destroy leaves the pool as before {Cluster: create replan destroy} {Volume: create replan destroy} {KeyPolicy: create replan destroy}', synthApplyDestroy);

test('the matrix on a CDKTF app, each step a synth: in-place updates and a move, replacements (refused without the opt-in), infeasible growth and create at plan time, drift changed and deleted, an import block, a saved plan, destroy {Cluster: update drift-changed destroy} {Volume: update move drift-changed saved-plan destroy} {Slice: create replan update grow replace data-loss-refused infeasible-growth infeasible-create drift-deleted import saved-plan destroy} {KeyPolicy: rotate replace drift-changed destroy}', synthMatrix);
