// Dashboard bench (docs/ui.md): the pool view of a 100,000-drive inventory in real Chromium.
//   npm run bench:ui -- [--drives 100000] [--servers 10000] [--volumes 2000] [--runs 5] [--json]
// A composer in this process (SQLite, startTestComposer) loads a synthetic inventory
// (synthesizeInventory, seed 42) and gets `--volumes` volumes and slices through the API, so the
// drive bars have extents. Then, `--runs` times, a fresh page load of /ui#/pool with a reader
// token is timed from navigation start to the first meaningful render: the storage groups table
// and a full first page of drives in the document. The floor, in the same run: the same two
// requests (GET /v1/pool and the page's own GET /v1/pool/drives?limit=...) by plain HTTP from node, which is what
// the page cannot beat. Prints JSON; the target is firstRenderMs.median < 2000.
import * as os from 'node:os';
import { synthesizeInventory } from '../provider/inventory';
import { launchChromium } from '../test/helpers/browser';
import { OPERATOR_TOKEN, READER_TOKEN, startTestComposer } from '../test/helpers/composer';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name}: must be a positive integer`);
  return v;
}
const drives = flag('drives', 100_000);
const servers = flag('servers', 10_000);
const volumes = flag('volumes', 2000);
const runs = flag('runs', 5);
const asJson = process.argv.includes('--json');
const TARGET_MS = 2000;
/** In the page: resolves on the first frame with the storage groups and the first page of drives drawn (the count line comes with the rows). */
const FIRST_RENDER = `new Promise((resolve) => {
  const check = () => {
    const count = document.querySelector('[data-testid="drive-count"]');
    const rows = document.querySelectorAll('tr[data-serial]').length;
    const sg = document.querySelectorAll('table[aria-label="Storage groups"] tbody tr').length;
    if (count && rows > 0 && sg > 0) resolve({ ms: performance.now(), rows, sg });
    else requestAnimationFrame(check);
  };
  check();
})`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number) => Math.round(x * 10) / 10;
const log = (m: string) => {
  if (!asJson) console.error(m);
};

async function call(url: string, method: string, token: string, body?: unknown): Promise<{ status: number; body: { [k: string]: unknown } }> {
  const r = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : {} };
}

async function main(): Promise<void> {
  const inventory = synthesizeInventory({ servers, drives, seed: 42 });
  const t0 = Date.now();
  const composer = await startTestComposer({ inventory, tokens: [
    { name: 'ops', token: OPERATOR_TOKEN, role: 'operator' },
    { name: 'viewer', token: READER_TOKEN, role: 'reader' },
  ] });
  log(`composer with ${drives} drives, ${servers} servers up in ${Date.now() - t0} ms`);
  const browser = await launchChromium();
  try {
    const url = composer.url;
    const cluster = (await call(`${url}/v1/clusters`, 'POST', OPERATOR_TOKEN, { name: 'bench' })).body.id as string;
    // Volumes and slices, eight at a time, so the first page's drives have extents to draw.
    let made = 0;
    let next = 0;
    const worker = async () => {
      while (next < volumes) {
        const i = next++;
        const kind = i % 3 === 0 ? 'slices' : 'volumes';
        const body = kind === 'slices' ? { cluster, name: `s${i}`, sizeGiB: 50 } : { cluster, name: `v${i}`, type: i % 3 === 1 ? 'ssd' : 'hdd', sizeGiB: 100, redundancy: i % 6 === 1 };
        if ((await call(`${url}/v1/${kind}`, 'POST', OPERATOR_TOKEN, body)).status === 201) made++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    log(`${made} of ${volumes} volumes and slices created`);

    const page = await browser.context.newPage();
    let drivesPath = '';
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/v1/pool/drives' && !drivesPath) drivesPath = u.pathname + u.search;
    });
    await page.goto(`${url}/ui`);
    await page.getByLabel('API token').fill(READER_TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('table', { name: 'Storage groups' }).waitFor();
    await page.getByTestId('drive-count').waitFor();
    if (!drivesPath) throw new Error('the pool view asked for no page of drives');

    // The floor: the page's two requests by plain HTTP.
    const floor: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const [a, b] = await Promise.all([call(`${url}/v1/pool`, 'GET', READER_TOKEN), call(`${url}${drivesPath}`, 'GET', READER_TOKEN)]);
      floor.push(performance.now() - t);
      if (a.status !== 200 || b.status !== 200) throw new Error(`floor requests: ${a.status} ${b.status}`);
    }

    const render: number[] = [];
    let rows = 0;
    let sgRows = 0;
    for (let i = 0; i < runs; i++) {
      await page.goto('about:blank');
      await page.goto(`${url}/ui#/pool`);
      // A string, not a function: it runs in the page (DOM types there, and tsx's helpers not).
      const r = (await page.evaluate(FIRST_RENDER)) as { ms: number; rows: number; sg: number };
      render.push(r.ms);
      rows = r.rows;
      sgRows = r.sg;
    }
    const result = {
      drives,
      servers,
      objects: made,
      runs,
      firstRenderMs: { median: round(median(render)), max: round(Math.max(...render)), all: render.map(round) },
      drivesRendered: rows,
      storageGroupsRendered: sgRows,
      floorMs: { median: round(median(floor)), what: `GET /v1/pool + GET ${drivesPath} by plain HTTP from node` },
      overFloor: round(median(render) / median(floor)),
      targetMs: TARGET_MS,
      meetsTarget: median(render) < TARGET_MS,
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: os.loadavg().map(round),
    };
    console.log(asJson ? JSON.stringify(result) : JSON.stringify(result, null, 2));
  } finally {
    await browser.close();
    await composer.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
