// The dynamic provider survives closure serialization: serialize it exactly as
// pulumi.dynamic.Resource does, then load and drive the text in a fresh Node process (plain
// JavaScript, no TypeScript loader, the way the engine's dynamic-provider host does) against a
// real composer.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { providerFor } from '../../sdk/pulumi/runtime';
import { startComposerFixture, ComposerFixture } from '../handlers/composer-fixture';

const REPO = path.resolve(__dirname, '../..');
const NODE = path.join(REPO, 'node_modules/.bin/node');

// Runs in the fresh process: loads both serialized providers and walks a lifecycle.
const DRIVER = `
const fs = require('fs');
const requireFromString = require(${JSON.stringify(path.join(REPO, 'node_modules/require-from-string'))});
const [clusterFile, volumeFile, mode] = process.argv.slice(2);
const cl = requireFromString(fs.readFileSync(clusterFile, 'utf8')).handler();
const vol = requireFromString(fs.readFileSync(volumeFile, 'utf8')).handler();
(async () => {
  if (mode === 'config') {
    const raw = JSON.parse(process.env.DRIVER_CONFIG);
    const config = { get: (k) => raw[k], require: (k) => { if (!(k in raw)) throw new Error('missing ' + k); return raw[k]; } };
    await cl.configure({ config });
    await vol.configure({ config });
  }
  const out = { mode, tsLoaded: Object.keys(require.extensions).includes('.ts') };
  const cc = await cl.check({}, { name: 'ser-' + mode, servers: ['k1', 'k2'], owner: 'urn:ser' });
  out.clusterFailures = cc.failures;
  const c = await cl.create(cc.inputs);
  const bad = await vol.check({}, { cluster: c.id, name: 'v1', type: 'slice', sizeGiB: 0 });
  out.badFailures = bad.failures;
  const vc = await vol.check({}, { cluster: c.id, name: 'v1', type: 'slice', sizeGiB: 4, owner: 'urn:v1' });
  const v = await vol.create(vc.inputs);
  out.created = { capacityGiB: v.outs.capacityGiB, owner: v.outs.owner, members: v.outs.members };
  out.noDiff = await vol.diff(v.id, v.outs, vc.inputs);
  out.grow = await vol.diff(v.id, v.outs, { ...vc.inputs, sizeGiB: 8 });
  out.retype = await vol.diff(v.id, v.outs, { ...vc.inputs, type: 'ssd' });
  const u = await vol.update(v.id, v.outs, { ...vc.inputs, sizeGiB: 8 });
  out.updated = { capacityGiB: u.outs.capacityGiB, members: u.outs.members };
  out.read = (await vol.read(v.id, u.outs)).props.sizeGiB;
  await vol.delete(v.id, u.outs);
  out.afterDelete = await vol.read(v.id, u.outs);
  await vol.delete(v.id, u.outs);
  await cl.delete(c.id, c.outs);
  console.log(JSON.stringify(out));
})().catch((e) => { console.error('driver failed: ' + (e && e.message)); process.exit(1); });
`;

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(NODE, args, { cwd: REPO, env, timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout, stderr })));
  });
}

describe('dynamic provider after closure serialization', () => {
  let fx: ComposerFixture;
  let dir: string;
  let files: { cluster: string; volume: string; driver: string };

  beforeAll(async () => {
    fx = await startComposerFixture();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-serialized-'));
    const serialize = async (type: string) => {
      const provider = providerFor(type);
      // What pulumi.dynamic.Resource stores in __provider.
      const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
      return sf.text;
    };
    files = { cluster: path.join(dir, 'cluster.js'), volume: path.join(dir, 'volume.js'), driver: path.join(dir, 'driver.js') };
    fs.writeFileSync(files.cluster, await serialize('tessera_cluster'));
    fs.writeFileSync(files.volume, await serialize('tessera_volume'));
    fs.writeFileSync(files.driver, DRIVER);
  }, 120_000);

  afterAll(async () => {
    await fx?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const baseEnv = () => ({ PATH: process.env.PATH, HOME: process.env.HOME });

  function expectLifecycle(out: Record<string, unknown>): void {
    expect(out.tsLoaded).toBe(false);
    expect(out.clusterFailures).toEqual([]);
    expect(out.badFailures).toEqual([{ property: 'sizeGiB', reason: 'must be >= 1, got 0' }]);
    expect(out.created).toMatchObject({ capacityGiB: 4, owner: 'urn:v1' });
    expect(out.noDiff).toMatchObject({ changes: false });
    expect(out.grow).toMatchObject({ changes: true, replaces: [] });
    // A resize reshapes the placement: only the owner is stable (members change size).
    expect((out.grow as { stables: string[] }).stables).toEqual(['owner']);
    expect((out.noDiff as { stables: string[] }).stables.sort()).toEqual(['members', 'owner', 'raidLevel', 'transport']);
    expect(out.retype).toMatchObject({ changes: true, replaces: ['type'], deleteBeforeReplace: true });
    const before = (out.created as { members: { serial: string; offsetGiB: number }[] }).members;
    const after = (out.updated as { capacityGiB: number; members: { serial: string; offsetGiB: number; sizeGiB: number }[] });
    expect(after.capacityGiB).toBe(8);
    expect(after.members.map((m) => [m.serial, m.offsetGiB])).toEqual(before.map((m) => [m.serial, m.offsetGiB]));
    expect(out.read).toBe(8);
    expect(out.afterDelete).toEqual({ id: '', props: {} });
  }

  it('holds no endpoint or token, only code', () => {
    const text = fs.readFileSync(files.volume, 'utf8');
    expect(text).not.toContain(fx.token);
    expect(text).not.toContain(fx.url);
    expect(text.length).toBeLessThan(100_000);
  });

  it('runs in a fresh process with endpoint and token from the stack config (configure)', async () => {
    const { stdout } = await run([files.driver, files.cluster, files.volume, 'config'], {
      ...baseEnv(),
      DRIVER_CONFIG: JSON.stringify({ 'tessera:endpoint': fx.url, 'tessera:token': fx.token }),
    });
    expectLifecycle(JSON.parse(stdout.trim().split('\n').pop()!));
  }, 90_000);

  it('runs in a fresh process with endpoint and token from TESSERA_ENDPOINT / TESSERA_TOKEN', async () => {
    const { stdout } = await run([files.driver, files.cluster, files.volume, 'env'], { ...baseEnv(), TESSERA_ENDPOINT: fx.url, TESSERA_TOKEN: fx.token });
    expectLifecycle(JSON.parse(stdout.trim().split('\n').pop()!));
    // The composer saw the lifecycle and logged no secret.
    expect(fx.logs.join('\n')).not.toContain(fx.token);
  }, 90_000);
});
