// The CSI peer suite: csi-sanity (github.com/kubernetes-csi/csi-test v5, built by
// scripts/engines.sh) against `tessera csi controller` and `tessera csi node` backed by a real
// composer on loopback and a lab agent on real loop devices (root). Every spec must pass; the ones
// csi-sanity skips are printed with the capability the driver does not advertise. Missing
// csi-sanity fails this file (nothing is skipped by hand).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { ComposerClient } from '../../provider/client';
import { startAgent, type RunningAgent } from '../../provider/agent/daemon';
import { provisionLabDrives } from '../../provider/agent/lab';
import { startCsiController, startCsiNode, type CsiServer } from '../../provider/csi';
import { OPERATOR, TestComposer, agentToken, inventory, startTestComposer } from '../agent/composer-fixture';
import { cleanupLab, labRoot } from '../agent/lab-helpers';
import { enginesDir } from '../helpers/engines';

interface Spec {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  message: string;
}

/** The <testcase> elements of a ginkgo JUnit report: name, and failed/skipped with its message. */
function parseJunit(xml: string): Spec[] {
  const out: Spec[] = [];
  const unescape = (s: string) => s.replace(/&#34;|&quot;/g, '"').replace(/&#39;|&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#xA;/g, '\n').replace(/&amp;/g, '&');
  for (const m of xml.matchAll(/<testcase\s+name="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = m[2] ?? '';
    const failTag = /<(failure|error)\b([^>]*)>([\s\S]*?)<\/\1>/.exec(body);
    const failure = failTag ? [failTag[0], failTag[1], `${/message="([^"]*)"/.exec(failTag[2])?.[1] ?? ''}\n${failTag[3]}`] : null;
    const skippedTag = /<skipped\b([^>]*)>/.exec(body);
    const skipped = skippedTag ? [skippedTag[0], /message="([^"]*)"/.exec(skippedTag[1])?.[1] ?? ''] : null;
    const st = m[1].startsWith('[') && /\[(?:BeforeSuite|AfterSuite|SynchronizedBeforeSuite)\]/.test(m[1]) ? 'passed' : failure ? 'failed' : skipped ? 'skipped' : 'passed';
    out.push({ name: unescape(m[1]), status: st, message: unescape(failure?.[2] ?? skipped?.[1] ?? '') });
  }
  return out;
}

let tc: TestComposer;
let root: string;
let agent: RunningAgent | undefined;
const servers: CsiServer[] = [];

beforeAll(async () => {
  root = labRoot('tessera-csi-sanity-');
  const labDir = path.join(root, 'lab');
  const inv = inventory({ servers: ['k1', 'k2'], enclosures: 2, ssdPerEnclosure: 2, ssdGiB: 16, hddPerEnclosure: 0 });
  provisionLabDrives(labDir, inv);
  tc = await startTestComposer(inv, { mountRoots: [root] });
  agent = await startAgent({
    composer: tc.composer.url,
    insecureDev: true, // plain HTTP on 127.0.0.1
    token: agentToken('k1'),
    server: 'k1',
    backend: 'lab',
    labDir,
    stateDir: path.join(root, 'agent-k1'),
    mountRoots: [root],
    heartbeatMs: 500,
    waitSeconds: 5,
    retryMs: 300,
    pollMs: 20,
  });
  const client = () => new ComposerClient({ endpoint: tc.composer.url, token: OPERATOR });
  servers.push(await startCsiController({ endpoint: `unix://${root}/controller.sock`, client: client(), log: () => undefined }));
  servers.push(await startCsiNode({ endpoint: `unix://${root}/node.sock`, client: client(), server: 'k1', log: () => undefined }));
}, 120_000);

/** One shutdown step, bounded: a step that hangs fails the file naming itself instead of a hook timeout. */
async function step(name: string, p: Promise<unknown> | undefined, ms = 60_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const t0 = Date.now();
  try {
    await Promise.race([p, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`shutdown: ${name} did not finish in ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
  if (Date.now() - t0 > 10_000) console.warn(`shutdown: ${name} took ${Date.now() - t0} ms`);
}

afterAll(async () => {
  try {
    await step('the CSI servers', Promise.all(servers.map((s) => s.close())));
    await step('the agent', agent?.stop());
    await step('the composer', tc?.close());
  } finally {
    if (root) cleanupLab(root);
  }
}, 300_000);

test('csi-sanity passes every spec that applies; the skipped ones are skipped by capability', async () => {
  const sanity = path.join(enginesDir(), 'bin', 'csi-sanity');
  if (!fs.existsSync(sanity)) throw new Error(`csi-sanity missing (${sanity}): run scripts/engines.sh`);
  const params = path.join(root, 'params.yaml');
  fs.writeFileSync(params, 'type: slice\ncluster: sanity\n');
  const report = path.join(root, 'junit.xml');
  const args = [
    `--csi.endpoint=${root}/node.sock`,
    `--csi.controllerendpoint=${root}/controller.sock`,
    `--csi.stagingdir=${root}/sanity-staging`,
    `--csi.mountdir=${root}/sanity-target`,
    `--csi.testvolumeparameters=${params}`,
    `--csi.testvolumesize=${1024 ** 3}`,
    `--csi.testvolumeexpandsize=${2 * 1024 ** 3}`,
    `--ginkgo.junit-report=${report}`,
    '--ginkgo.no-color',
    '--ginkgo.timeout=15m',
  ];
  const run = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile(sanity, args, { maxBuffer: 64 * 1024 * 1024, timeout: 20 * 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}\n${stderr}` });
    });
  });
  expect(fs.existsSync(report)).toBe(true);
  const specs = parseJunit(fs.readFileSync(report, 'utf8'));
  const failed = specs.filter((s) => s.status === 'failed');
  const skipped = specs.filter((s) => s.status === 'skipped');
  const passed = specs.filter((s) => s.status === 'passed');
  console.log(
    [
      `csi-sanity: ${passed.length} passed, ${failed.length} failed, ${skipped.length} skipped of ${specs.length}`,
      'skipped (the capability or setting that skips them):',
      ...skipped.map((s) => `  - ${s.name}: ${s.message.split('\n')[0]}`),
    ].join('\n'),
  );
  if (failed.length > 0) {
    throw new Error(`csi-sanity failed ${failed.length} spec(s):\n${failed.slice(0, 8).map((s) => `- ${s.name}\n    ${s.message.slice(0, 1500)}`).join('\n')}\n\n${run.out.slice(-4000)}`);
  }
  expect(passed.length).toBeGreaterThan(30);
  expect(run.code).toBe(0);
}, 25 * 60_000);
