// The CDKTF case of cdktf.test.ts (cdktf-cases.ts) applied by a real HashiCorp `terraform`, built
// from its Go module source by scripts/engines.sh (docs/engines.md). A missing terraform fails
// this file.
import { synthApplyDestroy, useCdktfCases } from './cdktf-cases';

useCdktfCases('terraform');

test('cdktf synth output of the platform app: terraform apply, empty plan, destroy leaves the pool as before {Cluster: create replan destroy} {Volume: create replan destroy} {KeyPolicy: create replan destroy}', synthApplyDestroy);
