// The acceptance matrix's cells on HashiCorp terraform (docs/acceptance-matrix.md): the cases of
// tofu-matrix.test.ts (tf-matrix-cases.ts), run by a real `terraform` built from its Go module
// source by scripts/engines.sh (docs/engines.md), and import by resource identity (Terraform >=
// 1.12; docs/terraform.md "Resource identity"). A missing terraform fails this file.
import { clusterAndKeyPolicy, importByIdentity, sliceLifecycle, useTfMatrix, volumeLifecycle } from './tf-matrix-cases';

useTfMatrix('terraform');

test('slice lifecycle on terraform: create, empty plan, grow, move, refused and opted-in replacement, infeasible create, growth, replacement and plan-wide, drift, import, saved plan, destroy {Slice: create replan update grow move data-loss-refused replace infeasible-create infeasible-growth infeasible-replacement infeasible-plan-wide drift-changed drift-deleted import saved-plan destroy}', sliceLifecycle);

test('cluster and key policy on terraform: create, empty plan, update, rotate, replace, drift changed and deleted, import, saved plan, destroy {Cluster: create replan update replace drift-deleted import saved-plan destroy} {KeyPolicy: create replan rotate replace drift-changed drift-deleted import destroy}', clusterAndKeyPolicy);

test('volume on terraform: update in place from a saved plan, move, drift changed out of band, infeasible replacement {Volume: update saved-plan move drift-changed infeasible-replacement destroy}', volumeLifecycle);

test('import by resource identity on terraform: the state keeps each identity, import blocks with identity bring objects back, a partial key is refused {Cluster: import} {Slice: import}', importByIdentity);
