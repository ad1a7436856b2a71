// `npm run bench:handshake`: how long Terraform/OpenTofu wait for the provider's go-plugin
// handshake line, for the bundled provider (dist/bin/terraform-provider-tessera.js on the
// project's Node, what `npm run release` ships) against the tsx wrapper (bin/), in the same run.
// Prints JSON; exits 1 when the bundle's median is above the floor (0.3 s, issue 15) or not
// faster than the wrapper. Needs `npm run build` first. docs/install.md records the figures.
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from '../provider/terraform/plugin';

const REPO = path.resolve(__dirname, '..');
const NODE = path.join(REPO, 'node_modules', '.bin', 'node');
const BUNDLE = path.join(REPO, 'dist', 'bin', 'terraform-provider-tessera.js');
const WRAPPER = path.join(REPO, 'bin', 'terraform-provider-tessera');
const FLOOR_S = 0.3;
const RUNS = Number(process.env.HANDSHAKE_RUNS ?? 7);

/** Seconds from spawn to the handshake line on stdout; the process is then stopped. */
function handshake(cmd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, {
      env: { ...process.env, [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: '6', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('\n')) return;
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (!/^1\|6\|unix\|/.test(out)) reject(new Error(`unexpected handshake line: ${out.trim()}`));
      child.kill('SIGKILL');
      resolve(s);
    });
    child.on('exit', (code) => {
      if (!out.includes('\n')) reject(new Error(`${cmd} exited ${code} before the handshake: ${err.trim()}`));
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` first`);
  execFileSync(NODE, ['--version']); // the project's Node 22 (node devDependency)
  // The release's launcher (scripts/release.sh) keeps V8's compile cache between starts.
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-handshake-cache-'));
  const bundle: number[] = [];
  const wrapper: number[] = [];
  // Interleaved so that machine load affects both alike.
  for (let i = 0; i < RUNS; i++) {
    bundle.push(await handshake(NODE, [BUNDLE], { NODE_COMPILE_CACHE: cache }));
    wrapper.push(await handshake(WRAPPER, []));
  }
  const result = {
    bench: 'handshake',
    runs: RUNS,
    bundleMedianS: +median(bundle).toFixed(3),
    bundleMaxS: +Math.max(...bundle).toFixed(3),
    tsxWrapperMedianS: +median(wrapper).toFixed(3),
    speedup: +(median(wrapper) / median(bundle)).toFixed(2),
    floorS: FLOOR_S,
    pass: median(bundle) <= FLOOR_S && median(bundle) < median(wrapper),
  };
  fs.rmSync(cache, { recursive: true, force: true });
  console.log(JSON.stringify(result));
  if (!result.pass) process.exitCode = 1;
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exitCode = 1;
});
