// deploy/: the Prometheus alert rules pass `promtool check rules`, the Grafana dashboard is valid
// JSON, every metric either names is one a real composer exports (scraped here), and the systemd
// units pass `systemd-analyze verify` with flags the CLI accepts (docs/deploy.md).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { loadCommands } from '../../provider/cli/main';
import { ADMIN_TOKEN, REPO, TESSERA_BIN, startTestComposer } from '../helpers/composer';

const run = promisify(execFile);
const DEPLOY = path.join(REPO, 'deploy');
const RULES = path.join(DEPLOY, 'prometheus/tessera-alerts.yml');
const DASHBOARD = path.join(DEPLOY, 'grafana/tessera-dashboard.json');
const UNITS = ['tessera-composer', 'tessera-agent', 'tessera-enclosure'].map((u) => path.join(DEPLOY, 'systemd', `${u}.service`));

/** promtool from PATH or the engines cache (scripts/ensure-promtool.sh puts it there). */
function promtool(): string {
  const cached = path.join(process.env.TESSERA_ENGINES_DIR ?? path.join(os.homedir(), '.cache/tessera/engines'), 'bin/promtool');
  if (fs.existsSync(cached)) return cached;
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && fs.existsSync(path.join(dir, 'promtool'))) return path.join(dir, 'promtool');
  throw new Error('promtool not found: run scripts/ensure-promtool.sh');
}

/** Metric names in a PromQL expression (ours, prom-client's defaults), without histogram suffixes. */
function metricsIn(expr: string): string[] {
  const names = expr.match(/\b(?:tessera|process|nodejs)_[a-z0-9_]+/g) ?? [];
  return names.map((n) => n.replace(/_(bucket|sum|count)$/, ''));
}

const rulesText = fs.readFileSync(RULES, 'utf8');
const ruleExprs = [...rulesText.matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1]);
const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { uid: string; panels: { id: number; title: string; targets: { expr: string }[] }[] };
const dashboardExprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));

test('promtool check rules accepts the alert rules', async () => {
  const { stdout } = await run(promtool(), ['check', 'rules', RULES]);
  expect(stdout).toMatch(new RegExp(`SUCCESS: ${ruleExprs.length} rules found`));
  // promtool is a real check: a broken expression fails it.
  const bad = path.join(os.tmpdir(), `tessera-bad-rules-${process.pid}.yml`);
  fs.writeFileSync(bad, rulesText.replace('max(tessera_leader) == 0', 'max(tessera_leader == 0'));
  try {
    const e = (await run(promtool(), ['check', 'rules', bad]).catch((err: unknown) => err)) as { code: number; stdout: string; stderr: string };
    expect(e.code).toBe(1);
    expect(e.stdout + e.stderr).toMatch(/FAILED/);
  } finally {
    fs.rmSync(bad, { force: true });
  }
}, 30_000);

test('the dashboard is valid, and every metric it or an alert names is exported by a real composer', async () => {
  expect(dashboard.uid).toBe('tessera-overview');
  expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
  for (const p of dashboard.panels) expect({ title: p.title, targets: p.targets.length > 0 }).toEqual({ title: p.title, targets: true });
  const tc = await startTestComposer();
  let exported: Set<string>;
  try {
    const text = await (await fetch(`${tc.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
  } finally {
    await tc.close();
  }
  const named = new Set([...ruleExprs, ...dashboardExprs].flatMap(metricsIn));
  expect(named.size).toBeGreaterThan(10);
  expect([...named].filter((n) => !exported.has(n))).toEqual([]);
  // The only other series: Prometheus's own `up` for the scrape job.
  expect(ruleExprs.filter((e) => metricsIn(e).length === 0)).toEqual(['up{job="tessera-composer"} == 0']);
}, 60_000);

test('systemd-analyze verify accepts the units, and their ExecStart flags are the CLI\'s', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-units-'));
  const commands = loadCommands();
  try {
    for (const unit of UNITS) {
      const text = fs.readFileSync(unit, 'utf8');
      const exec = /^ExecStart=\/usr\/bin\/tessera (.+)$/m.exec(text);
      expect(exec).not.toBeNull();
      const words = exec![1].split(/\s+/);
      const cmd = commands.find((c) => c.path.every((p, i) => words[i] === p))!;
      expect(cmd).toBeDefined();
      const declared = new Set((cmd.options ?? []).flatMap((o) => o.flags.split(/[ ,]+/).filter((f) => f.startsWith('--'))));
      expect(words.filter((w) => w.startsWith('--') && !declared.has(w))).toEqual([]);
      // The unit names /usr/bin/tessera (a packaged install); verified against this checkout's CLI.
      fs.writeFileSync(path.join(dir, path.basename(unit)), text.replace('/usr/bin/tessera', TESSERA_BIN));
    }
    const files = UNITS.map((u) => path.join(dir, path.basename(u)));
    // verify only warns (exit 0) on an unknown or unparsable directive: any output is a failure.
    const { stdout, stderr } = await run('systemd-analyze', ['verify', ...files]);
    expect(stdout + stderr).toBe('');
    fs.writeFileSync(files[1], fs.readFileSync(files[1], 'utf8').replace('Restart=always', 'Restart=sometimes'));
    const bad = await run('systemd-analyze', ['verify', files[1]]);
    expect(bad.stderr).toMatch(/Failed to parse service restart specifier/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
