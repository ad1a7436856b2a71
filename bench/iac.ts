// IaC at scale (issue 19 benchmark 1, issue 17's dynamic-vs-native figure; docs/terraform.md,
// docs/pulumi.md): a stack of N volumes + N/10 slices across 10 clusters, driven by the real
// engines (tofu with the provider executable as the release ships it, pulumi with the dynamic
// provider of sdk/pulumi and with the native pulumi-resource-tessera) against a real composer on
// SQLite. Each Tessera figure is divided by a floor measured in the same run: the same engine and
// the same number of resources that need no provider (tofu's built-in terraform_data; Pulumi
// ComponentResources), so the ratio is what Tessera adds on top of the engine itself.
//   npm run bench:iac -- [--short] [--volumes 1000] [--only tofu,dynamic,native] [--json]
// --short (the CI regression check, <= 90 s on an idle 2-core machine): 50 volumes + 5 slices,
// tofu and the native provider only, no preview --refresh.
// Steps per engine: create (tofu apply / pulumi up), no-change (tofu plan, which refreshes
// every resource / pulumi preview, and pulumi preview --refresh), update of every 10th volume
// (reclaim_policy Delete -> Retain, in place). Each step is also checked (no-change plans are
// empty, the update changes exactly the changed volumes): a wrong result fails the run.
// Provider processes: CPU seconds (sum over the processes an engine started) and peak RSS, read
// from /proc of this process's descendants; Pulumi state bytes per resource from
// `pulumi stack export`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Inventory } from '../provider/model/inventory';
import { ComposerClient } from '../provider/client';
import { synthesizeInventory } from '../provider/inventory';
import { VERSION } from '../provider/version';
import { OPERATOR_TOKEN, startTestComposer, testTokens, type TestComposer } from '../test/helpers/composer';
import { PROVIDER_DIR_PREFIX, terraformProviderDir } from '../test/helpers/bundle';
import { CLK_TCK, procStat, procStatusBytes } from './lib/proc';
import { enginePaths, repoRoot, type CommandResult } from '../test/helpers/engines';
import { apply as tofuApply, createTofuWorkspace, plan as tofuPlan, removeTofuWorkspace, type TofuWorkspace } from '../test/helpers/tofu';
import { createPulumiProject, createStack, exportStack, installNativeProvider, preview, PULUMI_PROGRAM_TSCONFIG, removeStack, runPulumi, type PulumiStack } from '../test/helpers/pulumi';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] && !process.argv[i + 1].startsWith('--') ? process.argv[i + 1] : undefined;
}
const short = process.argv.includes('--short');
const asJson = process.argv.includes('--json');
const volumes = Number(flag('volumes') ?? (short ? 50 : 1000));
if (!Number.isInteger(volumes) || volumes < 10 || volumes % 10 !== 0) throw new Error(`--volumes: must be a multiple of 10, at least 10 (got ${flag('volumes')})`);
const CLUSTERS = 10;
const slices = volumes / 10;
const changed = volumes / 10; // every 10th volume
const resources = CLUSTERS + volumes + slices;
const ENGINES = ['tofu', 'dynamic', 'native'] as const;
type Engine = (typeof ENGINES)[number];
// --short leaves out the dynamic provider: its time is its state (a copy of the provider's code
// in every resource, bench/RESULTS-iac.md), which grows the run past the CI budget.
const only = (flag('only') ?? (short ? 'tofu,native' : ENGINES.join(','))).split(',');
for (const e of only) if (!(ENGINES as readonly string[]).includes(e)) throw new Error(`--only: ${JSON.stringify(e)} is not one of ${ENGINES.join(', ')}`);

const log = (m: string) => {
  if (!asJson) console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
};
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

