// Installed the way a user installs it (issue 15, docs/install.md): `npm run release` builds the
// artifacts, then everything runs in a temporary directory outside the checkout from those
// artifacts only — the composer, the agents and the CSI driver from the `tessera` single
// executable (its store on node:sqlite), and OpenTofu installing the provider from the filesystem mirror (provider_installation
// filesystem_mirror in a TF_CLI_CONFIG_FILE), applying and destroying examples/hcl-platform.
// The release's SHA256SUMS and signature are checked as a user would (sha256sum -c, gpg --verify).
// The CDKTF app goes through the real cdktf CLI (cdktf-cli 0.21.0, and cdktn-cli 0.24.0 for a
// diff), installed with npm into the temp directory only (docs/terraform.md "cdktf deploy").
// Missing engines fail this file (scripts/engines.sh); nothing is skipped.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { csiServices } from '../../provider/csi';
import { enginePaths, enginesPath, runCommand } from '../helpers/engines';
import { createPulumiYamlProject, createStack, destroy, removeStack, stackOutputs, up } from '../helpers/pulumi';

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

/** Free capacity per type and the number of objects of each kind: "the pool" (as test/terraform/e2e-fixture.ts counts it). */
const pool = async () => {
  const out: Record<string, unknown> = {};
  for (const type of ['hdd', 'ssd', 'slice']) out[type] = await get(`/v1/capacity?type=${type}`);
  for (const kind of ['clusters', 'volumes', 'slices', 'key-policies']) out[kind] = (await get(`/v1/${kind}`)).items.length;
  return out;
};

/** No volume and no cluster left on the composer: what every test's destroy ends with. */
async function expectNothingLeft(): Promise<void> {
  expect((await get('/v1/volumes')).items).toHaveLength(0);
  expect((await get('/v1/clusters')).items).toHaveLength(0);
}

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
  await expectNothingLeft();
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
  // As a user runs it: the language host type-checks the program against the packed SDK's types.
  delete stack.env.PULUMI_NODEJS_TRANSPILE_ONLY;
  try {
    await up(stack, { timeoutMs: 600_000 });
    const outputs = await stackOutputs(stack);
    expect(outputs.clusterId).toEqual(expect.any(String));
    const volumes = (await get('/v1/volumes')).items;
    expect(volumes.length).toBeGreaterThanOrEqual(BROKERS.length * 2);
    expect(volumes.every((v) => v.state === 'staged')).toBe(true);
    await destroy(stack, { timeoutMs: 600_000 });
    await expectNothingLeft();
  } finally {
    await removeStack(stack);
  }
});

/** The environment npm runs with to install a user's packages: the release's Node, the user's npm cache and proxy settings. */
function installEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: `${nodeDir}:/usr/bin:/bin`, HOME: process.env.HOME };
  for (const k of ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']) if (process.env[k]) env[k] = process.env[k];
  return env;
}

/**
 * The environment of the cdktf and cdktn CLIs. cdktf 0.21 (and cdktn 0.24) run the binary
 * TERRAFORM_BINARY_NAME names (@cdktf/commons src/terraform.js) for init/plan/apply, through the
 * same process env: tofu, installing from the mirror config. Checkpoint/version checks off (no
 * network); the plugin cache env off so tofu init reads the mirror only. The secret goes in as the
 * ephemeral variable only: it must appear in neither the state nor a saved plan.
 */
function cdkCliEnv(tofu: string, secret: string): NodeJS.ProcessEnv {
  return {
    PATH: `${nodeDir}:${path.dirname(tofu)}:/usr/bin:/bin`,
    HOME: work,
    TERRAFORM_BINARY_NAME: tofu,
    TF_CLI_CONFIG_FILE: path.join(work, 'cli.tfrc'),
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
    DISABLE_VERSION_CHECK: 'true',
    CDKTF_DISABLE_PLUGIN_CACHE_ENV: 'true',
    CI: '1',
    TESSERA_ENDPOINT: url,
    TESSERA_TOKEN: TOKEN,
    TF_VAR_kafka_secret: secret,
  };
}

