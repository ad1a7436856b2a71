// Installed the way a user installs it (issue 15, docs/install.md): `npm run release` builds the
// artifacts, then everything runs in a temporary directory outside the checkout from those
// artifacts only — the composer, the agents and the CSI driver from the `tessera` single
// executable (its store on node:sqlite), and OpenTofu installing the provider from the filesystem mirror (provider_installation
// filesystem_mirror in a TF_CLI_CONFIG_FILE), applying and destroying examples/hcl-platform.
// The release's SHA256SUMS and signature are checked as a user would (sha256sum -c, gpg --verify).
// Missing engines fail this file (scripts/engines.sh); nothing is skipped.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { csiServices } from '../../provider/csi';
import { enginePaths, enginesPath, runCommand } from '../helpers/engines';
import { createStack, destroy, removeStack, stackOutputs, up } from '../helpers/pulumi';

const REPO = path.resolve(__dirname, '../..');
const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const TOKEN = 'install-test-operator-token-0123456789';
const ZIP = `terraform-provider-tessera_${VERSION}_linux_amd64.zip`;

let work: string;
let composer: ChildProcess | undefined;

afterAll(async () => {
  for (const p of [...agents, composer]) {
    if (!p || p.exitCode !== null || p.signalCode !== null) continue;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await gone;
  }
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

let rel: string;
let nodeDir: string;
let url: string;
const agents: ChildProcess[] = [];
const BROKERS = ['k1', 'k2', 'k3'];
const agentToken = (s: string) => `install-test-agent-${s}-token-0123456789`;
const get = async (p: string) => {
  const res = await fetch(url + p, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { items: { name: string; state?: string }[] };
};

/** The release's single executable, copied out of the checkout. */
let tessera: string;

/** A `tessera` command from the single executable, outside the checkout; resolves at its first stdout line matching `ready`. */
function startBundled(args: string[], ready: RegExp): Promise<{ proc: ChildProcess; line: string }> {
  const proc = spawn(tessera, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', HOME: work } });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-5000)));
  return new Promise((resolve, reject) => {
    let out = '';
    proc.once('exit', (code) => reject(new Error(`bundled tessera ${args.slice(0, 2).join(' ')} exited ${code}: ${err}`)));
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) resolve({ proc, line: m[1] });
    });
  });
}

beforeAll(async () => {
  enginePaths(); // throws, naming scripts/engines.sh, when the engines are missing
  execFileSync('bash', [path.join(REPO, 'scripts', 'release.sh')], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-install-'));
  expect(path.relative(REPO, work).startsWith('..')).toBe(true);
  // The artifacts, copied out: nothing below refers to the checkout.
  rel = path.join(work, 'release');
  fs.cpSync(path.join(REPO, 'release'), rel, { recursive: true });
  fs.copyFileSync(path.join(REPO, 'examples', 'inventory', 'lab.yaml'), path.join(work, 'lab.yaml'));
  fs.copyFileSync(path.join(REPO, 'examples', 'hcl-platform', 'main.tf'), path.join(work, 'main.tf'));

  // A user checks the download.
  execFileSync('sha256sum', ['-c', `terraform-provider-tessera_${VERSION}_SHA256SUMS`], { cwd: rel });
  const gnupg = fs.mkdtempSync(path.join(work, 'gnupg-'));
  const gpg = (args: string[]) => execFileSync('gpg', ['--batch', '--quiet', ...args], { cwd: rel, env: { ...process.env, GNUPGHOME: gnupg }, stdio: 'pipe' });
  gpg(['--import', 'tessera-release-key.asc']);
  gpg(['--verify', `terraform-provider-tessera_${VERSION}_SHA256SUMS.sig`, `terraform-provider-tessera_${VERSION}_SHA256SUMS`]);
  // A tampered checksum file does not verify.
  fs.writeFileSync(path.join(work, 'tampered'), fs.readFileSync(path.join(rel, `terraform-provider-tessera_${VERSION}_SHA256SUMS`), 'utf8').replace(/^./, (c) => (c === '0' ? '1' : '0')));
  expect(() => gpg(['--verify', `terraform-provider-tessera_${VERSION}_SHA256SUMS.sig`, path.join(work, 'tampered')])).toThrow();

  // tofu installs the provider from the filesystem mirror; `direct` excludes it, so a mirror miss fails.
  const source = 'registry.opentofu.org/tessera/tessera';
  fs.writeFileSync(path.join(work, 'cli.tfrc'), `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(path.join(rel, 'mirror'))}\n    include = ["${source}"]\n  }\n  direct {\n    exclude = ["${source}"]\n  }\n}\n`);

  // The composer from the single executable; the Node binary inside the provider zip runs npm and Pulumi.
  tessera = path.join(work, 'bin', 'tessera');
  fs.mkdirSync(path.dirname(tessera));
  fs.copyFileSync(path.join(rel, `tessera_${VERSION}_linux_amd64`), tessera);
  fs.chmodSync(tessera, 0o755);
  nodeDir = path.join(work, 'node');
  execFileSync('unzip', ['-q', path.join(rel, ZIP), 'node', '-d', nodeDir]);
  fs.writeFileSync(path.join(work, 'master.key'), crypto.randomBytes(32).toString('base64'), { mode: 0o600 });
  const tokens = [{ name: 'ops', token: TOKEN, role: 'operator' }, ...BROKERS.map((s) => ({ name: `agent-${s}`, token: agentToken(s), role: 'agent', server: s }))];
  fs.writeFileSync(path.join(work, 'tokens.json'), JSON.stringify({ tokens }), { mode: 0o600 });
  const started = await startBundled(['composer', 'start', '--store', `sqlite:${path.join(work, 'tessera.db')}`, '--tokens', path.join(work, 'tokens.json'), '--inventory', path.join(work, 'lab.yaml'), '--master-key-file', path.join(work, 'master.key'), '--listen', '127.0.0.1:0', '--insecure-dev'], /^(https?:\/\/\S+)\n/m);
  composer = started.proc;
  url = started.line;
  // Agents for the brokers from the same executable (simulated host: docs/agent.md "What runs for real").
  for (const s of BROKERS) {
    fs.writeFileSync(path.join(work, `${s}.token`), agentToken(s), { mode: 0o600 });
    const agent = spawn(tessera, ['agent', 'start', '--composer', url, '--insecure-dev', '--token', path.join(work, `${s}.token`), '--server', s, '--backend', 'simulated', '--state-dir', path.join(work, `agent-${s}`), '--heartbeat-ms', '500', '--wait-seconds', '5'], { cwd: work, stdio: 'ignore', env: { PATH: '/usr/bin:/bin', HOME: work } });
    agents.push(agent);
  }
}, 300_000);

test('release artifacts: checksums and signature verify, the composer from the single executable serves the API and the dashboard, tofu init installs the provider from the filesystem mirror and applies/destroys the HCL example', async () => {
  const engines = enginePaths();
  // `tessera version` from the bundle names every component and the API version.
  const versions = JSON.parse(execFileSync(tessera, ['version', '--json'], { cwd: work, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: work } })) as Record<string, string>;
  expect(versions).toMatchObject({ cli: VERSION, composer: VERSION, agent: VERSION, 'terraform-provider-tessera': VERSION, '@tessera/pulumi': VERSION, '@tessera/cdktf': VERSION, api: '1' });

  // The dashboard from the executable's own copy of dist/ui (no checkout to build it from).
  const page = await fetch(`${url}/ui/`);
  expect(page.status).toBe(200);
  const html = await page.text();
  const script = /<script[^>]*src="([^"]+)"/.exec(html)?.[1];
  expect(script).toBeDefined();
  const js = await fetch(new URL(script!, `${url}/ui/`));
  expect(js.status).toBe(200);
  expect((await js.text()).length).toBeGreaterThan(1000);

  const tfrc = path.join(work, 'cli.tfrc');
  const source = 'registry.opentofu.org/tessera/tessera';
  const env = { PATH: `${path.dirname(engines.tofu)}:/usr/bin:/bin`, HOME: work, TF_CLI_CONFIG_FILE: tfrc, TF_IN_AUTOMATION: '1', TESSERA_ENDPOINT: url, TESSERA_TOKEN: TOKEN };
  const tofu = async (args: string[]) => {
    const r = await runCommand(engines.tofu, [...args, '-no-color'], { cwd: work, env, timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`tofu ${args.join(' ')}: ${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  expect(await tofu(['init', '-input=false'])).toMatch(new RegExp(`Installed tessera/tessera v${VERSION.replace(/\./g, '\\.')}`));
  const installed = path.join(work, '.terraform', 'providers', source, VERSION, 'linux_amd64');
  expect(fs.readdirSync(installed).sort()).toEqual(['node', 'proto', 'provider.js', `terraform-provider-tessera_v${VERSION}`]);

  const vars = ['-var', 'kafka_secret=install test secret', '-var', 'attach=false'];
  expect(await tofu(['apply', '-auto-approve', '-input=false', ...vars])).toMatch(/Apply complete! Resources: 8 added, 0 changed, 0 destroyed/);
  expect((await get('/v1/volumes')).items).toHaveLength(6);
  expect(await tofu(['destroy', '-auto-approve', '-input=false', ...vars])).toMatch(/Destroy complete! Resources: 8 destroyed/);
  expect((await get('/v1/volumes')).items).toHaveLength(0);
  expect((await get('/v1/clusters')).items).toHaveLength(0);
});

test('a fresh Pulumi TypeScript project with the packed @tessera/pulumi: pulumi up and destroy of the platform example, staged by the bundled agents', async () => {
  const engines = enginePaths();
  const project = path.join(work, 'pulumi-project');
  fs.mkdirSync(project);
  // What `pulumi new typescript` leaves, plus the Tessera package from its tarball.
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'kafka-platform', private: true, main: 'index.ts' }));
  fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', moduleResolution: 'node', strict: true, esModuleInterop: true, skipLibCheck: true }, files: ['index.ts'] }));
  fs.writeFileSync(path.join(project, 'Pulumi.yaml'), 'name: kafka-platform\nruntime: nodejs\ndescription: Tessera install test\n');
  const program = fs.readFileSync(path.join(REPO, 'examples', 'pulumi-platform', 'index.ts'), 'utf8');
  expect(program).toMatch(/from '@tessera\/pulumi'/);
  fs.writeFileSync(path.join(project, 'index.ts'), program);
  const tarball = path.join(rel, 'npm', `tessera-pulumi-${VERSION}.tgz`);
  const npmEnv: NodeJS.ProcessEnv = { PATH: `${nodeDir}:/usr/bin:/bin`, HOME: process.env.HOME };
  for (const k of ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']) if (process.env[k]) npmEnv[k] = process.env[k];
  const t0 = Date.now();
  const npm = await runCommand('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '@pulumi/pulumi@^3', 'typescript@^5', '@types/node@^22', tarball], { cwd: project, env: npmEnv, timeoutMs: 300_000 });
  if (npm.code !== 0) throw new Error(`npm install: ${npm.stderr}`);
  process.stderr.write(`install test: npm install in ${Date.now() - t0} ms\n`);
  expect(fs.existsSync(path.join(project, 'node_modules', '@tessera', 'pulumi', 'pulumi-dynamic-provider.js'))).toBe(true);

  const stack = await createStack(project, {
    stack: 'install',
    config: { 'tessera:endpoint': url, brokers: JSON.stringify(BROKERS), logGiB: '500', journalGiB: '16', cacheGiB: '32' },
    secrets: { 'tessera:token': TOKEN, kafkaKeySecret: 'install test kafka secret' },
  });
  // Pulumi's Node is the release's, and nothing points into the checkout.
  stack.env = { ...stack.env, PATH: `${nodeDir}:${enginesPath(engines)}` };
  delete stack.env.TESSERA_ROOT;
  try {
    await up(stack, { timeoutMs: 600_000 });
    const outputs = await stackOutputs(stack);
    expect(outputs.clusterId).toEqual(expect.any(String));
    const volumes = (await get('/v1/volumes')).items;
    expect(volumes.length).toBeGreaterThanOrEqual(BROKERS.length * 2);
    expect(volumes.every((v) => v.state === 'staged')).toBe(true);
    await destroy(stack, { timeoutMs: 600_000 });
    expect((await get('/v1/volumes')).items).toHaveLength(0);
    expect((await get('/v1/clusters')).items).toHaveLength(0);
  } finally {
    await removeStack(stack);
  }
});

test('a CDKTF app on the packed @tessera/cdktf synthesizes the platform example; tofu installs its provider from the mirror, applies it (staged by the bundled agents), re-plans empty and destroys it', async () => {
  const engines = enginePaths();
  const app = path.join(work, 'cdktf-app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'kafka-platform-cdktf', private: true }));
  const example = fs.readFileSync(path.join(REPO, 'examples', 'cdktf-platform', 'main.ts'), 'utf8');
  // The example as it is: it imports the package, which here is the packed one.
  expect(example).toMatch(/from '@tessera\/cdktf'/);
  fs.writeFileSync(path.join(app, 'main.ts'), example);
  const npmEnv: NodeJS.ProcessEnv = { PATH: `${nodeDir}:/usr/bin:/bin`, HOME: process.env.HOME };
  for (const k of ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']) if (process.env[k]) npmEnv[k] = process.env[k];
  const npm = await runCommand('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', 'cdktf@0.21.0', 'constructs@^10', 'tsx@^4', path.join(rel, 'npm', `tessera-cdktf-${VERSION}.tgz`)], { cwd: app, env: npmEnv, timeoutMs: 300_000 });
  if (npm.code !== 0) throw new Error(`npm install: ${npm.stderr}`);
  const outdir = path.join(app, 'cdktf.out');
  const synth = await runCommand(path.join(app, 'node_modules', '.bin', 'tsx'), ['main.ts'], { cwd: app, env: { PATH: `${nodeDir}:/usr/bin:/bin`, HOME: work, CDKTF_OUTDIR: outdir }, timeoutMs: 120_000 });
  if (synth.code !== 0) throw new Error(`synth: ${synth.stderr}`);
  const stackDir = path.join(outdir, 'stacks', 'kafka-platform');
  const stack = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as { resource: Record<string, Record<string, unknown>>; terraform: { required_providers: Record<string, { source: string }> } };
  expect(stack.terraform.required_providers.tessera.source).toBe('registry.opentofu.org/tessera/tessera');
  expect(Object.keys(stack.resource.tessera_volume ?? {}).length).toBeGreaterThanOrEqual(6);

  const tfrc = path.join(work, 'cli.tfrc');
  const env = { PATH: `${path.dirname(engines.tofu)}:/usr/bin:/bin`, HOME: work, TF_CLI_CONFIG_FILE: tfrc, TF_IN_AUTOMATION: '1' };
  const init = await runCommand(engines.tofu, ['init', '-input=false', '-no-color'], { cwd: stackDir, env, timeoutMs: 300_000 });
  if (init.code !== 0) throw new Error(`tofu init: ${init.stdout}\n${init.stderr}`);
  expect(init.stdout).toMatch(new RegExp(`Installed tessera/tessera v${VERSION.replace(/\./g, '\\.')}`));
  const validate = await runCommand(engines.tofu, ['validate', '-no-color'], { cwd: stackDir, env, timeoutMs: 120_000 });
  expect(validate.stdout).toMatch(/The configuration is valid/);

  // Applied and destroyed against the bundled composer, as `cdktf deploy` / `cdktf destroy` would
  // (they run the same engine in the same directory). The secret goes in as the ephemeral
  // variable only: it must appear in neither the state nor the plan.
  const secret = 'install test cdktf secret';
  const applyEnv = { ...env, TESSERA_ENDPOINT: url, TESSERA_TOKEN: TOKEN, TF_VAR_kafka_secret: secret };
  const tofu = async (args: string[]) => {
    const r = await runCommand(engines.tofu, [...args, '-no-color', '-input=false'], { cwd: stackDir, env: applyEnv, timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`tofu ${args.join(' ')}: ${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  expect(await tofu(['apply', '-auto-approve'])).toMatch(/Apply complete! Resources: 8 added, 0 changed, 0 destroyed/);
  const volumes = (await get('/v1/volumes')).items;
  expect(volumes).toHaveLength(6);
  expect(volumes.every((v) => v.state === 'staged')).toBe(true);
  // CDKTF names the local state file after the stack: ask the engine for it instead.
  const state = (await runCommand(engines.tofu, ['state', 'pull'], { cwd: stackDir, env: applyEnv, timeoutMs: 60_000 })).stdout;
  expect(state).toMatch(/"tessera_key_policy"/);
  expect(state).not.toContain(secret);
  // The next plan is empty (exit code 0 with -detailed-exitcode: 2 would mean changes).
  const replan = await runCommand(engines.tofu, ['plan', '-detailed-exitcode', '-no-color', '-input=false'], { cwd: stackDir, env: applyEnv, timeoutMs: 300_000 });
  expect({ code: replan.code, stderr: replan.stderr }).toEqual({ code: 0, stderr: '' });
  expect(await tofu(['destroy', '-auto-approve'])).toMatch(/Destroy complete! Resources: 8 destroyed/);
  expect((await get('/v1/volumes')).items).toHaveLength(0);
  expect((await get('/v1/clusters')).items).toHaveLength(0);
});

test('the CSI controller from the single executable answers Identity and creates and deletes a volume through the composer', async () => {
  fs.writeFileSync(path.join(work, 'csi.token'), TOKEN, { mode: 0o600 });
  const socket = path.join(work, 'csi.sock');
  const started = await startBundled(['csi', 'controller', '--endpoint', `unix://${socket}`, '--composer', url, '--token-file', path.join(work, 'csi.token'), '--cluster', 'k8s-install'], /^(unix:\/\/\S+)\n/m);
  const { proc } = started;
  // The test's own gRPC client reads csi.proto from the checkout; the driver reads the copy inside the executable.
  type Cb<T> = (e: grpc.ServiceError | null, r: T) => void;
  const identity = new (csiServices().Identity)(started.line, grpc.credentials.createInsecure()) as unknown as grpc.Client & { GetPluginInfo(req: object, cb: Cb<{ name: string; vendor_version: string }>): void };
  const controller = new (csiServices().Controller)(started.line, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    CreateVolume(req: object, cb: Cb<{ volume: { volume_id: string; capacity_bytes: string } }>): void;
    DeleteVolume(req: object, cb: Cb<object>): void;
  };
  const call = <T>(fn: (cb: Cb<T>) => void) => new Promise<T>((resolve, reject) => fn((e, r) => (e ? reject(e) : resolve(r))));
  try {
    const info = await call<{ name: string; vendor_version: string }>((cb) => identity.GetPluginInfo({}, cb));
    expect(info).toMatchObject({ name: 'csi.tessera.io', vendor_version: VERSION });
    const created = await call<{ volume: { volume_id: string; capacity_bytes: string } }>((cb) =>
      controller.CreateVolume({ name: 'pvc-install-0001', capacity_range: { required_bytes: String(100 * 2 ** 30) }, volume_capabilities: [{ mount: { fs_type: 'ext4' }, access_mode: { mode: 'SINGLE_NODE_WRITER' } }], parameters: { type: 'slice' } }, cb),
    );
    expect(Number(created.volume.capacity_bytes)).toBeGreaterThanOrEqual(100 * 2 ** 30);
    expect((await get('/v1/volumes')).items.map((v) => v.name)).toContain('pvc-install-0001');
    await call((cb) => controller.DeleteVolume({ volume_id: created.volume.volume_id }, cb));
    expect((await get('/v1/volumes')).items).toHaveLength(0);
  } finally {
    identity.close();
    controller.close();
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await gone;
  }
});