// ---------------------------------------------------------------------------------------------
// Provider processes: every sample walks /proc for descendants of this process whose command line
// names a provider, and keeps each one's last CPU time and its peak RSS (VmHWM, the kernel's own
// high-water mark, so a peak between samples is not lost). CPU in the last < 100 ms of a process's
// life is missed; at seconds of CPU per step that is within the noise.
interface ProcUse {
  processes: number;
  cpuSec: number;
  peakRssMiB: number;
}
type Group = 'provider' | 'engine' | 'languageHost';
class ProcessSampler {
  private seen = new Map<string, { group: Group; cpuTicks: number; hwmKiB: number }>();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly classify: (cmdline: string) => Group | undefined) {}
  start(): void {
    this.timer = setInterval(() => this.sample(), 100);
  }
  stop(): Record<Group, ProcUse> {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    const out: Record<Group, ProcUse> = { provider: { processes: 0, cpuSec: 0, peakRssMiB: 0 }, engine: { processes: 0, cpuSec: 0, peakRssMiB: 0 }, languageHost: { processes: 0, cpuSec: 0, peakRssMiB: 0 } };
    for (const v of this.seen.values()) {
      const g = out[v.group];
      g.processes++;
      g.cpuSec += v.cpuTicks / CLK_TCK;
      g.peakRssMiB = Math.max(g.peakRssMiB, round(v.hwmKiB / 1024, 1));
    }
    for (const g of Object.values(out)) g.cpuSec = round(g.cpuSec);
    return out;
  }
  private sample(): void {
    const parent = new Map<number, { ppid: number; ticks: number; start: string }>();
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const { ppid, cpuTicks, start } = procStat(Number(name));
        parent.set(Number(name), { ppid, ticks: cpuTicks, start });
      } catch {
        // exited between readdir and read
      }
    }
    const isDescendant = (pid: number): boolean => {
      for (let p = parent.get(pid)?.ppid, hops = 0; p !== undefined && hops < 64; p = parent.get(p)?.ppid, hops++) if (p === process.pid) return true;
      return false;
    };
    for (const [pid, info] of parent) {
      if (!isDescendant(pid)) continue;
      const key = `${pid}:${info.start}`;
      let cmdline: string;
      let hwm = 0;
      try {
        cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        hwm = procStatusBytes(pid, 'VmHWM')[0] / 1024;
      } catch {
        continue;
      }
      const group = this.classify(cmdline);
      if (!group) continue;
      const prev = this.seen.get(key);
      this.seen.set(key, { group, cpuTicks: Math.max(prev?.cpuTicks ?? 0, info.ticks), hwmKiB: Math.max(prev?.hwmKiB ?? 0, hwm) });
    }
  }
}

const PROVIDER_MATCH: Record<Engine | 'floor', (cmd: string) => boolean> = {
  tofu: (c) => c.includes(`/${PROVIDER_DIR_PREFIX}`) && c.includes('/provider.js'),
  dynamic: (c) => c.includes('dynamic-provider') || c.includes('pulumi-resource-pulumi-nodejs'),
  native: (c) => c.includes('pulumi-resource-tessera'),
  floor: () => false,
};
/** Which process is which: the provider (by variant), the engine CLI, the Node language host and program. */
const classifier = (provider: (cmd: string) => boolean) => (c: string): Group | undefined => {
  if (provider(c)) return 'provider';
  if (/\/bin\/(tofu|pulumi) /.test(c)) return 'engine';
  if (c.includes('pulumi-language-nodejs') || c.includes('@pulumi/pulumi/cmd/run')) return 'languageHost';
  return undefined;
};

