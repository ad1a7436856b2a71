// The dashboard in real Chromium (docs/ui.md): a composer in this process on SQLite with the
// default inventory, volumes made through the API, and the page driven as a person would: log in
// with a reader token, read a RAID1 volume's halves, watch a create appear, ask the capacity
// question, see a degraded volume after an enclosure reports a member's drive gone, and find no
// way to change anything. Screenshots of each view go to test-artifacts/ui/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page, Request } from 'playwright-core';
import { startAgent, type RunningAgent } from '../../provider/agent/daemon';
import { SimulatedFabric } from '../../provider/agent/sim/fabric';
import { agentToken, enclosureTokenOf, OPERATOR_TOKEN, READER_TOKEN, smallInventory, startTestComposer, type TestComposer, tokensWithEnclosures } from '../helpers/composer';
import { launchChromium, UI_ARTIFACTS, type Browser } from '../helpers/browser';

let composer: TestComposer;
let browser: Browser;
let page: Page;
/** k1's agent on the simulated fabric (provider/agent/sim): it stages what is assigned to k1. */
let agent: RunningAgent;
const requests: string[] = [];
/** Script errors and policy violations the page met (there must be none). */
const pageProblems: string[] = [];
let clusterId: string;
let mirror: { id: string; members: { serial: string; enclosure: string; storageGroup: string; mirror: number }[] };

