// The CDKTF app of the acceptance matrix's CDKTF cells (test/e2e/cdktf-cases.ts synthMatrix):
// key policies, clusters, slices and volumes, driven by environment variables, so each step of the
// scenario is a synth with other values, as a CI pipeline changes an app's inputs.
import { App, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { cluster, keyPolicy, provider, slice, volume } from '@tessera/cdktf';

const env = process.env;
const list = (k: string, d: string[]): string[] => (env[k] ? (JSON.parse(env[k] as string) as string[]) : d);

class Matrix extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new provider.TesseraProvider(this, 'tessera', {});
    // Write-only: the secret is in neither the state nor a saved plan; a new version rotates.
    const keys = new keyPolicy.KeyPolicy(this, 'keys', {
      name: 'cm-keys',
      secretWo: env.M_SECRET ?? 'the first cdktf matrix secret',
      secretWoVersion: Number(env.M_SECRET_VERSION ?? 1),
    });
    // Referenced by nothing: its key size is a replacement (delete first: its name is its identity).
    new keyPolicy.KeyPolicy(this, 'spare', { name: 'cm-spare', secretWo: 'a spare key secret, never rotated', secretWoVersion: 1, keySizeBits: Number(env.M_SPARE_BITS ?? 512) });
    const main = new cluster.Cluster(this, 'main', { name: 'cm', servers: list('M_SERVERS', ['k1']), keyPolicy: keys.id });
    // A cluster of its own: its name is its identity (a rename replaces it).
    new cluster.Cluster(this, 'side', { name: env.M_SIDE_NAME ?? 'cm-side', servers: ['k2'] });
    // A whole-drive volume: a type change replaces it (and its data) only with the opt-in.
    new volume.Volume(this, 'cache', {
      cluster: main.id,
      name: 'cm-cache',
      type: env.M_CACHE_TYPE ?? 'ssd',
      sizeGib: 100,
      striping: false,
      requiredTags: list('M_CACHE_REQUIRED', []),
      allowDataLoss: env.M_CACHE_ALLOW === 'true',
    });
    new slice.Slice(this, 'journal', {
      cluster: main.id,
      name: 'cm-journal',
      sizeGib: Number(env.M_JOURNAL_GIB ?? 10),
      server: env.M_JOURNAL_SERVER ?? 'k1',
      requiredTags: list('M_REQUIRED', []),
      excludedTags: list('M_EXCLUDED', []),
      allowDataLoss: env.M_ALLOW === 'true',
    });
    new volume.Volume(this, 'vol', {
      cluster: main.id,
      name: 'cm-vol',
      type: 'ssd',
      sizeGib: 1000,
      striping: false,
      server: env.M_VOL_SERVER ?? 'k1',
      reclaimPolicy: env.M_VOL_RECLAIM ?? 'Delete',
    });
    // A slice-type volume (its extent grows in place), made only from the step that sets M_GROW_GIB,
    // on k1's rack, on the sed SSDs (the journal's replacements exclude them: cdktf-cases.ts).
    if (env.M_GROW_GIB) new volume.Volume(this, 'grow', { cluster: main.id, name: 'cm-grow', type: 'slice', sizeGib: Number(env.M_GROW_GIB), server: 'k1', requiredTags: ['sed'] });
    if (env.M_HUGE_GIB) new slice.Slice(this, 'huge', { cluster: main.id, name: 'cm-huge', sizeGib: Number(env.M_HUGE_GIB) });
    if (env.M_HUGE_VOL_GIB) new volume.Volume(this, 'huge-vol', { cluster: main.id, name: 'cm-huge-vol', type: 'ssd', sizeGib: Number(env.M_HUGE_VOL_GIB), striping: false });
    // Slices that fit one by one but not together (plan-wide feasibility).
    for (let i = 0; i < Number(env.M_MANY_VOLUMES ?? 0); i++) new volume.Volume(this, `many-vol-${i}`, { cluster: main.id, name: `cm-many-vol-${i}`, type: 'ssd', sizeGib: 1000, striping: false });
    for (let i = 0; i < Number(env.M_MANY ?? 0); i++) new slice.Slice(this, `many-${i}`, { cluster: main.id, name: `cm-many-${i}`, sizeGib: Number(env.M_MANY_GIB) });
    if (env.M_IMPORT_SLICE) new slice.Slice(this, 'outside', { cluster: main.id, name: 'cm-outside', sizeGib: 3 }).importFrom(env.M_IMPORT_SLICE);
    if (env.M_IMPORT_VOLUME) new volume.Volume(this, 'outside-vol', { cluster: main.id, name: 'cm-outside-vol', type: 'slice', sizeGib: 2 }).importFrom(env.M_IMPORT_VOLUME);
    if (env.M_IMPORT_KEYS) new keyPolicy.KeyPolicy(this, 'outside-keys', { name: 'cm-outside-keys', secretWo: env.M_IMPORT_KEYS_SECRET, secretWoVersion: 1 }).importFrom(env.M_IMPORT_KEYS);
    if (env.M_IMPORT_CLUSTER) new cluster.Cluster(this, 'outside-cluster', { name: 'cm-outside-cluster', servers: ['k3'] }).importFrom(env.M_IMPORT_CLUSTER);
  }
}

const app = new App();
new Matrix(app, 'tessera-matrix');
app.synth();
