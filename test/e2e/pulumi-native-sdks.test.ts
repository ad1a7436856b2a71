// The SDKs generated from the native provider's package schema by Pulumi's own code generators
// (pulumi-gen-sdk, scripts/engines.sh) are valid code: the TypeScript one type-checks against the
// project's @pulumi/pulumi, the Python one compiles, the Go one parses (gofmt). Each names the
// four resources and the two functions. An e2e file: it needs the engines built.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../helpers/engines';
import { generateNativeSdk } from '../helpers/pulumi';

describe('SDKs generated from the native provider package schema', () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-native-sdks-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('TypeScript: the resources and functions, type-checked', async () => {
    const out = path.join(work, 'nodejs');
    const files = await generateNativeSdk('nodejs', out);
    expect(files).toEqual(expect.arrayContaining(['cluster.ts', 'volume.ts', 'slice.ts', 'keyPolicy.ts', 'getCapacity.ts', 'getInventory.ts', 'provider.ts', 'index.ts']));
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(out, 'node_modules'), 'dir');
    const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck', '--target', 'ES2020', '--module', 'commonjs', '--moduleResolution', 'node', '--esModuleInterop', '--resolveJsonModule', ...files.filter((f) => f.endsWith('.ts')).map((f) => path.join(out, f))], { cwd: out, stdio: 'pipe' });
    const keyPolicy = fs.readFileSync(path.join(out, 'keyPolicy.ts'), 'utf8');
    expect(keyPolicy).toContain("__pulumiType = 'tessera:index:KeyPolicy'");
    expect(keyPolicy).toMatch(/additionalSecretOutputs: \["secret"\]/);
  }, 120_000);

  it('Python: every module compiles', async () => {
    const out = path.join(work, 'python');
    const files = await generateNativeSdk('python', out);
    const py = files.filter((f) => f.endsWith('.py'));
    expect(py.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['volume.py', 'key_policy.py', 'get_capacity.py', 'provider.py']));
    execFileSync('python3', ['-m', 'py_compile', ...py.map((f) => path.join(out, f))], { stdio: 'pipe' });
    // A unit is one word in a Python name (language.python.propertyNames): size_gib, not size_gi_b;
    // the wire name stays the schema's.
    const volume = fs.readFileSync(path.join(out, 'pulumi_tessera/volume.py'), 'utf8');
    expect(volume).toContain('@pulumi.getter(name="sizeGiB")\n    def size_gib(self)');
    expect(volume).toMatch(/def __init__\(__self__,[^)]*\bsize_gib: pulumi\.Input/);
    const capacity = fs.readFileSync(path.join(out, 'pulumi_tessera/get_capacity.py'), 'utf8');
    expect(capacity).toContain('def available_gib(self)');
    for (const f of py) expect({ file: f, split: fs.readFileSync(path.join(out, f), 'utf8').match(/\b\w*_gi_b\b/g) }).toEqual({ file: f, split: null });
  }, 120_000);

  it('Go: every file parses', async () => {
    const out = path.join(work, 'go');
    const files = await generateNativeSdk('go', out);
    const go = files.filter((f) => f.endsWith('.go'));
    expect(go.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['volume.go', 'keyPolicy.go', 'getCapacity.go', 'provider.go']));
    const gofmt = fs.existsSync('/usr/local/go/bin/gofmt') ? '/usr/local/go/bin/gofmt' : 'gofmt';
    // gofmt -l lists files that are not formatted and fails on a syntax error.
    expect(execFileSync(gofmt, ['-l', ...go.map((f) => path.join(out, f))], { encoding: 'utf8' })).toBe('');
  }, 120_000);
});