async function api<T = { [k: string]: unknown }>(method: string, p: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(composer.url + p, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
}

const shot = (name: string) => page.screenshot({ path: path.join(UI_ARTIFACTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  fs.mkdirSync(UI_ARTIFACTS, { recursive: true });
  const inventory = smallInventory();
  // insecureDev: the agent talks plain HTTP to this loopback composer (docs/agent.md, "Key channel").
  composer = await startTestComposer({ inventory, tokens: tokensWithEnclosures(inventory), insecureDev: true });
  agent = await startAgent({ composer: composer.url, insecureDev: true, token: agentToken('k1'), server: 'k1', backend: 'simulated', fabric: new SimulatedFabric(), stateDir: path.join(composer.dir, 'agent-k1'), heartbeatMs: 500, waitSeconds: 2 });
  const c = await api('POST', '/v1/clusters', OPERATOR_TOKEN, { name: 'analytics', servers: ['k1', 'k2'] });
  expect(c.status).toBe(201);
  clusterId = c.body.id as string;
  const v = await api<typeof mirror>('POST', '/v1/volumes', OPERATOR_TOKEN, { cluster: clusterId, name: 'orders', type: 'ssd', sizeGiB: 800, redundancy: true, server: 'k1', owner: 'urn:pulumi:prod::shop::tessera:index:Volume::orders' });
  expect(v.status).toBe(201);
  mirror = v.body;
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('request', (r: Request) => requests.push(r.url()));
  page.on('pageerror', (e) => pageProblems.push(e.message));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) pageProblems.push(m.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
  await composer?.close();
});

test('the page is served with a strict policy and logs in with a reader token kept out of the URL', async () => {
  const r = await fetch(`${composer.url}/ui`);
  expect(r.status).toBe(200);
  const csp = r.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(r.headers.get('x-content-type-options')).toBe('nosniff');

  await page.goto(`${composer.url}/ui`);
  await page.getByLabel('API token').fill('not-a-token');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').waitFor();
  expect(await page.getByRole('alert').textContent()).toMatch(/token/i);
  await page.getByLabel('API token').fill(READER_TOKEN);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('table', { name: 'Storage groups' }).waitFor();
  expect(await page.evaluate(() => sessionStorage.getItem('tessera.token'))).toBe(READER_TOKEN);
  expect(page.url()).not.toContain(READER_TOKEN);
});

test('pool: storage groups, enclosures and drives, each drive a bar of its extents with a text alternative', async () => {
  await page.goto(`${composer.url}/ui#/pool`);
  const groups = page.getByRole('table', { name: 'Storage groups' });
  await groups.waitFor();
  expect(await groups.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-sg')))).toEqual(['sg-a', 'sg-b']);
  // The first mirror member's drive: its bar has one extent naming the volume and its half.
  const m0 = mirror.members.find((m) => m.mirror === 0)!;
  const row = page.locator(`tr[data-serial="${m0.serial}"]`);
  await row.waitFor();
  const extent = row.locator('.extent');
  expect(await extent.count()).toBe(1);
  expect(await extent.getAttribute('aria-label')).toBe(`volume orders (${mirror.id}), mirror 0 stripe 0, 0–800 GiB`);
  expect(await row.locator('.health').textContent()).toContain('ok');
  await shot('pool');
  // Search by serial pages through the pool API (never the whole inventory).
  await page.getByLabel('search serial, volume or owner').fill('enc-b2-hdd');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('tr[data-serial="enc-b2-hdd-3"]').waitFor();
  expect(await page.locator('tr[data-serial]').count()).toBe(4);
  expect(requests.some((u) => u.includes('/v1/pool/drives?') && u.includes('search=enc-b2-hdd'))).toBe(true);
  expect(requests.some((u) => new URL(u).pathname === '/v1/inventory')).toBe(false);
});

test("volume: a RAID1 volume's halves live in different storage groups", async () => {
  await page.goto(`${composer.url}/ui#/volumes/${mirror.id}`);
  const members = page.getByRole('table', { name: `members of ${mirror.id}` });
  await members.waitFor();
  const rows = await members.locator('tbody tr').evaluateAll((rs) => rs.map((r) => ({ mirror: r.getAttribute('data-mirror'), sg: r.getAttribute('data-sg') })));
  expect(rows).toHaveLength(2);
  expect(new Set(rows.map((r) => r.mirror))).toEqual(new Set(['0', '1']));
  expect(rows[0].sg).not.toBe(rows[1].sg);
  expect(rows.map((r) => r.sg).sort()).toEqual(mirror.members.map((m) => m.storageGroup).sort());
  expect(await page.locator('[data-field="resiliency"]').textContent()).toContain('in different storage groups');
  expect(await page.locator('dd.owner').textContent()).toBe('urn:pulumi:prod::shop::tessera:index:Volume::orders');
  await shot('volume');
});

test('operations: a create appears live, without a reload', async () => {
  await page.goto(`${composer.url}/ui#/operations`);
  const table = page.getByRole('table', { name: 'Operations' });
  await table.locator(`tr[data-object="${mirror.id}"]`).waitFor();
  const before = await table.locator('tbody tr').count();
  const v = await api('POST', '/v1/volumes', OPERATOR_TOKEN, { cluster: clusterId, name: 'scratch', type: 'hdd', sizeGiB: 1000, server: 'k2' });
  expect(v.status).toBe(201);
  const row = table.locator(`tr[data-object="${v.body.id as string}"]`);
  await row.waitFor({ timeout: 10_000 });
  expect(await row.textContent()).toContain('create volumes');
  expect(await row.getAttribute('data-state')).toBe('done');
  expect(await table.locator('tbody tr').count()).toBe(before + 1);
  // Newest first.
  expect(await table.locator('tbody tr').first().getAttribute('data-object')).toBe(v.body.id);
  await shot('operations');
});

test("capacity: the largest volume that fits, and the engine's reason when nothing does", async () => {
  await page.goto(`${composer.url}/ui#/capacity`);
  const form = page.getByRole('form', { name: 'Capacity question' });
  await form.locator('select[name="type"]').selectOption('ssd');
  await form.getByRole('button', { name: 'Ask' }).click();
  const expected = await api<{ maximumVolumeSizeGiB: number }>('GET', '/v1/capacity?type=ssd', READER_TOKEN);
  await page.locator('[data-field="maximum"]').waitFor();
  expect(await page.locator('[data-field="maximum"]').textContent()).toBe(`${expected.body.maximumVolumeSizeGiB} GiB`);
  expect(expected.body.maximumVolumeSizeGiB).toBeGreaterThan(0);
  expect(await page.locator('[data-field="explanation"]').count()).toBe(0);
  // A tag no drive has: nothing fits, and the page says why in the engine's words.
  await form.locator('input[name="requiredTags"]').fill('optane');
  await form.getByRole('button', { name: 'Ask' }).click();
  const why = page.locator('[data-field="explanation"]');
  await why.waitFor();
  const engine = await api<{ steps: { ok: boolean; constraint?: string; message?: string }[] }>('POST', '/v1/feasibility', READER_TOKEN, {
    steps: [{ key: 'q', kind: 'volumes', action: 'create', spec: { type: 'ssd', sizeGiB: 1, requiredTags: ['optane'], excludedTags: [], storageGroup: [], redundancy: false, striping: true, sgResiliency: true, jbodResiliency: true } }],
  });
  expect(engine.body.steps[0].ok).toBe(false);
  expect(engine.body.steps[0].message).toMatch(/^requiredTags: .*optane/);
  expect(await why.textContent()).toBe(`Nothing fits: ${engine.body.steps[0].message}`);
  expect(await page.locator('[data-field="maximum"]').textContent()).toBe('0 GiB');
  await shot('capacity');
});

test('a degraded volume after its member drive is reported gone, in the volume and the pool views', async () => {
  const m0 = mirror.members.find((m) => m.mirror === 0)!;
  const enc = enclosureTokenOf(m0.enclosure);
  expect((await api('POST', `/v1/enclosures/${m0.enclosure}/register`, enc, { hostname: `${m0.enclosure}.lab`, version: '0.1.0', drives: [m0.serial] })).status).toBe(200);
  expect((await api('PUT', `/v1/enclosures/${m0.enclosure}/report`, enc, { drives: [{ serial: m0.serial, present: false, device: '/dev/sdz' }], exports: [] })).status).toBe(204);
  await page.goto(`${composer.url}/ui#/volumes/${mirror.id}`);
  await page.locator('[data-field="health"]').filter({ hasText: 'degraded' }).waitFor();
  expect(await page.locator(`tr[data-member="${m0.serial}"] .health`).textContent()).toContain('failed');
  await shot('volume-degraded');
  await page.goto(`${composer.url}/ui#/pool`);
  const row = page.locator(`tr[data-serial="${m0.serial}"]`);
  await row.waitFor();
  expect(await row.getAttribute('data-health')).toBe('failed');
  expect(await row.locator('.health').textContent()).toContain('failed');
  for (let i = 0; i < 100 && (await api('GET', `/v1/volumes/${mirror.id}`, READER_TOKEN)).body.state !== 'staged'; i++) await new Promise((r) => setTimeout(r, 200));
  await page.goto(`${composer.url}/ui#/servers`);
  await page.locator('tr[data-server="k1"]').waitFor();
  await page.locator(`tr[data-enclosure="${m0.enclosure}"]`).waitFor();
  // k1's agent is up and has staged the mirror; k3 has no agent.
  await page.locator('tr[data-server="k1"] td').last().filter({ hasText: 'orders (staged)' }).waitFor();
  expect(await page.locator('tr[data-server="k1"] .health').textContent()).toContain('up');
  expect(await page.locator('tr[data-server="k3"] .health').textContent()).toContain('unknown');
  await shot('servers');
});

test('before any inventory is loaded, a login works and the pool view says what is missing', async () => {
  const empty = await startTestComposer({ inventory: false });
  const other = await browser.context.newPage();
  try {
    await other.goto(`${empty.url}/ui`);
    await other.getByLabel('API token').fill(READER_TOKEN);
    await other.getByRole('button', { name: 'Log in' }).click();
    await other.getByRole('alert').first().waitFor();
    expect(await other.getByRole('alert').first().textContent()).toContain('no inventory is loaded');
    expect(await other.getByRole('button', { name: 'Log out' }).count()).toBe(1);
  } finally {
    await other.close();
    await empty.close();
  }
});

test('keyboard: the views are reached with Tab and Enter, and extents take focus with their label', async () => {
  // A fresh load, so Tab starts at the top of the document.
  await page.goto(`${composer.url}/ui#/pool`);
  await page.reload();
  await page.locator(`tr[data-serial]`).first().waitFor();
  // Strings: they run in the page, whose DOM this file's types do not describe.
  const focused = () => page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''");
  expect(await (async () => (await page.keyboard.press('Tab'), focused()))()).toBe('Skip to content');
  for (let i = 0; i < 10 && (await focused()) !== 'Operations'; i++) await page.keyboard.press('Tab');
  expect(await focused()).toBe('Operations');
  await page.keyboard.press('Enter');
  await page.getByRole('table', { name: 'Operations' }).waitFor();
  expect(new URL(page.url()).hash).toBe('#/operations');
  // A volume's extent is a link: focused by Tab it names the volume; Enter opens the volume.
  await page.goto(`${composer.url}/ui#/pool`);
  const extent = page.locator(`a.extent[href="#/volumes/${mirror.id}"]`).first();
  await extent.waitFor();
  await extent.focus();
  expect(await page.evaluate<string>("document.activeElement?.getAttribute('aria-label') ?? ''")).toContain(`volume orders (${mirror.id})`);
  await page.keyboard.press('Enter');
  await page.getByRole('table', { name: `members of ${mirror.id}` }).waitFor();
});

test('a reader cannot change anything: the page offers no writes and the API refuses them', async () => {
  const readOnly = new Set(['Log out', 'Search', 'Refresh', 'Ask', '← Previous', 'Next →']);
  const seen = new Set<string>();
  for (const view of ['pool', 'volumes', `volumes/${mirror.id}`, 'servers', 'operations', 'capacity']) {
    await page.goto(`${composer.url}/ui#/${view}`);
    await page.locator('main h2').first().waitFor();
    for (const b of await page.getByRole('button').allTextContents()) seen.add(b.trim());
  }
  expect([...seen].filter((b) => !readOnly.has(b))).toEqual([]);
  // Every request the page made was to this composer, and none changed anything.
  const origin = new URL(composer.url).origin;
  expect(requests.filter((u) => !u.startsWith(origin))).toEqual([]);
  expect(pageProblems).toEqual([]);
  // The same token, from inside the page, cannot write.
  const answers = await page.evaluate(async (id) => {
    const t = sessionStorage.getItem('tessera.token')!;
    const h = { authorization: `Bearer ${t}`, 'content-type': 'application/json' };
    const del = await fetch(`/v1/volumes/${id}`, { method: 'DELETE', headers: h });
    const create = await fetch('/v1/clusters', { method: 'POST', headers: h, body: JSON.stringify({ name: 'x', servers: ['k3'] }) });
    const drain = await fetch('/v1/drives/enc-a1-hdd-0/drain', { method: 'POST', headers: h });
    return [del.status, create.status, drain.status];
  }, mirror.id);
  expect(answers).toEqual([403, 403, 403]);
  expect((await api('GET', `/v1/volumes/${mirror.id}`, READER_TOKEN)).status).toBe(200);
  // Log out forgets the token.
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByLabel('API token').waitFor();
  expect(await page.evaluate(() => sessionStorage.getItem('tessera.token'))).toBeNull();
});