/**
 * After a deploy of the example app: its six volumes staged, and the state (which CDKTF names
 * after the stack: asked of the engine) holds the key policy but never the secret.
 */
async function expectDeployed(tofu: string, stackDir: string, env: NodeJS.ProcessEnv, secret: string): Promise<void> {
  const volumes = (await get('/v1/volumes')).items;
  expect(volumes).toHaveLength(6);
  expect(volumes.every((v) => v.state === 'staged')).toBe(true);
  const state = (await runCommand(tofu, ['state', 'pull'], { cwd: stackDir, env, timeoutMs: 60_000 })).stdout;
  expect(state).toMatch(/"tessera_key_policy"/);
  expect(state).not.toContain(secret);
}

/** A runner of one CDK CLI (cdktf or cdktn) in the app dir: logs each command's time, throws with its output when it fails. */
function cdkCli(bin: string, app: string, env: NodeJS.ProcessEnv): (args: string[]) => Promise<string> {
  const name = path.basename(bin);
  return async (args) => {
    const started = Date.now();
    const r = await runCommand(bin, args, { cwd: app, env, timeoutMs: 600_000 });
    process.stderr.write(`install test: ${name} ${args[0]} in ${Date.now() - started} ms\n`);
    if (r.code !== 0) throw new Error(`${name} ${args.join(' ')} exited ${r.code}: ${r.stdout}\n${r.stderr}`);
    return r.stdout + r.stderr;
  };
}

/** `synth` of the example app: its stack names the mirror's provider and holds the six volumes. Returns the stack dir. */
async function synthPlatform(cli: (args: string[]) => Promise<string>, app: string): Promise<string> {
  await cli(['synth']);
  const stackDir = path.join(app, 'cdktf.out', 'stacks', 'kafka-platform');
  const stack = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as { resource: Record<string, Record<string, unknown>>; terraform: { required_providers: Record<string, { source: string }> } };
  expect(stack.terraform.required_providers.tessera.source).toBe('registry.opentofu.org/tessera/tessera');
  expect(Object.keys(stack.resource.tessera_volume ?? {}).length).toBeGreaterThanOrEqual(6);
  return stackDir;
}

/** Installs a pinned CLI package (cdktf-cli) into DIR outside the checkout, from npm's cache under ~/.cache/tessera when warm. */
async function installCli(dir: string, spec: string, env: NodeJS.ProcessEnv): Promise<number> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'cli', private: true }));
  const cache = path.join(os.homedir(), '.cache', 'tessera', 'npm-cdktf-cli');
  const t0 = Date.now();
  const r = await runCommand('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--cache', cache, spec], { cwd: dir, env, timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`npm install ${spec}: ${r.stderr}`);
  return Date.now() - t0;
}

