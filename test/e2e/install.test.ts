// Installed the way a user installs it (issue 15, docs/install.md): `npm run release` builds the
// artifacts, then everything runs in a temporary directory outside the checkout from those
// artifacts only — the composer from the bundle copied there (on the Node the release ships),
// and OpenTofu installing the provider from the filesystem mirror (provider_installation
// filesystem_mirror in a TF_CLI_CONFIG_FILE), applying and destroying examples/hcl-platform.
// The release's SHA256SUMS and signature are checked as a user would (sha256sum -c, gpg --verify).
// Missing engines fail this file (scripts/engines.sh); nothing is skipped.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { enginePaths, runCommand } from '../helpers/engines';

const REPO = path.resolve(__dirname, '../..');
const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const TOKEN = 'install-test-operator-token-0123456789';
const ZIP = `terraform-provider-tessera_${VERSION}_linux_amd64.zip`;

let work: string;
let composer: ChildProcess | undefined;

afterAll(async () => {
  if (composer && composer.exitCode === null) {
    const gone = new Promise((r) => composer!.once('exit', r));
    composer.kill('SIGTERM');
    await gone;
  }
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('release artifacts: checksums and signature verify, the bundled composer serves, tofu init installs the provider from the filesystem mirror and applies/destroys the HCL example', async () => {
  const engines = enginePaths();
  execFileSync('bash', [path.join(REPO, 'scripts', 'release.sh')], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-install-'));
  expect(path.relative(REPO, work).startsWith('..')).toBe(true);
  // The artifacts, copied out: nothing below refers to the checkout.
  const rel = path.join(work, 'release');
  fs.cpSync(path.join(REPO, 'release'), rel, { recursive: true });
  fs.cpSync(path.join(REPO, 'dist'), path.join(work, 'tessera'), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'examples', 'inventory', 'lab.yaml'), path.join(work, 'lab.yaml'));
  fs.copyFileSync(path.join(REPO, 'examples', 'hcl-platform', 'main.tf'), path.join(work, 'main.tf'));

  // A user checks the download.
  execFileSync('sha256sum', ['-c', `terraform-provider-tessera_${VERSION}_SHA256SUMS`], { cwd: rel });
  const gnupg = fs.mkdtempSync(path.join(work, 'gnupg-'));
  const gpg = (args: string[]) => execFileSync('gpg', ['--batch', '--quiet', ...args], { cwd: rel, env: { ...process.env, GNUPGHOME: gnupg }, stdio: 'pipe' });
  gpg(['--import', 'tessera-release-key.asc']);
  gpg(['--verify', `terraform-provider-tessera_${VERSION}_SHA256SUMS.sig`, `terraform-provider-tessera_${VERSION}_SHA256SUMS`]);
  // A tampered checksum file does not verify.
  fs.writeFileSync(path.join(work, 'tampered'), fs.readFileSync(path.join(rel, `terraform-provider-tessera_${VERSION}_SHA256SUMS`), 'utf8').replace(/^./, '0'));
  expect(() => gpg(['--verify', `terraform-provider-tessera_${VERSION}_SHA256SUMS.sig`, path.join(work, 'tampered')])).toThrow();

  // The composer from the bundle, on the Node binary inside the provider zip (no repo node_modules).
  const nodeDir = path.join(work, 'node');
  execFileSync('unzip', ['-q', path.join(rel, ZIP), 'node', '-d', nodeDir]);
  fs.writeFileSync(path.join(work, 'master.key'), crypto.randomBytes(32).toString('base64'), { mode: 0o600 });
  fs.writeFileSync(path.join(work, 'tokens.json'), JSON.stringify({ tokens: [{ name: 'ops', token: TOKEN, role: 'operator' }] }), { mode: 0o600 });
  composer = spawn(
    path.join(nodeDir, 'node'),
    [path.join(work, 'tessera', 'bin', 'tessera.js'), 'composer', 'start', '--store', `sqlite:${path.join(work, 'tessera.db')}`, '--tokens', path.join(work, 'tokens.json'), '--inventory', path.join(work, 'lab.yaml'), '--master-key-file', path.join(work, 'master.key'), '--listen', '127.0.0.1:0', '--insecure-dev'],
    { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', HOME: work } },
  );
  let err = '';
  composer.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-5000)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    composer!.once('exit', (code) => reject(new Error(`bundled composer exited ${code}: ${err}`)));
    composer!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^(https?:\/\/\S+)\n/m.exec(out);
      if (m) resolve(m[1]);
    });
  });
  const get = async (p: string) => {
    const res = await fetch(url + p, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as { items: { name: string }[] };
  };

  // tofu init from the filesystem mirror; `direct` excludes the provider, so a mirror miss fails.
  const tfrc = path.join(work, 'cli.tfrc');
  const source = 'registry.opentofu.org/tessera/tessera';
  fs.writeFileSync(tfrc, `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(path.join(rel, 'mirror'))}\n    include = ["${source}"]\n  }\n  direct {\n    exclude = ["${source}"]\n  }\n}\n`);
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
