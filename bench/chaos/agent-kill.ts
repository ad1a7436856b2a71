// Chaos: `kill -9` of a real agent process at every step of staging, unstaging and moving a
// volume — including inside mkfs.ext4, mkfs.xfs, cryptsetup luksFormat and md creation — then a
// restart; the agent must converge (the volume staged or unstaged as assigned) and must never
// re-make a filesystem, LUKS header or md array that was complete before the kill.
//
// Real here: the composer (in this process: SQLite, HTTP on 127.0.0.1), the agents (child
// processes, `bin/tessera agent start --backend lab --lab-standins`), loop devices over sparse
// drive files, mkfs.ext4/xfs, mount, blkid, wipefs, md superblocks on the members and LUKS2 headers
// with every key check. Stood in, because this kernel has neither md nor device-mapper: an array
// is a loop over its first member's data area and a dm-crypt mapping a loop over the LUKS data
// segment (provider/agent/lab-standin.ts; no mirroring, no encryption of the data).
// The kills land at exact commands through the runner's test-only kill points
// (provider/agent/kill-point.ts): `before` a command, `after` it (its result lost), or `write`:
// the tool itself SIGKILLed as it enters its Nth write, what a kill of the agent's whole process
// group leaves. A kill -9 of the agent alone lets a running tool finish (it writes nothing to the
// closed pipes with -q), which is the `after` case.
//
//   npx tsx bench/chaos/agent-kill.ts [--long]     (root; prints one JSON object)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { PROBLEM } from '../../provider/api/contract';
import { COMMAND_LOG_ENV, KILL_POINT_ENV, KILL_POINT_MARK, KillPoint } from '../../provider/agent/kill-point';
import { provisionLabDrives } from '../../provider/agent/lab';
import { filesystemUuid, labDriveFile, ownerLabel } from '../../provider/agent/names';
import { MD_DATA_OFFSET } from '../../provider/agent/sim/fabric';
import { TestComposer, agentToken, inventory, startTestComposer } from '../../test/agent/composer-fixture';
import { cleanupLab, labRoot, loopsUnder, mountsUnder } from '../../test/agent/lab-helpers';

const BIN = path.join(__dirname, '../../bin/tessera');
/** The LUKS2 data segment offset of the agent's luksFormat arguments (16 MiB header). */
const LUKS_DATA_OFFSET = 16 * 1024 * 1024;
const CONVERGE_MS = 60_000;

export interface VolumeSpec {
  fsType: 'ext4' | 'xfs';
  encrypt?: boolean;
  redundancy?: boolean;
}

/** One kill: where (the command the agent is held at) and in which flow. */
export interface KillCase {
  /** The agent step it hits (figures are grouped by it). */
  step: string;
  flow: 'stage' | 'unstage' | 'move-old' | 'move-new';
  volume: VolumeSpec;
  point: KillPoint;
}

export interface CaseResult {
  kase: KillCase;
  reached: boolean;
  /** The tool died inside its writes (write points only). */
  torn?: boolean;
  convergeMs?: number;
  startMs?: number;
  /** Layers complete at the kill, and whether each kept its identity. */
  kept: string[];
  /** Format commands the restarted agent ran (expected only over torn layers). */
  formats: string[];
  violations: string[];
}

// ------------------------------------------------------------------------------ host inspection

function sh(file: string, args: string[]): { code: number; out: string } {
  const r = spawnSync(file, args, { encoding: 'utf8' });
  return { code: r.status ?? 128, out: r.stdout ?? '' };
}

interface LoopRow {
  name: string;
  back: string;
  offset: number;
}

function loops(): LoopRow[] {
  const r = sh('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE,OFFSET']);
  if (r.code !== 0 || !r.out.trim()) return [];
  return (JSON.parse(r.out) as { loopdevices: { name: string; 'back-file': string | null; offset: string | number }[] }).loopdevices.map((l) => ({
    name: l.name,
    back: l['back-file'] ?? '',
    offset: Number(l.offset),
  }));
}