test('a CDKTF app on the packed @tessera/cdktf, driven by the real cdktf CLI (cdktf-cli 0.21.0) with OpenTofu as its engine: cdktf synth, deploy (tofu installs the provider from the mirror; staged by the bundled agents), diff shows no changes (so does cdktn-cli 0.24.0, the maintained fork), destroy restores the pool {Cluster: create replan destroy} {Volume: create replan destroy} {KeyPolicy: create replan destroy}', async () => {
  const engines = enginePaths();
  const app = path.join(work, 'cdktf-app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'kafka-platform-cdktf', private: true }));
  // The example as it is, with its cdktf.json (`app: npx tsx main.ts`): it imports the package, which here is the packed one.
  const example = fs.readFileSync(path.join(REPO, 'examples', 'cdktf-platform', 'main.ts'), 'utf8');
  expect(example).toMatch(/from '@tessera\/cdktf'/);
  fs.writeFileSync(path.join(app, 'main.ts'), example);
  fs.copyFileSync(path.join(REPO, 'examples', 'cdktf-platform', 'cdktf.json'), path.join(app, 'cdktf.json'));
  const npmEnv = installEnv();
  const t0 = Date.now();
  const npm = await runCommand('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', 'cdktf@0.21.0', 'constructs@^10', 'tsx@^4', path.join(rel, 'npm', `tessera-cdktf-${VERSION}.tgz`)], { cwd: app, env: npmEnv, timeoutMs: 300_000 });
  if (npm.code !== 0) throw new Error(`npm install: ${npm.stderr}`);
  const appMs = Date.now() - t0;
  // The CLI the way a user installs it (`npm install -g cdktf-cli@0.21.0`): its own prefix,
  // outside the checkout and not a dependency of the project.
  const cliDir = path.join(work, 'cdktf-cli');
  const cliMs = await installCli(cliDir, 'cdktf-cli@0.21.0', npmEnv);
  process.stderr.write(`install test: app npm install in ${appMs} ms, cdktf-cli install in ${cliMs} ms\n`);
  const cdktfBin = path.join(cliDir, 'node_modules', '.bin', 'cdktf');
  expect(JSON.parse(fs.readFileSync(path.join(cliDir, 'node_modules', 'cdktf-cli', 'package.json'), 'utf8')).version).toBe('0.21.0');

  // The secret goes in as the ephemeral variable only (cdkCliEnv): it must appear in neither the
  // state nor the saved plan `cdktf diff` writes.
  const secret = 'install test cdktf secret';
  const cliEnv = cdkCliEnv(engines.tofu, secret);
  const cdktf = cdkCli(cdktfBin, app, cliEnv);

  const poolBefore = await pool();
  const stackDir = await synthPlatform(cdktf, app);

  // --skip-provider-lock: without a lock file, cdktf 0.21 runs `tofu providers lock
  // -platform=linux_amd64` after init (@cdktf/cli-core src/lib/models/terraform-cli.js, init()),
  // which by design ignores the CLI config's installation methods and asks the origin registry,
  // where this provider is not published: it fails (docs/terraform.md "cdktf deploy").
  // `tofu init` from the mirror has already written the lock file.
  const deployed = await cdktf(['deploy', 'kafka-platform', '--auto-approve', '--skip-provider-lock', '--no-color']);
  expect(deployed).toMatch(new RegExp(`Installed tessera/tessera v${VERSION.replace(/\./g, '\\.')}`));
  expect(deployed).toMatch(/Apply complete! Resources: 8 added, 0 changed, 0 destroyed/);
  expect(deployed).not.toContain(secret);
  const installed = path.join(stackDir, '.terraform', 'providers', 'registry.opentofu.org', 'tessera', 'tessera', VERSION, 'linux_amd64');
  expect(fs.readdirSync(installed)).toContain(`terraform-provider-tessera_v${VERSION}`);
  await expectDeployed(engines.tofu, stackDir, cliEnv, secret);

  // The plan after deploy is empty; cdktf diff saves it as `plan` in the stack dir.
  const diff = await cdktf(['diff', 'kafka-platform', '--skip-provider-lock', '--no-color']);
  expect(diff).toMatch(/No changes\. Your infrastructure matches the configuration\./);
  expect(diff).not.toMatch(/Plan: \d+ to add/);
  const saved = await runCommand(engines.tofu, ['show', '-json', 'plan'], { cwd: stackDir, env: cliEnv, timeoutMs: 60_000 });
  expect(saved.code).toBe(0);
  expect(saved.stdout).toMatch(/"format_version"/);
  expect(saved.stdout).not.toContain(secret);

  // The maintained fork's CLI (cdktn-cli 0.24.0) drives the same app and engine the same way
  // (it reads cdktf.json and TERRAFORM_BINARY_NAME too): its diff of the deployed stack is empty.
  const cdktnDir = path.join(work, 'cdktn-cli');
  const cdktnMs = await installCli(cdktnDir, 'cdktn-cli@0.24.0', npmEnv);
  process.stderr.write(`install test: cdktn-cli install in ${cdktnMs} ms\n`);
  const cdktnStarted = Date.now();
  const cdktnDiff = await runCommand(path.join(cdktnDir, 'node_modules', '.bin', 'cdktn'), ['diff', 'kafka-platform', '--skip-provider-lock', '--no-color'], { cwd: app, env: cliEnv, timeoutMs: 600_000 });
  process.stderr.write(`install test: cdktn diff in ${Date.now() - cdktnStarted} ms\n`);
  if (cdktnDiff.code !== 0) throw new Error(`cdktn diff exited ${cdktnDiff.code}: ${cdktnDiff.stdout}\n${cdktnDiff.stderr}`);
  expect(cdktnDiff.stdout + cdktnDiff.stderr).toMatch(/No changes\. Your infrastructure matches the configuration\./);

  expect(await cdktf(['destroy', 'kafka-platform', '--auto-approve', '--skip-provider-lock', '--no-color'])).toMatch(/Destroy complete! Resources: 8 destroyed/);
  expect(await pool()).toEqual(poolBefore);
  await expectNothingLeft();
});

