// The CDKTF case of cdktf.test.ts (cdktf-cases.ts) applied by a real HashiCorp `terraform`, built
// from its Go module source by scripts/engines.sh (docs/engines.md). A missing terraform fails
// this file.
import { synthApplyDestroy, synthMatrix, useCdktfCases } from './cdktf-cases';

useCdktfCases('terraform');

test('cdktf synth output of the platform app: terraform apply, empty plan, destroy leaves the pool as before {Cluster: create replan destroy} {Volume: create replan destroy} {KeyPolicy: create replan destroy}', synthApplyDestroy);

test('the matrix on a CDKTF app, each step a synth: in-place updates and a move, replacements (refused without the opt-in), every infeasible plan, drift changed and deleted, import blocks, a saved plan, destroy {Cluster: update replace drift-changed drift-deleted import saved-plan destroy} {Volume: update grow move replace data-loss-refused drift-changed drift-deleted import saved-plan destroy infeasible-create infeasible-growth infeasible-replacement infeasible-plan-wide} {Slice: create replan update grow move replace data-loss-refused drift-changed drift-deleted import saved-plan destroy infeasible-create infeasible-growth infeasible-replacement infeasible-plan-wide} {KeyPolicy: rotate replace drift-changed drift-deleted import saved-plan destroy}', synthMatrix);