/** The block devices of a volume as the host has them: member loops, the array and mapping stand-ins. */
interface Stack {
  members: (string | undefined)[];
  array?: string;
  mapping?: string;
  /** Loop devices over the same thing more than once: a leak. */
  duplicates: string[];
}

function stackOf(files: string[]): Stack {
  const all = loops();
  const duplicates: string[] = [];
  const members = files.map((f) => {
    const over = all.filter((l) => l.back === f && l.offset === 0);
    if (over.length > 1) duplicates.push(`${over.length} loop devices over ${f}`);
    return over[0]?.name;
  });
  const arrays = all.filter((l) => members.includes(l.back) && l.offset === MD_DATA_OFFSET);
  if (arrays.length > 1) duplicates.push(`${arrays.length} array loops`);
  const array = arrays[0]?.name;
  const base = array ?? members[0];
  const maps = base ? all.filter((l) => l.back === base && l.offset === LUKS_DATA_OFFSET) : [];
  if (maps.length > 1) duplicates.push(`${maps.length} mapping loops`);
  return { members, array, mapping: maps[0]?.name, duplicates };
}

function blkid(dev: string | undefined): Record<string, string> | undefined {
  if (!dev) return undefined;
  const r = sh('blkid', ['-p', '-o', 'export', dev]);
  if (r.code !== 0) return undefined;
  return Object.fromEntries(r.out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** A layer of a volume on the host: complete (the tool finished it) or torn, and its identity. */
interface Layer {
  kind: 'md' | 'luks' | 'fs';
  /** Made for this volume (not a deleted volume's leftovers on a reused drive, which are wiped by design). */
  ours: boolean;
  complete: boolean;
  id: string;
  /** The loop devices the layer is written on (a format of it names one of them). */
  devs: string[];
}

function layersOf(id: string, spec: VolumeSpec, s: Stack): Layer[] {
  const out: Layer[] = [];
  if (spec.redundancy) {
    const tags = s.members.map(blkid);
    const uuids = tags.map((t) => (t?.TYPE === 'linux_raid_member' ? t.UUID : undefined));
    const ours = tags.some((t) => t?.TYPE === 'linux_raid_member' && t.LABEL === ownerLabel(id));
    if (uuids.some(Boolean)) out.push({ kind: 'md', ours, complete: uuids.every((u) => u && u === uuids[0]), id: uuids.map((u) => u ?? '-').join(','), devs: s.members.filter((m): m is string => !!m) });
  }
  const container = spec.redundancy ? s.array : s.members[0];
  if (spec.encrypt) {
    const t = blkid(container);
    if (t?.TYPE === 'crypto_LUKS') {
      // A header whose keyslot was never written opens with no key: luksFormat did not finish.
      const dump = sh('cryptsetup', ['luksDump', container!]).out;
      out.push({ kind: 'luks', ours: t.LABEL === ownerLabel(id), complete: /^Keyslots:\s*\n\s+\d+: luks2/m.test(dump), id: t.UUID, devs: [container!] });
    }
  }
  const fsDev = spec.encrypt ? s.mapping : container;
  const t = blkid(fsDev);
  if (t?.TYPE === 'ext4') {
    const d = sh('dumpe2fs', ['-h', fsDev!]);
    // The directory hash seed is random per mkfs: with the UUID fixed per volume, it tells a re-format.
    out.push({ kind: 'fs', ours: t.UUID === filesystemUuid(id), complete: d.code === 0, id: `${t.UUID} seed ${/^Directory Hash Seed:\s+(\S+)/m.exec(d.out)?.[1]}`, devs: [fsDev!] });
  } else if (t?.TYPE === 'xfs') {
    const d = sh('xfs_db', ['-r', '-c', 'sb 0', '-c', 'p inprogress', fsDev!]);
    out.push({ kind: 'fs', ours: t.UUID === filesystemUuid(id), complete: /inprogress = 0/.test(d.out), id: t.UUID, devs: [fsDev!] });
  }
  return out;
}

/** Commands that make or erase a layer: the restart may run them only over torn layers. (The
 * command log holds what reached the kernel: loop devices, after the stand-ins' translation; an
 * md create shows as the superblock writes with dd.) */
const FORMATS = [/^mkfs\./, /^cryptsetup luksFormat /, /^dd of=/, /^wipefs /];
const FORMAT_OF: Record<Layer['kind'], RegExp> = { fs: /^(mkfs\.|wipefs )/, luks: /^(cryptsetup luksFormat |wipefs )/, md: /^(dd of=|wipefs )/ };
const formatsOf = (l: Layer, lines: string[]) =>
  lines.filter((f) => FORMAT_OF[l.kind].test(f) && f.split(' ').some((arg) => l.devs.includes(arg.replace(/^of=/, ''))));

function pct(xs: number[], p: number): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = CONVERGE_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(50);
  }
}

