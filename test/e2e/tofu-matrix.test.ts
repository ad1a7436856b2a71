// The acceptance matrix's remaining OpenTofu cells (docs/acceptance-matrix.md), run by a real
// `tofu`; the cases are in tf-matrix-cases.ts, shared with terraform-matrix.test.ts.
import { clusterAndKeyPolicy, sliceLifecycle, useTfMatrix, volumeLifecycle } from './tf-matrix-cases';

useTfMatrix('tofu');

test('slice lifecycle on tofu: create, empty plan, grow, move, refused and opted-in replacement, infeasible create, growth, replacement and plan-wide, drift, import, saved plan, destroy {Slice: create replan update grow move data-loss-refused replace infeasible-create infeasible-growth infeasible-replacement infeasible-plan-wide drift-changed drift-deleted import saved-plan destroy}', sliceLifecycle);

test('cluster and key policy on tofu: create, empty plan, update, rotate, replace, drift changed and deleted, import, saved plan, destroy {Cluster: create replan update replace drift-deleted import saved-plan destroy} {KeyPolicy: create replan rotate replace drift-changed drift-deleted import destroy}', clusterAndKeyPolicy);

test('volume on tofu: update in place from a saved plan, move, drift changed out of band, infeasible replacement {Volume: update saved-plan move drift-changed infeasible-replacement destroy}', volumeLifecycle);