test('a CDKTF app importing the maintained fork under its own name (cdktn 0.24.0 installed, cdktf not) with the packed @tessera/cdktf/cdktn, type-checked by tsc, driven by the real cdktn CLI (cdktn-cli 0.24.0) with OpenTofu as its engine: synth, deploy, diff shows no changes, destroy restores the pool {Cluster: create replan destroy} {Volume: create replan destroy} {KeyPolicy: create replan destroy}', async () => {
  const engines = enginePaths();
  const app = path.join(work, 'cdktn-app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'kafka-platform-cdktn', private: true }));
  // The example with its two imports pointed at the fork: `cdktn` and the entry that loads only it.
  const example = fs.readFileSync(path.join(REPO, 'examples', 'cdktf-platform', 'main.ts'), 'utf8');
  const program = example.replace(/from 'cdktf';/g, "from 'cdktn';").replace(/from '@tessera\/cdktf';/g, "from '@tessera/cdktf/cdktn';");
  expect(program).not.toMatch(/from '(cdktf|@tessera\/cdktf)'/);
  expect(program).toMatch(/from 'cdktn'/);
  fs.writeFileSync(path.join(app, 'main.ts'), program);
  fs.copyFileSync(path.join(REPO, 'examples', 'cdktf-platform', 'cdktf.json'), path.join(app, 'cdktf.json'));
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, files: ['main.ts'] }));
  const npmEnv = installEnv();
  const t0 = Date.now();
  const npm = await runCommand('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', 'cdktn@0.24.0', 'constructs@>=10.6.0 <10.8.0', 'tsx@^4', 'typescript@^5', '@types/node@^22', path.join(rel, 'npm', `tessera-cdktf-${VERSION}.tgz`)], { cwd: app, env: npmEnv, timeoutMs: 300_000 });
  if (npm.code !== 0) throw new Error(`npm install: ${npm.stderr}`);
  expect(fs.existsSync(path.join(app, 'node_modules', 'cdktf'))).toBe(false);
  expect(JSON.parse(fs.readFileSync(path.join(app, 'node_modules', 'cdktn', 'package.json'), 'utf8')).version).toBe('0.24.0');
  const cliDir = path.join(work, 'cdktn-cli');
  const cliMs = await installCli(cliDir, 'cdktn-cli@0.24.0', npmEnv);
  process.stderr.write(`install test: cdktn app npm install in ${Date.now() - t0 - cliMs} ms, cdktn-cli install in ${cliMs} ms\n`);

  // The bindings' declarations name cdktn: the program type-checks, and a wrong type is refused
  // (had the types fallen back to `any`, as an unresolved `cdktf` would make them, it would pass).
  const tsc = (project: string) => runCommand(path.join(app, 'node_modules', '.bin', 'tsc'), ['-p', project], { cwd: app, env: npmEnv, timeoutMs: 300_000 });
  const checked = await tsc('tsconfig.json');
  if (checked.code !== 0) throw new Error(`tsc: ${checked.stdout}\n${checked.stderr}`);
  fs.writeFileSync(path.join(app, 'wrong.ts'), "import { App, TerraformStack } from 'cdktn';\nimport { provider } from '@tessera/cdktf/cdktn';\nnew provider.TesseraProvider(new TerraformStack(new App(), 's'), 'p', { endpoint: 42 });\n");
  fs.writeFileSync(path.join(app, 'tsconfig.wrong.json'), JSON.stringify({ extends: './tsconfig.json', files: ['wrong.ts'] }));
  const wrong = await tsc('tsconfig.wrong.json');
  expect(wrong.code).not.toBe(0);
  expect(wrong.stdout).toMatch(/wrong\.ts\(3,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);

  const secret = 'install test cdktn secret';
  const cliEnv = cdkCliEnv(engines.tofu, secret);
  const cdktn = cdkCli(path.join(cliDir, 'node_modules', '.bin', 'cdktn'), app, cliEnv);

  const poolBefore = await pool();
  const stackDir = await synthPlatform(cdktn, app);
  const deployed = await cdktn(['deploy', 'kafka-platform', '--auto-approve', '--skip-provider-lock', '--no-color']);
  expect(deployed).toMatch(/Apply complete! Resources: 8 added, 0 changed, 0 destroyed/);
  expect(deployed).not.toContain(secret);
  await expectDeployed(engines.tofu, stackDir, cliEnv, secret);
  const diff = await cdktn(['diff', 'kafka-platform', '--skip-provider-lock', '--no-color']);
  expect(diff).toMatch(/No changes\. Your infrastructure matches the configuration\./);
  expect(await cdktn(['destroy', 'kafka-platform', '--auto-approve', '--skip-provider-lock', '--no-color'])).toMatch(/Destroy complete! Resources: 8 destroyed/);
  expect(await pool()).toEqual(poolBefore);
  await expectNothingLeft();
});