interface Step {
  name: string;
  seconds: number;
  provider?: ProcUse;
  engineCpuSec: number;
  languageHostCpuSec?: number;
  /** CPU of this process: the composer, plus the sampler (a /proc walk every 100 ms). */
  composerCpuSec?: number;
}
async function timed(name: string, matcher: (cmd: string) => boolean, fn: () => Promise<CommandResult | unknown>, check: (r: never) => void): Promise<Step> {
  const sampler = new ProcessSampler(classifier(matcher));
  sampler.start();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let result: unknown;
  let use: Record<Group, ProcUse>;
  try {
    result = await fn();
  } finally {
    use = sampler.stop();
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  check(result as never);
  const p = use.provider;
  const step: Step = {
    name,
    seconds: round(seconds, 3),
    ...(p.processes ? { provider: p } : {}),
    engineCpuSec: use.engine.cpuSec,
    ...(use.languageHost.processes ? { languageHostCpuSec: use.languageHost.cpuSec } : {}),
    ...(p.processes ? { composerCpuSec: round((cpu.user + cpu.system) / 1e6) } : {}),
  };
  log(`  ${name}: ${round(seconds)} s; CPU s: engine ${step.engineCpuSec}${p.processes ? `, provider ${p.cpuSec} (${p.processes} process(es), peak RSS ${p.peakRssMiB} MiB), composer ${step.composerCpuSec}` : ''}${step.languageHostCpuSec !== undefined ? `, language host ${step.languageHostCpuSec}` : ''}`);
  return step;
}

function expectMatch(text: string, re: RegExp, what: string): void {
  if (!re.test(text)) throw new Error(`${what}: expected ${re}, got:\n${text.slice(-3000)}`);
}

/**
 * BENCH_CPU_PROF=<dir>: every Node process the engines start (providers, language host) writes a
 * V8 CPU profile into <dir>/<variant> (scripts/cpuprofile-top.ts summarises them).
 */
function profileEnv(variant: string): NodeJS.ProcessEnv {
  const base = process.env.BENCH_CPU_PROF;
  if (!base) return {};
  const dir = path.resolve(base, variant);
  fs.mkdirSync(dir, { recursive: true });
  return { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` };
}

// ---------------------------------------------------------------------------------------------
// The composer: in this process (its CPU is this process's minus the sampler's), SQLite, an
// inventory with room for every volume on its own hdd and the slices on ssd.
function inventory(): Inventory {
  return synthesizeInventory({ servers: 100, drives: Math.max(600, volumes * 3), seed: 19 });
}
async function composer(dir: string): Promise<TestComposer> {
  fs.mkdirSync(dir, { recursive: true });
  return startTestComposer({ inventory: inventory(), dir, tokens: testTokens([]), log: () => undefined });
}

/** The stack really made its objects: the composer holds every volume and slice. */
async function expectComposerHolds(c: TestComposer): Promise<void> {
  const client = new ComposerClient({ endpoint: c.url, token: OPERATOR_TOKEN });
  const [v, s] = [(await client.listAll('/v1/volumes')).length, (await client.listAll('/v1/slices')).length];
  if (v !== volumes || s !== slices) throw new Error(`the composer holds ${v} volumes and ${s} slices, expected ${volumes} and ${slices}`);
}

// ---------------------------------------------------------------------------------------------
// tofu: HCL with for_each, the shape a platform team writes for many similar volumes.
function hcl(kind: 'tessera' | 'floor'): string {
  const common = `variable "changed" {
  type    = bool
  default = false
}
locals {
  volumes = { for i in range(${volumes}) : format("v%04d", i) => { cluster = i % ${CLUSTERS}, retain = var.changed && i % 10 == 0 } }
  slices  = { for i in range(${slices}) : format("s%04d", i) => { cluster = i % ${CLUSTERS} } }
}
`;
  if (kind === 'floor') {
    return `${common}resource "terraform_data" "cluster" {
  count = ${CLUSTERS}
  input = { name = "c\${count.index}" }
}
resource "terraform_data" "volume" {
  for_each = local.volumes
  input    = { cluster = terraform_data.cluster[each.value.cluster].id, name = each.key, type = "hdd", size_gib = 100, reclaim_policy = each.value.retain ? "Retain" : "Delete" }
}
resource "terraform_data" "slice" {
  for_each = local.slices
  input    = { cluster = terraform_data.cluster[each.value.cluster].id, name = each.key, size_gib = 10 }
}
`;
  }
  return `terraform {
  required_providers {
    tessera = { source = "tessera/tessera" }
  }
}
${common}resource "tessera_cluster" "c" {
  count = ${CLUSTERS}
  name  = "c\${count.index}"
}
resource "tessera_volume" "v" {
  for_each       = local.volumes
  cluster        = tessera_cluster.c[each.value.cluster].id
  name           = each.key
  type           = "hdd"
  size_gib       = 100
  reclaim_policy = each.value.retain ? "Retain" : "Delete"
}
resource "tessera_slice" "s" {
  for_each = local.slices
  cluster  = tessera_cluster.c[each.value.cluster].id
  name     = each.key
  size_gib = 10
}
`;
}

async function tofuRun(kind: 'tessera' | 'floor', work: string): Promise<{ steps: Step[]; stateBytesPerResource: number }> {
  const dir = path.join(work, `tofu-${kind}`);
  fs.mkdirSync(dir, { recursive: true });
  const c = kind === 'tessera' ? await composer(path.join(dir, 'composer')) : undefined;
  // The provider as the release ships it (an esbuild bundle run by Node 22), not bin/'s tsx launcher.
  const providerDir = kind === 'tessera' ? terraformProviderDir() : undefined;
  const ws: TofuWorkspace = createTofuWorkspace({
    dir: path.join(dir, 'stack'),
    files: { 'main.tf': hcl(kind) },
    devOverrides: providerDir ? { 'tessera/tessera': providerDir } : {},
    // NODE_PATH: the bundle keeps better-sqlite3 external, as the release does (dist/node_modules).
    env: c ? { TESSERA_ENDPOINT: c.url, TESSERA_TOKEN: OPERATOR_TOKEN, NODE_PATH: path.join(repoRoot, 'node_modules'), ...profileEnv('tofu') } : {},
  });
  const match = kind === 'tessera' ? PROVIDER_MATCH.tofu : PROVIDER_MATCH.floor;
  const timeout = { timeoutMs: 1_800_000 };
  try {
    const steps: Step[] = [];
    steps.push(await timed('apply', match, () => tofuApply(ws, timeout), (r: CommandResult) => expectMatch(r.stdout, new RegExp(`Resources: ${resources} added, 0 changed, 0 destroyed`), `tofu ${kind} apply`)));
    steps.push(
      await timed('plan', match, () => tofuPlan(ws, timeout), (r: CommandResult & { changes: boolean }) => {
        if (r.changes) throw new Error(`tofu ${kind} plan after apply: changes planned:\n${r.stdout.slice(-3000)}`);
      }),
    );
    steps.push(await timed('applyChanged', match, () => tofuApply(ws, timeout, ['-var', 'changed=true']), (r: CommandResult) => expectMatch(r.stdout, new RegExp(`Resources: 0 added, ${changed} changed, 0 destroyed`), `tofu ${kind} apply of ${changed} changed`)));
    const stateBytes = fs.statSync(path.join(ws.dir, 'terraform.tfstate')).size;
    if (c) await expectComposerHolds(c);
    return { steps, stateBytesPerResource: Math.round(stateBytes / resources) };
  } finally {
    removeTofuWorkspace(ws);
    await c?.close();
  }
}

// ---------------------------------------------------------------------------------------------
// pulumi: one TypeScript program per variant, the same loop; config `changed` flips every 10th
// volume's reclaimPolicy. The floor registers ComponentResources (no provider, no plugin): the
// engine's own cost per resource (registration, steps, checkpoint). A component has no inputs to
// diff, so the floor's "update" step is the same walk over every resource with nothing to update.
function program(kind: 'floor' | 'dynamic' | 'native'): string {
  const head = `import * as pulumi from '@pulumi/pulumi';
const config = new pulumi.Config();
const changed = config.getBoolean('changed') ?? false;
const name = (p: string, i: number) => p + String(i).padStart(4, '0');
`;
  const loop = (cluster: string, volume: string, slice: string) => `const clusters = Array.from({ length: ${CLUSTERS} }, (_, i) => ${cluster});
for (let i = 0; i < ${volumes}; i++) ${volume};
for (let i = 0; i < ${slices}; i++) ${slice};
`;
  const volumeArgs = `{ cluster: clusters[i % ${CLUSTERS}].id, name: name('v', i), type: 'hdd', sizeGiB: 100, reclaimPolicy: changed && i % 10 === 0 ? 'Retain' : 'Delete' }`;
  const sliceArgs = `{ cluster: clusters[i % ${CLUSTERS}].id, name: name('s', i), sizeGiB: 10 }`;
  if (kind === 'floor') {
    return `${head}class Thing extends pulumi.ComponentResource {
  readonly id: pulumi.Output<string>;
  constructor(type: string, n: string, args: Record<string, unknown>) {
    super('bench:index:' + type, n, {}, {});
    this.id = pulumi.output(n);
    this.registerOutputs({ args });
  }
}
${loop(`new Thing('Cluster', 'c' + i, { name: 'c' + i })`, `new Thing('Volume', name('v', i), ${volumeArgs})`, `new Thing('Slice', name('s', i), ${sliceArgs})`)}`;
  }
  if (kind === 'dynamic') {
    return `${head}import * as tessera from ${JSON.stringify(path.join(repoRoot, 'sdk'))};
${loop(`new tessera.Cluster('c' + i, { name: 'c' + i })`, `new tessera.Volume(name('v', i), ${volumeArgs} as tessera.VolumeArgs)`, `new tessera.Slice(name('s', i), ${sliceArgs})`)}`;
  }
  // Native: the package's type tokens registered directly (what a generated SDK does), so the
  // program is the same TypeScript as the dynamic one, on the same language host.
  // (CustomResource is abstract in @pulumi/pulumi's types: a generated SDK subclasses it too.)
  return `${head}class Native extends pulumi.CustomResource {
  constructor(type: string, n: string, args: Record<string, unknown>) {
    super('tessera:index:' + type, n, args);
  }
}
const r = (type: string, n: string, args: Record<string, unknown>) => new Native(type, n, args);
${loop(`r('Cluster', 'c' + i, { name: 'c' + i })`, `r('Volume', name('v', i), ${volumeArgs})`, `r('Slice', name('s', i), ${sliceArgs})`)}`;
}

async function pulumiRun(kind: 'floor' | 'dynamic' | 'native', work: string): Promise<{ steps: Step[]; stateBytesPerResource: number; stateBytes: number }> {
  const dir = path.join(work, `pulumi-${kind}`);
  fs.mkdirSync(dir, { recursive: true });
  const c = kind === 'floor' ? undefined : await composer(path.join(dir, 'composer'));
  const projectDir = createPulumiProject({ name: `bench-${kind}`, program: program(kind), dir: path.join(dir, 'project'), files: { 'tsconfig.json': PULUMI_PROGRAM_TSCONFIG } });
  const stack: PulumiStack = await createStack(projectDir, {
    stack: 'bench',
    backendDir: path.join(dir, 'backend'),
    config: c ? { 'tessera:endpoint': c.url } : {},
    secrets: c ? { 'tessera:token': OPERATOR_TOKEN } : {},
  });
  // Type-checking the program is the language host's cost, the same for every variant but
  // heavier with the SDK's types; transpile only, so the ratio is about resources.
  stack.env.PULUMI_NODEJS_TRANSPILE_ONLY = 'true';
  Object.assign(stack.env, profileEnv(`pulumi-${kind}`));
  if (kind === 'native') await installNativeProvider(stack, VERSION);
  const match = PROVIDER_MATCH[kind === 'floor' ? 'floor' : kind];
  const timeout = { timeoutMs: 1_800_000 };
  const total = resources + 1; // + the stack resource
  try {
    const steps: Step[] = [];
    const summary = (r: CommandResult, op: string, n: number, what: string) => expectMatch(r.stdout, new RegExp(`\\+?\\s*${n} ${op === 'create' ? 'created' : op === 'update' ? 'updated' : 'unchanged'}`), `pulumi ${kind} ${what}`);
    steps.push(await timed('up', match, () => runPulumi(stack, ['up', '--yes', '--skip-preview'], timeout), (r: CommandResult) => summary(r, 'create', total, 'up')));
    steps.push(
      await timed('preview', match, () => preview(stack, timeout, ['--expect-no-changes']), (r: Awaited<ReturnType<typeof preview>>) => {
        if ((r.changeSummary.same ?? 0) !== total) throw new Error(`pulumi ${kind} preview: ${JSON.stringify(r.changeSummary)}, expected ${total} same`);
      }),
    );
    if (!short) {
      steps.push(
        await timed('previewRefresh', match, () => preview(stack, timeout, ['--refresh', '--expect-no-changes']), (r: Awaited<ReturnType<typeof preview>>) => {
          if ((r.changeSummary.same ?? 0) !== total) throw new Error(`pulumi ${kind} preview --refresh: ${JSON.stringify(r.changeSummary)}, expected ${total} same`);
        }),
      );
    }
    await runPulumi(stack, ['config', 'set', 'changed', 'true']);
    steps.push(
      await timed('upChanged', match, () => runPulumi(stack, ['up', '--yes', '--skip-preview'], timeout), (r: CommandResult) => {
        if (kind === 'floor') summary(r, 'same', total, 'up (changed config)');
        else summary(r, 'update', changed, `up of ${changed} changed`);
      }),
    );
    if (c) await expectComposerHolds(c);
    const exported = JSON.stringify(await exportStack(stack));
    return { steps, stateBytes: exported.length, stateBytesPerResource: Math.round(exported.length / resources) };
  } finally {
    await removeStack(stack);
    fs.rmSync(dir, { recursive: true, force: true });
    await c?.close();
  }
}

// ---------------------------------------------------------------------------------------------
const TARGET: Record<string, number> = { plan: 1.5, preview: 1.5, previewRefresh: 1.5, apply: 2, applyChanged: 2, up: 2, upChanged: 2 };

function compare(tessera: Step[], floor: Step[]) {
  return tessera.map((s) => {
    const f = floor.find((x) => x.name === s.name)!;
    const ratio = round(s.seconds / f.seconds);
    const { name, seconds, ...cpu } = s;
    return { step: name, seconds, floorSeconds: f.seconds, ratio, target: TARGET[name], met: ratio <= TARGET[name], ...cpu, floorEngineCpuSec: f.engineCpuSec, ...(f.languageHostCpuSec !== undefined ? { floorLanguageHostCpuSec: f.languageHostCpuSec } : {}) };
  });
}

async function main(): Promise<void> {
  enginePaths(); // throws, naming scripts/engines.sh, when an engine is missing
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-iac-'));
  const t0 = Date.now();
  const out: Record<string, unknown> = { benchmark: 'iac', short, volumes, slices, clusters: CLUSTERS, resources, changedVolumes: changed };
  try {
    if (only.includes('tofu')) {
      log(`tofu floor: ${resources} terraform_data`);
      const floor = await tofuRun('floor', work);
      log(`tofu tessera: ${CLUSTERS} clusters, ${volumes} volumes, ${slices} slices`);
      const t = await tofuRun('tessera', work);
      out.tofu = { steps: compare(t.steps, floor.steps), stateBytesPerResource: t.stateBytesPerResource, floorStateBytesPerResource: floor.stateBytesPerResource };
    }
    if (only.includes('dynamic') || only.includes('native')) {
      log(`pulumi floor: ${resources} ComponentResources`);
      const floor = await pulumiRun('floor', work);
      const pulumi: Record<string, unknown> = { floorStateBytesPerResource: floor.stateBytesPerResource };
      for (const kind of ['dynamic', 'native'] as const) {
        if (!only.includes(kind)) continue;
        log(`pulumi ${kind}: ${CLUSTERS} clusters, ${volumes} volumes, ${slices} slices`);
        const r = await pulumiRun(kind, work);
        pulumi[kind] = { steps: compare(r.steps, floor.steps), stateBytes: r.stateBytes, stateBytesPerResource: r.stateBytesPerResource };
      }
      out.pulumi = pulumi;
    }
    out.totalSeconds = round((Date.now() - t0) / 1000, 1);
    out.machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: round(os.totalmem() / 2 ** 30, 1), node: process.version, loadavg1: round(os.loadavg()[0]) };
    console.log(asJson ? JSON.stringify(out) : JSON.stringify(out, null, 2));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