// ------------------------------------------------------------------------------ agent children

class AgentChild {
  readonly child: ChildProcess;
  readonly startedAt = Date.now();
  registeredAt?: number;
  marker?: KillPoint & { line: string; exit?: { code: number | null; signal: string | null } };
  readonly tail: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private wake = () => undefined as void;

  constructor(
    readonly server: string,
    args: string[],
    readonly commandLog: string,
    point?: KillPoint,
  ) {
    fs.writeFileSync(commandLog, '');
    const env: NodeJS.ProcessEnv = { ...process.env, [COMMAND_LOG_ENV]: commandLog };
    if (point) env[KILL_POINT_ENV] = JSON.stringify(point);
    else delete env[KILL_POINT_ENV];
    this.child = spawn(BIN, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let buf = '';
    this.child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        this.tail.push(line);
        if (this.tail.length > 30) this.tail.shift();
        if (line.startsWith(KILL_POINT_MARK)) this.marker = JSON.parse(line.slice(KILL_POINT_MARK.length));
        else if (!this.registeredAt && line.includes('"msg":"registered"')) this.registeredAt = Date.now();
        this.wake();
      }
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => {
      resolve({ code, signal });
      this.wake();
    }));
  }

  private async wait<T>(what: string, fn: () => T | undefined, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = fn();
      if (v !== undefined) return v;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`agent ${this.server} exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}: ${this.tail.slice(-5).join(' | ')}`);
      if (Date.now() > deadline) throw new Error(`agent ${this.server}: no ${what} within ${timeoutMs} ms: ${this.tail.slice(-5).join(' | ')}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }

  registered(timeoutMs = 60_000) {
    return this.wait('registration', () => this.registeredAt, timeoutMs);
  }

  held(timeoutMs = 90_000) {
    return this.wait('kill point', () => this.marker, timeoutMs);
  }

  /** The command lines this process ran, in order. */
  commands(): string[] {
    return fs.readFileSync(this.commandLog, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { line: string }).line);
  }

  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(t);
  }
}

// ------------------------------------------------------------------------------ the lab

export class KillLab {
  private tc!: TestComposer;
  readonly root: string;
  readonly labDir: string;
  private cluster!: string;
  private keyPolicy!: string;
  private seq = 0;
  private readonly running = new Set<AgentChild>();

  constructor() {
    this.root = labRoot('tessera-chaos-agent-');
    this.labDir = path.join(this.root, 'lab');
  }

  async start(): Promise<void> {
    // HDDs of 1 GiB: mkfs and luksFormat take tens of milliseconds; sparse files take no room.
    // Four enclosures in two storage groups: RAID1 mirrors across them.
    const inv = inventory({ servers: ['k1', 'k2'], enclosures: 4, ssdPerEnclosure: 0, hddPerEnclosure: 2, hddGiB: 1 });
    provisionLabDrives(this.labDir, inv);
    // A killed agent is restarted within seconds; the grace keeps its server "up" meanwhile, so a
    // move still waits for the old server to unstage (the filesystem is never mounted twice).
    this.tc = await startTestComposer(inv, { heartbeatGraceMs: 30_000, mountRoots: [this.root] });
    this.cluster = (await this.tc.ops.post('/v1/clusters', { name: 'chaos', servers: ['k1', 'k2'] })).body.id;
    this.keyPolicy = (await this.tc.ops.post('/v1/key-policies', { name: 'chaos', secret: 'chaos bench secret value' })).body.id;
    for (const s of ['k1', 'k2']) fs.writeFileSync(path.join(this.root, `${s}.token`), `${agentToken(s)}\n`, { mode: 0o600 });
  }

  async close(): Promise<void> {
    await Promise.all([...this.running].map((a) => a.stop()));
    await this.tc?.close();
    cleanupLab(this.root);
  }

  agent(server: string, point?: KillPoint): AgentChild {
    const args = [
      'agent', 'start', '--composer', this.tc.composer.url, '--token', path.join(this.root, `${server}.token`), '--server', server,
      '--backend', 'lab', '--lab-dir', this.labDir, '--lab-standins', '--state-dir', path.join(this.root, server), '--heartbeat-ms', '500', '--wait-seconds', '5',
      // The lab composer is plain HTTP on loopback, and the mount points live in the lab's temp dir.
      '--insecure-dev', '--mount-roots', this.root,
    ];
    const a = new AgentChild(server, args, path.join(this.root, `${server}-${++this.seq}.commands`), point);
    this.running.add(a);
    void a.exited.then(() => this.running.delete(a));
    return a;
  }

  private readonly normal = new Map<string, AgentChild>();

  /** The server's agent without a kill point, started when none runs (it outlives a case). */
  normalAgent(server: string): AgentChild {
    let a = this.normal.get(server);
    if (!a || a.child.exitCode !== null || a.child.signalCode !== null) {
      a = this.agent(server);
      this.normal.set(server, a);
    }
    return a;
  }

  async stopNormal(server: string): Promise<void> {
    await this.normal.get(server)?.stop();
    this.normal.delete(server);
  }

  mnt(server: string, name: string): string {
    return path.join(this.root, 'mnt', server, name);
  }

  private record(server: string, id: string): string {
    return path.join(this.root, server, 'volumes', `${id}.json`);
  }

  async createVolume(name: string, spec: VolumeSpec, server: string): Promise<{ id: string; files: string[] }> {
    const body = {
      cluster: this.cluster, name, type: 'hdd', sizeGiB: 1, fsType: spec.fsType, server, mountPath: this.mnt(server, name),
      ...(spec.encrypt ? { encrypt: true, keyPolicy: this.keyPolicy } : {}),
      ...(spec.redundancy ? { redundancy: true } : {}),
    };
    const r = await this.tc.ops.post('/v1/volumes', body);
    if (r.status !== 201) throw new Error(`create ${name}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    const v = r.body as { id: string; members: { enclosure: string; serial: string }[] };
    return { id: v.id, files: v.members.map((m) => fs.realpathSync(labDriveFile(this.labDir, m.enclosure, m.serial))) };
  }

  volume(id: string) {
    return this.tc.ops.get(`/v1/volumes/${id}`);
  }

  async patch(id: string, body: unknown): Promise<void> {
    for (;;) {
      const r = await this.tc.ops.patch(`/v1/volumes/${id}`, body);
      if (r.status === 200) return;
      // A move still finishing: the composer asks to retry.
      if (r.status === 409 && (r.body as { code?: string }).code === PROBLEM.moveInProgress) {
        await sleep(200);
        continue;
      }
      throw new Error(`patch ${id}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    }
  }

  staged(id: string, mountPath: string) {
    return async () => {
      const v = (await this.volume(id)).body as { state: string; observed?: { mountedAt?: string } };
      return v.state === 'staged' && v.observed?.mountedAt === mountPath;
    };
  }

  /** Unstaged on `server`'s side: nothing of the volume mounted there and no record left; with
   * `detached`, no loop device of it either (not after a move: both servers share this kernel,
   * so the new server's loop devices are over the same files). */
  unstagedOn(server: string, id: string, files: string[], mountPath: string, detached: boolean) {
    return () => {
      const s = stackOf(files);
      const mounted = mountsUnder(this.root).filter((m) => m === mountPath || m === path.join(this.root, server, 'staging', id));
      const gone = !detached || (s.members.every((m) => !m) && !s.array && !s.mapping);
      return gone && mounted.length === 0 && !fs.existsSync(this.record(server, id));
    };
  }

  async deleteAndDrain(id: string): Promise<void> {
    await this.tc.ops.del(`/v1/volumes/${id}`);
    await until(`volume ${id} deleted (unstaged by its agent)`, async () => (await this.volume(id)).status === 404);
  }

  leaks(): string[] {
    const out: string[] = [];
    const m = mountsUnder(this.root);
    const l = loopsUnder(this.root);
    if (m.length) out.push(`mounts left: ${m.join(', ')}`);
    if (l.length) out.push(`loop devices left: ${l.join(', ')}`);
    if (out.length) cleanupLab(this.root, false);
    return out;
  }
}

// ------------------------------------------------------------------------------ one kill

function readCanary(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

function writeCanary(p: string, text: string): void {
  fs.writeFileSync(p, text);
  spawnSync('sync');
}

/** Run one kill case: set the flow up, kill the agent at the point, restart it, check. */
export async function runCase(lab: KillLab, kase: KillCase, n: number): Promise<CaseResult> {
  const res: CaseResult = { kase, reached: false, kept: [], formats: [], violations: [] };
  const v = (msg: string) => res.violations.push(`${kase.step} [${kase.flow} ${JSON.stringify(kase.point)}]: ${msg}`);
  const name = `c${n}-${kase.flow}-${kase.volume.fsType}${kase.volume.encrypt ? '-luks' : ''}${kase.volume.redundancy ? '-md' : ''}`;
  const move = kase.flow === 'move-old' || kase.flow === 'move-new';
  const killed = kase.flow === 'move-new' ? 'k2' : 'k1';
  const mnt1 = lab.mnt('k1', name);
  const mnt2 = lab.mnt('k2', name);
  const canary = `written before the kill ${n}`;
  let id = '';
  try {
    // Set up: for unstage and move, the volume is staged with data first.
    if (kase.flow === 'stage') await lab.stopNormal('k1');
    else lab.normalAgent('k1');
    if (kase.flow === 'move-old') lab.normalAgent('k2');
    const vol = await lab.createVolume(name, kase.volume, 'k1');
    id = vol.id;
    const files = vol.files;
    const hadData = kase.flow !== 'stage';
    if (hadData) {
      await until(`${name} staged on k1`, lab.staged(id, mnt1));
      writeCanary(path.join(mnt1, 'canary'), canary);
    }

    // The kill.
    await lab.stopNormal(killed);
    const hooked = lab.agent(killed, kase.point);
    await hooked.registered();
    if (kase.flow === 'unstage') await lab.patch(id, { server: null, mountPath: null });
    if (move) await lab.patch(id, { server: 'k2', mountPath: mnt2 });
    const marker = await hooked.held();
    res.reached = true;
    if (kase.point.at === 'write') res.torn = marker.exit?.signal === 'SIGKILL';
    const pre = layersOf(id, kase.volume, stackOf(files));
    const other = move ? lab.normalAgent(killed === 'k1' ? 'k2' : 'k1') : undefined;
    const otherSeen = other?.commands().length ?? 0;
    await hooked.kill9();

    // The restart, and convergence.
    const restarted = lab.normalAgent(killed);
    const t0 = restarted.startedAt;
    const target = kase.flow === 'unstage' ? undefined : kase.flow === 'stage' ? mnt1 : mnt2;
    if (target) await until(`${name} staged at ${target} after the restart`, lab.staged(id, target));
    else await until(`${name} unstaged on k1 after the restart`, lab.unstagedOn('k1', id, files, mnt1, true));
    if (move) await until(`${name} gone from k1`, lab.unstagedOn('k1', id, files, mnt1, false));
    res.convergeMs = Date.now() - t0;
    res.startMs = restarted.registeredAt ? restarted.registeredAt - t0 : undefined;

    // What was complete at the kill is the same thing now; the restart re-made only torn layers.
    const stack = stackOf(files);
    if (stack.duplicates.length) v(`after convergence: ${stack.duplicates.join('; ')}`);
    const after = [...restarted.commands(), ...(other?.commands().slice(otherSeen) ?? [])];
    res.formats = after.filter((l) => FORMATS.some((f) => f.test(l)));
    if (target) {
      const post = layersOf(id, kase.volume, stack);
      for (const l of pre.filter((x) => x.ours && x.complete)) {
        const now = post.find((p) => p.kind === l.kind);
        if (!now || now.id !== l.id) v(`${l.kind} complete at the kill was re-made: ${l.id} -> ${now?.id ?? 'nothing'}`);
        else res.kept.push(l.kind);
        const again = now ? formatsOf(now, res.formats) : [];
        if (again.length) v(`the restart ran ${again.join(' / ')} over a complete ${l.kind}`);
      }
      for (const p of post) if (!p.ours || !p.complete) v(`${p.kind} ${p.ours ? 'still torn' : 'not this volume’s'} after convergence`);
      if (hadData && readCanary(path.join(target, 'canary')) !== canary) v(`data written before the kill is not readable at ${target}`);
      if (move && mountsUnder(lab.root).includes(mnt1)) v('still mounted on the old server');
    } else if (res.formats.length) v(`unstaging ran ${res.formats.join(' / ')}`);

    // Then the volume is staged (again) with its data through an unstage and a stage: what
    // converged is kept, nothing is formatted.
    const home = target ?? mnt1;
    const server = kase.flow === 'stage' || kase.flow === 'unstage' ? 'k1' : 'k2';
    if (!hadData) writeCanary(path.join(home, 'canary'), canary);
    const agent = lab.normalAgent(server);
    const seen = agent.commands().length;
    if (target) {
      await lab.patch(id, { server: null, mountPath: null });
      await until(`${name} unstaged from ${server}`, lab.unstagedOn(server, id, files, home, true));
    }
    await lab.patch(id, { server, mountPath: home });
    await until(`${name} staged again on ${server}`, lab.staged(id, home));
    const later = agent.commands().slice(seen).filter((l) => FORMATS.some((f) => f.test(l)));
    if (later.length) v(`restaging ran ${later.join(' / ')}`);
    if (readCanary(path.join(home, 'canary')) !== canary) v(`data not readable at ${home} after restaging`);
    await lab.deleteAndDrain(id);
    id = '';
  } catch (e) {
    v((e as Error).message);
  } finally {
    if (id) {
      lab.normalAgent('k1');
      if (move) lab.normalAgent('k2');
      await lab.deleteAndDrain(id).catch((e) => v(`clean-up: ${(e as Error).message}`));
    }
    for (const l of lab.leaks()) v(l);
  }
  return res;
}

// ------------------------------------------------------------------------------ the cases

/** Writes each format tool makes on these volumes, measured with strace on a scratch loop device. */
export function formatWrites(lab: KillLab): Record<'ext4' | 'xfs' | 'luks', number> {
  const file = path.join(lab.root, 'calibrate.img');
  fs.writeFileSync(file, '');
  fs.truncateSync(file, 1024 ** 3);
  const dev = sh('losetup', ['--find', '--show', file]).out.trim();
  const count = (args: string[], stdin?: Buffer) => {
    sh('wipefs', ['--all', dev]);
    const r = spawnSync('strace', ['-f', '-qq', '-c', '-e', 'trace=write,pwrite64,pwritev,pwritev2,writev', ...args, dev], { input: stdin, encoding: 'utf8' });
    // The summary's last line: "100.00  seconds  usecs/call  calls  [errors]  total".
    const total = r.stderr.trim().split('\n').pop()!.trim().split(/\s+/);
    return Number(total[3]);
  };
  try {
    return {
      ext4: count(['mkfs.ext4', '-q', '-E', 'nodiscard', '-L', 'tessera']),
      xfs: count(['mkfs.xfs', '-q', '-K', '-L', 'tessera']),
      luks: count(['cryptsetup', 'luksFormat', '--batch-mode', '--type', 'luks2', '--cipher', 'aes-xts-plain64', '--key-size', '512', '--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000', '--key-file=-'], Buffer.alloc(64, 7)),
    };
  } finally {
    sh('losetup', ['--detach', dev]);
    fs.rmSync(file, { force: true });
  }
}

/** Every kill point; `k` variants of each (1 in the short form, 10 in the long one). */
export function killCases(writes: Record<'ext4' | 'xfs' | 'luks', number>, k: number): KillCase[] {
  const ext4: VolumeSpec = { fsType: 'ext4' };
  const xfs: VolumeSpec = { fsType: 'xfs' };
  const luks: VolumeSpec = { fsType: 'ext4', encrypt: true };
  const md: VolumeSpec = { fsType: 'ext4', redundancy: true };
  const mdLuks: VolumeSpec = { fsType: 'xfs', encrypt: true, redundancy: true };
  const out: KillCase[] = [];
  // Inside a tool: write i of k spread over its writes, three quarters through when k = 1 (the
  // torn windows: xfs from its 4th write, LUKS2 between the first header and the keyslot).
  const torn = (step: string, volume: VolumeSpec, command: string, total: number) => {
    for (let i = 0; i < k; i++) {
      const w = k === 1 ? Math.ceil(total * 0.75) : Math.max(1, Math.round(((i + 1) * total) / (k + 1)));
      out.push({ step, flow: 'stage', volume, point: { command, at: 'write', write: w } });
    }
  };
  // At a command: alternating after / before; variants also change the volume kind.
  const at = (step: string, flow: KillCase['flow'], volumes: VolumeSpec[], command: string, nth = 1, first: 'after' | 'before' = 'after') => {
    for (let i = 0; i < k; i++) {
      const when = i % 2 === 0 ? first : first === 'after' ? 'before' : 'after';
      out.push({ step, flow, volume: volumes[i % volumes.length], point: { command, nth, at: when } });
    }
  };
  at('connect (losetup)', 'stage', [ext4, xfs], 'losetup --find --show /');
  at('wait for devices', 'stage', [ext4, xfs], 'blockdev --getsize64', 1, 'before');
  torn('mkfs.ext4', ext4, 'mkfs.ext4', writes.ext4);
  at('mkfs.ext4', 'stage', [ext4], 'mkfs.ext4');
  torn('mkfs.xfs', xfs, 'mkfs.xfs', writes.xfs);
  at('mkfs.xfs', 'stage', [xfs], 'mkfs.xfs');
  torn('cryptsetup luksFormat', luks, 'cryptsetup luksFormat', writes.luks);
  at('cryptsetup luksFormat', 'stage', [luks], 'cryptsetup luksFormat');
  at('cryptsetup open (mapping loop)', 'stage', [luks, mdLuks], `losetup --find --show --offset ${LUKS_DATA_OFFSET}`);
  // md create: the stand-in writes member superblocks one by one (dd), then starts the array.
  at('mdadm --create (between member superblocks)', 'stage', [md, mdLuks], 'dd of=');
  at('mdadm --create (array start)', 'stage', [md, mdLuks], `losetup --find --show --offset ${MD_DATA_OFFSET}`, 1, 'before');
  at('grow filesystem', 'stage', [ext4, luks], 'dumpe2fs -h', 1, 'before');
  at('mount at staging path', 'stage', [ext4, xfs, luks, md], 'mount -t');
  at('bind-mount', 'stage', [ext4, xfs], 'mount --bind');
  at('unstage: remove bind mount', 'unstage', [ext4, xfs], 'umount', 1);
  at('unstage: unmount staging path', 'unstage', [ext4, luks, md], 'umount', 2);
  at('unstage: close mapping / stop array', 'unstage', [luks, mdLuks], 'losetup --detach', 1);
  at('unstage: disconnect (losetup --detach)', 'unstage', [ext4, md], 'losetup --detach', 1, 'before');
  at('move: old server unmounting', 'move-old', [ext4, xfs], 'umount', 2);
  at('move: old server disconnecting', 'move-old', [ext4, luks], 'losetup --detach', 1);
  at('move: new server connecting', 'move-new', [ext4, md], 'losetup --find --show /');
  at('move: new server mounting', 'move-new', [ext4, xfs, luks], 'mount -t');
  return out;
}

export async function run(opts: { short: boolean; log: (line: string) => void }): Promise<{ figures: Record<string, unknown>; violations: string[] }> {
  const lab = new KillLab();
  const results: CaseResult[] = [];
  const t0 = Date.now();
  try {
    await lab.start();
    const writes = formatWrites(lab);
    const cases = killCases(writes, opts.short ? 1 : 10);
    opts.log(`agent-kill: ${cases.length} kills; format tool writes ${JSON.stringify(writes)}`);
    for (let i = 0; i < cases.length; i++) {
      const r = await runCase(lab, cases[i], i);
      results.push(r);
      opts.log(`agent-kill: ${i + 1}/${cases.length} ${cases[i].step} ${JSON.stringify(cases[i].point)}: ${r.violations.length ? `VIOLATION ${r.violations.join('; ')}` : `converged in ${r.convergeMs} ms${r.formats.length ? `, re-made ${r.formats.map((f) => f.split(' ')[0]).join(', ')}` : ''}`}`);
    }
    const perStep: Record<string, unknown> = {};
    for (const step of [...new Set(results.map((r) => r.kase.step))]) {
      const rs = results.filter((r) => r.kase.step === step);
      const ms = rs.map((r) => r.convergeMs).filter((x): x is number => x !== undefined);
      perStep[step] = {
        kills: rs.length,
        ...(rs.some((r) => r.torn !== undefined) ? { killedInsideTool: rs.filter((r) => r.torn).length } : {}),
        convergeMs: { p50: pct(ms, 50), max: pct(ms, 100) },
        // The restart ran a format: the volume's first one (killed before it), or over a torn layer.
        restartFormatted: rs.filter((r) => r.formats.length > 0).length,
        violations: rs.reduce((n, r) => n + r.violations.length, 0),
      };
    }
    const ms = results.map((r) => r.convergeMs).filter((x): x is number => x !== undefined);
    const starts = results.map((r) => r.startMs).filter((x): x is number => x !== undefined);
    return {
      figures: {
        form: opts.short ? 'short' : 'long',
        kills: results.length,
        reached: results.filter((r) => r.reached).length,
        killedInsideTool: results.filter((r) => r.torn).length,
        completeLayersKept: results.reduce((n, r) => n + r.kept.length, 0),
        convergeMs: { p50: pct(ms, 50), max: pct(ms, 100) },
        agentStartMs: { p50: pct(starts, 50), max: pct(starts, 100) },
        formatToolWrites: writes,
        perStep,
        violations: results.reduce((n, r) => n + r.violations.length, 0),
        wallSeconds: Math.round((Date.now() - t0) / 1000),
      },
      violations: results.flatMap((r) => r.violations),
    };
  } finally {
    await lab.close();
  }
}

if (require.main === module) {
  run({ short: !process.argv.includes('--long'), log: (l) => process.stderr.write(`${l}\n`) }).then(
    (r) => {
      console.log(JSON.stringify(r, null, 2));
      process.exitCode = r.violations.length ? 1 : 0;
    },
    (e) => {
      console.error(e);
      process.exitCode = 2;
    },
  );
}