test('the native Pulumi provider from its release tarball: `pulumi plugin install resource tessera VERSION --file` the .tar.gz, then a YAML program ups and destroys, with no Node on PATH (the launcher runs the Node inside the tarball)', async () => {
  const engines = enginePaths();
  const tarball = path.join(rel, `pulumi-resource-tessera-v${VERSION}-linux-amd64.tar.gz`);
  const program = [
    'resources:',
    '  cluster:',
    '    type: tessera:index:Cluster',
    '    properties:',
    '      name: install-native',
    '      servers: [k1]',
    '  vol:',
    '    type: tessera:index:Volume',
    '    properties:',
    '      cluster: ${cluster.id}',
    '      type: ssd',
    '      sizeGiB: 100',
    '      server: k1',
    'outputs:',
    '  volId: ${vol.id}',
    '  volState: ${vol.state}',
    '',
  ].join('\n');
  const projectDir = createPulumiYamlProject({ name: 'install-native', program, dir: path.join(work, 'pulumi-native') });
  const stack = await createStack(projectDir, { stack: 'install', config: { 'tessera:endpoint': url }, secrets: { 'tessera:token': TOKEN } });
  try {
    // Only what the launcher (/bin/sh, dirname, readlink) and pulumi with its YAML host need: no node anywhere on PATH.
    const tools = path.join(work, 'pulumi-native-tools');
    fs.mkdirSync(tools);
    for (const t of ['dirname', 'readlink']) fs.symlinkSync(`/usr/bin/${t}`, path.join(tools, t));
    stack.env = { ...stack.env, PATH: [tools, engines.binDir].join(path.delimiter) };
    expect(fs.existsSync(path.join(engines.binDir, 'node'))).toBe(false);
    const inst = await runCommand(engines.pulumi, ['plugin', 'install', 'resource', 'tessera', VERSION, '--file', tarball, '--non-interactive'], { cwd: projectDir, env: stack.env });
    expect({ code: inst.code, stderr: inst.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const ls = await runCommand(engines.pulumi, ['plugin', 'ls', '--json'], { cwd: projectDir, env: stack.env });
    const plugins = JSON.parse(ls.stdout) as { name: string; kind: string; version: string }[];
    expect(plugins.filter((p) => p.name === 'tessera').map((p) => [p.kind, p.version])).toEqual([['resource', VERSION]]);
    const before = await pool();
    await up(stack);
    const out = await stackOutputs(stack);
    expect(out).toMatchObject({ volId: expect.stringMatching(/^vol-/), volState: 'staged' });
    expect((await get('/v1/clusters')).items.map((c) => c.name)).toContain('install-native');
    await destroy(stack);
    expect(await pool()).toEqual(before);
  } finally {
    await removeStack(stack);
  }
}, 600_000);

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
