// Staging and unstaging a volume on a host: an ordered list of steps, each of which looks at the
// host before it acts and is safe to repeat, so a run interrupted anywhere converges when run
// again (docs/agent.md). One implementation drives the Linux runner (linux and lab backends) and
// the simulated host, because both answer the same command lines (./commands.ts).
import type { Assignment } from '../api/contract';
import type { Member } from '../model/placement';
import { cmd } from './commands';
import { AgentCrash, FaultInjector, InjectedFailure } from './faults';
import { KeySource, VolumeKeyMaterial, wipe } from './keys';
import { BackendKind, MemberAccess, memberAccess } from './members';
import { GiB, MiB, OWNER_MARK, checkVolumeId, dmName, dmPath, filesystemUuid, mdMemberOrder, mdPath, ownerLabel, ownerTag, stagingPath } from './names';
import { MountPolicy, assertMountPath, assertRealMountPath } from './paths';
import { CommandError, CommandResult, Runner, mustRun } from './runner';
import type { VolumeRecord } from './state';

export interface HostContext {
  runner: Runner;
  backend: BackendKind;
  /** Agent state directory: staging mounts live under <stateDir>/staging. */
  stateDir: string;
  /** Trees a mountPath must be in (default /mnt, /srv, /data, /var/lib/tessera; docs/agent.md). */
  mountRoots?: readonly string[];
  labDir?: string;
  portalOf?: (enclosure: string) => string | undefined;
  /** This server's inventory name: NVMe and iSCSI connect as its host NQN / initiator IQN. */
  server?: string;
  keys?: KeySource;
  faults?: FaultInjector;
  /** How long to wait for a connected member's device to appear (30 s). */
  waitTimeoutMs?: number;
  /**
   * How long a mirror member that cannot be connected is tried again before an array that is not
   * running here is assembled without it (30 s). A refused connect is often a moment's race — a
   * move's new server asking before the enclosure re-pointed the export's ACL — and an array
   * started without a member stays degraded until a rebuild.
   */
  degradedGraceMs?: number;
  pollMs?: number;
  /** Step progress lines (never key material). */
  log?: (line: string) => void;
}

/** A step failed: which step, and the failing tool's command, exit code and stderr. */
export class StepError extends Error {
  constructor(
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(`${step}: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'StepError';
  }
  get stderr(): string {
    return this.cause instanceof CommandError ? this.cause.stderr.trim() || this.cause.message : (this.cause as Error)?.message ?? '';
  }
}

export interface StageResult {
  devicePath: string;
  mountedAt?: string;
  keyVersion?: number;
  /** A RAID1/RAID10 volume runs without some of its members: their labels (docs/agent.md). */
  degraded?: string[];
  /** md is copying onto an added member: how far (docs/failure.md). */
  resyncPercent?: number;
  steps: string[];
}

type Save = () => Promise<void>;

/** Validate what the composer asked for before any step runs. */
export function checkAssignment(a: Assignment, host: MountPolicy): void {
  checkVolumeId(a.volumeId, 'assignment.volumeId');
  if (!a.placement || !Array.isArray(a.placement.members) || a.placement.members.length === 0) {
    throw new Error(`assignment ${a.volumeId}: placement.members: must list at least one member`);
  }
  if (a.mountPath !== undefined && a.mountPath !== null && a.mountPath !== '') assertMountPath(a.mountPath, host);
  if (!['ext4', 'xfs', 'none'].includes(a.fsType)) throw new Error(`assignment ${a.volumeId}: fsType: "${a.fsType}" is not ext4, xfs or none`);
  const raid = a.placement.raidLevel;
  const n = a.placement.members.length;
  if (raid === 'none' && n !== 1) throw new Error(`assignment ${a.volumeId}: placement: raidLevel none needs exactly 1 member, got ${n}`);
  if (raid === 'raid1' && n !== 2) throw new Error(`assignment ${a.volumeId}: placement: raid1 needs 2 members, got ${n}`);
  if (raid === 'raid10' && (n < 4 || n % 2 !== 0)) throw new Error(`assignment ${a.volumeId}: placement: raid10 needs an even number >= 4 of members, got ${n}`);
}

function mountPolicy(ctx: HostContext): MountPolicy {
  return { stateDir: ctx.stateDir, roots: ctx.mountRoots };
}

/**
 * Where a mountPath really leads on a real host (linux, lab backends): refused when a symlinked
 * component takes it out of the mount roots. The simulated host has no symlinks to follow.
 */
async function checkOnHost(ctx: HostContext, mountPath: string): Promise<void> {
  if (ctx.backend !== 'simulated') await assertRealMountPath(mountPath, mountPolicy(ctx));
}

class Steps {
  private n = 0;
  readonly names: string[] = [];
  constructor(
    private readonly ctx: HostContext,
    private readonly op: 'stage' | 'unstage',
    private readonly volumeId: string,
    private readonly save: Save,
  ) {}
  async step(name: string, fn: () => Promise<void>): Promise<void> {
    const n = ++this.n;
    this.names.push(name);
    try {
      this.ctx.faults?.check(this.op, this.volumeId, n, name, 'before');
    } catch (e) {
      if (e instanceof InjectedFailure) throw new StepError(name, e);
      throw e;
    }
    this.ctx.log?.(`${this.op} ${this.volumeId}: step ${n} ${name}`);
    try {
      await fn();
    } catch (e) {
      if (e instanceof AgentCrash || e instanceof StepError) throw e;
      throw new StepError(name, e);
    }
    try {
      this.ctx.faults?.check(this.op, this.volumeId, n, name, 'after');
    } catch (e) {
      if (e instanceof InjectedFailure) throw new StepError(name, e);
      throw e;
    }
    await this.save();
  }
}

function accesses(ctx: HostContext, a: Assignment): MemberAccess[] {
  return accessesOf(ctx, a, a.placement.raidLevel === 'raid10' ? mdMemberOrder(a.placement.members) : a.placement.members);
}

/** Access to `members` with the assignment's transport (also members it no longer lists). */
function accessesOf(ctx: HostContext, a: Assignment, members: Member[]): MemberAccess[] {
  const slice = a.placement.type === 'slice' || a.kind === 'slice';
  return members.map((m) =>
    memberAccess(m, { backend: ctx.backend, transport: a.placement.transport, slice, labDir: ctx.labDir, portalOf: ctx.portalOf ?? (() => undefined), server: ctx.server }),
  );
}

function parseExport(out: string): Record<string, string> {
  const r: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) r[line.slice(0, i)] = line.slice(i + 1);
  }
  return r;
}

async function blkid(runner: Runner, dev: string): Promise<Record<string, string> | undefined> {
  const r = await runner.run(cmd.blkid(dev));
  if (r.exitCode === 2) return undefined; // nothing found
  if (r.exitCode !== 0) throw new CommandError(`blkid -p -o export ${dev}`, r.exitCode, r.stderr);
  const tags = parseExport(r.stdout);
  return tags.TYPE ? tags : undefined;
}

/**
 * Who wrote what blkid sees on a device. `ours`: this volume (md name / LUKS label
 * `tessera:<id>`, filesystem labelled `tessera` with this volume's UUID). `stale`: another Tessera
 * volume — the composer gave these extents to this volume, so that one was deleted and its
 * leftovers may go. `foreign`: not made by Tessera: data, never touched.
 */
type Owner = 'blank' | 'ours' | 'stale' | 'foreign';

async function ownerOf(runner: Runner, dev: string, volumeId: string): Promise<{ owner: Owner; tags?: Record<string, string> }> {
  const tags = await blkid(runner, dev);
  if (!tags) return { owner: 'blank' };
  const label = tags.LABEL ?? '';
  switch (tags.TYPE) {
    case 'linux_raid_member':
    case 'crypto_LUKS':
      if (label === ownerLabel(volumeId)) return { owner: 'ours', tags };
      return { owner: label.startsWith(`${OWNER_MARK}:`) ? 'stale' : 'foreign', tags };
    case 'ext4':
    case 'xfs':
      if (label !== OWNER_MARK) return { owner: 'foreign', tags };
      return { owner: tags.UUID === filesystemUuid(volumeId) ? 'ours' : 'stale', tags };
    default:
      return { owner: 'foreign', tags };
  }
}

function describeTags(t: Record<string, string> | undefined): string {
  if (!t) return 'nothing';
  return `${t.TYPE}${t.LABEL ? ` labelled "${t.LABEL}"` : ''}${t.UUID ? ` (UUID ${t.UUID})` : ''}`;
}

/** Erase a deleted Tessera volume's leftovers, or refuse anything else. */
async function clearStale(runner: Runner, dev: string, o: { owner: Owner; tags?: Record<string, string> }, what: string): Promise<void> {
  if (o.owner === 'foreign') throw new Error(`${dev} holds ${describeTags(o.tags)}, not made by Tessera: refusing to ${what} over data`);
  if (o.owner === 'stale') await mustRun(runner, cmd.wipefs(dev));
}

async function sizeOf(runner: Runner, dev: string): Promise<number> {
  const r = await mustRun(runner, cmd.blockdevSize(dev));
  return Number(r.stdout.trim());
}

async function canonical(runner: Runner, p: string): Promise<string> {
  const r = await runner.run(cmd.readlinkExisting(p));
  return r.exitCode === 0 ? r.stdout.trim() : p;
}

/** The source of the mount at exactly `target`, or undefined when nothing is mounted there. */
async function mountedSource(runner: Runner, target: string): Promise<string | undefined> {
  const r = await runner.run(cmd.findmnt(target));
  if (r.exitCode !== 0 || !r.stdout.trim()) return undefined;
  const fss = (JSON.parse(r.stdout) as { filesystems: { source: string }[] }).filesystems;
  // A bind mount of a subdirectory shows as /dev/x[/sub]: the device is what matters.
  return fss[fss.length - 1]?.source.replace(/\[.*\]$/, '');
}

async function sameDevice(runner: Runner, a: string, b: string): Promise<boolean> {
  return a === b || (await canonical(runner, a)) === (await canonical(runner, b));
}

/** The filesystem's size in bytes (ext4 from its superblock, xfs from the mounted filesystem). */
async function filesystemBytes(runner: Runner, fsType: 'ext4' | 'xfs', dev: string, mountpoint: string): Promise<number | undefined> {
  if (fsType === 'ext4') {
    const r = await mustRun(runner, cmd.dumpe2fs(dev));
    const count = /^Block count:\s+(\d+)/m.exec(r.stdout);
    const size = /^Block size:\s+(\d+)/m.exec(r.stdout);
    return count && size ? Number(count[1]) * Number(size[1]) : undefined;
  }
  const r = await mustRun(runner, cmd.xfsInfo(mountpoint));
  const m = /^data\s+=\s+bsize=(\d+)\s+blocks=(\d+)/m.exec(r.stdout);
  return m ? Number(m[1]) * Number(m[2]) : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withKey<T>(ctx: HostContext, volumeId: string, version: number | undefined, fn: (k: VolumeKeyMaterial) => Promise<T>): Promise<T> {
  if (!ctx.keys) throw new Error('encrypted volume but the agent has no key source');
  const k = await ctx.keys.get(volumeId, version);
  try {
    return await fn(k);
  } finally {
    wipe(k);
  }
}

const SLOT_RE = /Key slot (\d+) unlocked/;

async function keySlot(runner: Runner, dev: string, key: Buffer): Promise<number | undefined> {
  const r: CommandResult = await runner.run({ ...cmd.cryptTestKey(dev), stdin: key });
  if (r.exitCode !== 0) return undefined;
  const m = SLOT_RE.exec(r.stdout + r.stderr);
  return m ? Number(m[1]) : -1;
}

/** Converge the host to the assignment: stage, grow, rotate keys, (re)bind. */
export async function stageVolume(ctx: HostContext, a: Assignment, rec: VolumeRecord, save: Save): Promise<StageResult> {
  checkAssignment(a, mountPolicy(ctx));
  // Before anything is connected: a mountPath that leads out of the roots fails the volume untouched.
  if (a.mountPath) await checkOnHost(ctx, a.mountPath);
  const { runner } = ctx;
  const id = a.volumeId;
  const s = new Steps(ctx, 'stage', id, save);
  const acc = accesses(ctx, a);
  const devices: string[] = [];
  const raid = a.placement.raidLevel;
  // A mirrored volume keeps serving without one half: a member whose connect fails (its export is
  // gone, its enclosure is down) is left out, as long as every mirror pair keeps one member. The
  // array is then assembled degraded and reported so; it is never created without all members.
  const missing = new Map<number, Error>();

  for (const [i, m] of acc.entries()) {
    await s.step(`connect ${m.label}`, async () => {
      try {
        devices[i] = await m.connect(runner);
      } catch (e) {
        if (raid === 'none' || !(e instanceof CommandError)) throw e;
        missing.set(i, e);
        ctx.log?.(`stage ${id}: ${m.label} cannot be connected (tried again before going on without it): ${e.message}`);
      }
    });
  }
  if (missing.size > 0) {
    const pairs = raid === 'raid1' ? [[0, 1]] : Array.from({ length: acc.length / 2 }, (_, p) => [2 * p, 2 * p + 1]);
    const lost = pairs.find((pair) => pair.every((i) => missing.has(i)));
    if (lost) throw new StepError(`connect ${acc[lost[1]].label}`, missing.get(lost[1]));
    // An array already running here goes on without them at once (it is degraded already); one
    // about to be assembled waits for them a while first (degradedGraceMs).
    if ((await runner.run(cmd.mdDetail(mdPath(id)))).exitCode !== 0) {
      await Promise.all([...missing.keys()].map(async (i) => {
        const dev = await retryConnect(ctx, acc[i]);
        if (dev === undefined) return;
        devices[i] = dev;
        missing.delete(i);
        ctx.log?.(`stage ${id}: ${acc[i].label} connected on a later attempt`);
      }));
    }
  }

  await s.step('wait for devices', async () => {
    const deadline = Date.now() + (ctx.waitTimeoutMs ?? 30_000);
    for (let i = 0; i < acc.length; i++) {
      if (missing.has(i)) continue;
      let rescanned = false;
      for (;;) {
        const dev = await acc[i].probe(runner);
        if (dev) {
          devices[i] = dev;
          const size = await sizeOf(runner, dev);
          if (size >= acc[i].expectedBytes) break;
          if (!rescanned) {
            await acc[i].rescan(runner, dev);
            rescanned = true;
            continue;
          }
          if (Date.now() > deadline) throw new Error(`${acc[i].label}: ${dev} is ${size} bytes, expected ${acc[i].expectedBytes} after a rescan`);
        } else if (Date.now() > deadline) {
          throw new Error(`${acc[i].label}: device did not appear within ${ctx.waitTimeoutMs ?? 30_000} ms`);
        }
        await sleep(ctx.pollMs ?? 100);
      }
    }
  });

  let dataDev = devices[0];
  let degraded: string[] | undefined;
  let resyncPercent: number | undefined;
  let replacing = false;
  if (raid !== 'none') {
    const md = mdPath(id);
    dataDev = md;
    await s.step(`assemble or create ${md}`, async () => {
      let detail = await runner.run(cmd.mdDetail(md));
      if (detail.exitCode !== 0 && missing.size > 0) {
        // Only an array of this volume may start degraded: with no member of it among the
        // connected ones this is a first stage, and an array is created with all members or none.
        const present = devices.filter((d, i) => d !== undefined && !missing.has(i));
        const owners = await Promise.all(present.map((d) => ownerOf(runner, d, id)));
        const ours = present.filter((_, i) => owners[i].owner === 'ours' && owners[i].tags?.TYPE === 'linux_raid_member');
        if (ours.length === 0) {
          const [i, e] = [...missing.entries()][0];
          throw new Error(`${acc[i].label} cannot be connected and no member holds this volume's array yet: refusing to create it without all members: ${e.message}`);
        }
        // Only this array's members: a replacement member (blank) is added below, once it runs.
        await mustRun(runner, cmd.mdAssemble(md, ours));
        detail = await runner.run(cmd.mdDetail(md));
      }
      if (detail.exitCode !== 0) {
        const owners: { owner: Owner; tags?: Record<string, string> }[] = [];
        for (const d of devices) owners.push(await ownerOf(runner, d, id));
        const isMember = (o: { owner: Owner; tags?: Record<string, string> }) => o.owner === 'ours' && o.tags?.TYPE === 'linux_raid_member';
        // mdadm writes the members' superblocks one at a time: after a kill in the middle of this
        // agent's own create some members have one and some none. No array ever ran on them, so
        // nothing was written to it: those superblocks go and the array is created again.
        const tornCreate = rec.formatting?.layer === 'md' && owners.some(isMember) && !owners.every(isMember);
        if (owners.some(isMember) && !tornCreate) {
          // A member without this array's superblock is a replacement (a rebuild onto it was
          // assigned while the volume was not staged): the array starts without it, it is added below.
          await mustRun(runner, cmd.mdAssemble(md, devices.filter((_, i) => isMember(owners[i]))));
        } else {
          for (let i = 0; i < devices.length; i++) {
            if (tornCreate && isMember(owners[i])) {
              await mustRun(runner, cmd.wipefs(devices[i]));
              continue;
            }
            if (owners[i].owner === 'ours') throw new Error(`${devices[i]} holds ${describeTags(owners[i].tags)} of this volume, not an md member: refusing to create an array over it`);
            await clearStale(runner, devices[i], owners[i], 'create an array');
          }
          rec.formatting = { layer: 'md' };
          await save();
          await mustRun(runner, cmd.mdCreate(md, ownerTag(id), raid, devices));
        }
      }
      if (rec.formatting?.layer === 'md') rec.formatting = undefined;
      await dropFaulty(runner, md);
      if (rec.detach?.length) replacing = await replaceMembers(ctx, md, id, a, rec.detach, acc, devices, missing);
      degraded = await degradedMembers(runner, md, acc, devices);
      if (degraded.length > 0) {
        degraded = await addMembers(ctx, md, id, acc, devices, missing, degraded);
        if (degraded.length > 0) ctx.log?.(`stage ${id}: ${md} runs degraded, without ${degraded.join(', ')}`);
      }
      resyncPercent = await resyncProgress(runner, md);
      // The old member still serves until md finished copying onto its replacement: not done yet.
      if (replacing && resyncPercent === undefined) resyncPercent = 0;
      // No growth on half an array or during a resync: it follows once every member is in sync.
      if (degraded.length > 0 || resyncPercent !== undefined) return;
      // Slice growth: members grew, the array follows.
      const memberMin = Math.min(...(await Promise.all(devices.map((d) => sizeOf(runner, d)))));
      const halves = raid === 'raid1' ? 1 : devices.length / 2;
      const mdSize = await sizeOf(runner, md);
      if (mdSize + 256 * MiB * halves < memberMin * halves) await mustRun(runner, cmd.mdGrow(md));
    });
  }

  // A member being replaced online (a drain) stays connected until md let it go.
  if (rec.detach?.length && !replacing) {
    await s.step('disconnect replaced members', async () => {
      for (const m of accessesOf(ctx, a, rec.detach!)) await m.disconnect(runner);
      // md may still list a member whose device just went (faulty or detached): it leaves the
      // array now, so `mdadm --detail` shows only the members of the placement.
      if (raid !== 'none') {
        await mustRun(runner, cmd.mdRemoveDetached(mdPath(id)));
        await dropFaulty(runner, mdPath(id));
      }
      rec.detach = undefined;
    });
  }

  let fsDev = dataDev;
  let keyVersion: number | undefined;
  if (a.encrypt) {
    const name = dmName(id);
    fsDev = dmPath(id);
    const container = dataDev;
    await s.step(`open or format LUKS2 ${name}`, async () => {
      const status = await runner.run(cmd.cryptStatus(name));
      if (status.exitCode === 0) {
        if (rec.formatting?.layer === 'luks') rec.formatting = undefined; // it opened: complete
        return;
      }
      let o = await ownerOf(runner, container, id);
      // luksFormat writes a header without keyslots first and adds the keyslot after: a kill in
      // between leaves a header of this volume that no key opens. Only when this agent's own
      // format was interrupted, and the key it formatted with opens no slot, is it made again.
      if (o.owner === 'ours' && o.tags?.TYPE === 'crypto_LUKS' && rec.formatting?.layer === 'luks') {
        const used = rec.formatting.keyVersion;
        const opens = await withKey(ctx, id, used, (k) => keySlot(runner, container, k.key));
        if (opens === undefined) {
          await mustRun(runner, cmd.wipefs(container));
          o = { owner: 'blank' };
        }
      }
      if (o.owner === 'ours' && o.tags?.TYPE === 'crypto_LUKS') {
        if (rec.formatting?.layer === 'luks') rec.formatting = undefined;
        // Try the wanted key, then the one the header last accepted (crash mid-rotation, move).
        const want = a.keyVersion;
        const candidates = [...new Set([want, rec.keyVersion, ...(want ? [want - 1, want - 2] : [])])].filter((v) => v === undefined || v >= 1);
        let last: CommandResult | undefined;
        for (const v of candidates) {
          const r = await withKey(ctx, id, v, (k) => runner.run({ ...cmd.cryptOpen(container, name), stdin: k.key }).then((res) => ({ res, version: k.version })));
          last = r.res;
          if (r.res.exitCode === 0) {
            rec.keyVersion = r.version;
            return;
          }
          if (r.res.exitCode !== 2) break; // 2 = no key available with this passphrase
        }
        throw new CommandError(`cryptsetup open --type luks2 --key-file=- ${container} ${name}`, last?.exitCode ?? null, last?.stderr ?? '');
      }
      if (o.owner === 'ours') throw new Error(`${container} holds ${describeTags(o.tags)} of this volume and no LUKS header: refusing to encrypt over data`);
      await clearStale(runner, container, o, 'encrypt');
      await withKey(ctx, id, a.keyVersion, async (k) => {
        rec.formatting = { layer: 'luks', keyVersion: k.version };
        await save();
        await mustRun(runner, { ...cmd.cryptFormat(container, k.cipher, k.keySizeBits, ownerLabel(id)), stdin: k.key });
        rec.keyVersion = k.version;
        rec.formatting = undefined;
        await mustRun(runner, { ...cmd.cryptOpen(container, name), stdin: k.key });
      });
    });
    if (a.keyVersion !== undefined) {
      await s.step('rotate LUKS key', async () => {
        await rotateKey(ctx, a, rec, container);
      });
    }
    await s.step(`resize ${name}`, async () => {
      const lower = await sizeOf(runner, container);
      const upper = await sizeOf(runner, fsDev);
      if (upper + 64 * MiB < lower - 16 * MiB) {
        await withKey(ctx, id, rec.keyVersion, (k) => mustRun(runner, { ...cmd.cryptResize(name), stdin: k.key }));
      }
    });
    keyVersion = rec.keyVersion;
  }

  let mountedAt: string | undefined;
  const staging = stagingPath(ctx.stateDir, id);
  let publishSource = fsDev;
  if (a.fsType !== 'none') {
    const fsType = a.fsType;
    await s.step(`mkfs.${fsType} if blank`, async () => {
      const o = await ownerOf(runner, fsDev, id);
      const uuid = filesystemUuid(id);
      if (o.owner === 'ours') {
        if (o.tags?.TYPE !== fsType) throw new Error(`${fsDev} holds ${describeTags(o.tags)}, not ${fsType}: refusing to format data`);
        // mkfs.xfs writes the superblock (with this volume's UUID) first, flagged in progress, and
        // clears the flag last: after a kill in the middle of this agent's own mkfs the flag is
        // still set and the filesystem cannot be mounted, so it is made again. (mke2fs writes the
        // primary superblock last: a torn ext4 shows nothing and is simply made.)
        const torn = rec.formatting?.layer === 'fs' && fsType === 'xfs' && /inprogress = 1/.test((await mustRun(runner, cmd.xfsInProgress(fsDev))).stdout);
        if (!torn) {
          if (rec.formatting?.layer === 'fs') rec.formatting = undefined;
          return;
        }
        await mustRun(runner, cmd.wipefs(fsDev));
      } else {
        await clearStale(runner, fsDev, o, `make a ${fsType} filesystem`);
      }
      rec.formatting = { layer: 'fs' };
      await save();
      await mustRun(runner, cmd.mkfs(fsType, fsDev, uuid));
      rec.formatting = undefined;
    });
    const grow = () =>
      s.step('grow filesystem', async () => {
        const devBytes = await sizeOf(runner, fsDev);
        const mounted = !!(await mountedSource(runner, staging));
        const fsBytes = await filesystemBytes(runner, fsType, fsDev, staging);
        if (fsBytes === undefined || fsBytes + 64 * MiB >= devBytes) return;
        if (fsType === 'ext4' && !mounted) {
          // Offline growth: resize2fs insists on a fresh check first. e2fsck -p exits 1 when it fixed something.
          const r = await runner.run(cmd.e2fsck(fsDev));
          if (r.exitCode > 1) throw new CommandError(`e2fsck -f -p ${fsDev}`, r.exitCode, r.stderr || r.stdout);
        }
        await mustRun(runner, cmd.growfs(fsType, fsDev, staging));
      });
    // ext4 grows before it is mounted (offline) or online when it already is; xfs only grows mounted.
    if (fsType === 'ext4') await grow();
    await s.step('mount at staging path', async () => {
      await mustRun(runner, cmd.mkdirP(staging));
      const src = await mountedSource(runner, staging);
      if (src) {
        if (!(await sameDevice(runner, src, fsDev))) throw new Error(`${staging} is mounted from ${src}, expected ${fsDev}`);
        return;
      }
      await mustRun(runner, cmd.mount(fsType, fsDev, staging));
    });
    if (fsType === 'xfs') await grow();
    publishSource = staging;
  }

  const want = a.mountPath || undefined;
  if (want || rec.boundPath) {
    await s.step(want ? `bind-mount at ${want}` : 'remove old bind mount', async () => {
      if (rec.boundPath && rec.boundPath !== want) {
        await checkOnHost(ctx, rec.boundPath);
        if (await mountedSource(runner, rec.boundPath)) await mustRun(runner, cmd.umount(rec.boundPath));
        rec.boundPath = undefined;
      }
      if (!want) return;
      // Again right before the host is changed (a link may have appeared since), and after
      // mkdir/touch, right before the mount, now that the whole path exists.
      await checkOnHost(ctx, want);
      const src = await mountedSource(runner, want);
      if (src) {
        if (!(await sameDevice(runner, src, fsDev))) throw new Error(`mountPath ${want} is already a mount point of ${src}`);
      } else {
        if (a.fsType === 'none') {
          await mustRun(runner, cmd.mkdirP(want.slice(0, want.lastIndexOf('/')) || '/'));
          await mustRun(runner, cmd.touch(want));
        } else {
          await mustRun(runner, cmd.mkdirP(want));
        }
        await checkOnHost(ctx, want);
        await mustRun(runner, cmd.bindMount(publishSource, want));
      }
      rec.boundPath = want;
    });
    mountedAt = want;
  }
  rec.stagedGeneration = a.generation;
  await save();
  return { devicePath: fsDev, mountedAt, keyVersion, ...(degraded?.length ? { degraded } : {}), ...(resyncPercent !== undefined ? { resyncPercent } : {}), steps: s.names };
}

/**
 * A rebuild (docs/failure.md): faulty members (their drive died) leave the array, then every
 * connected member the array runs without joins it with `mdadm --add` and md resyncs onto it: a
 * replacement (blank, or a deleted volume's leftovers, wiped first), or this array's own member
 * back after an outage. Anything not made by Tessera is refused, never overwritten. Returns the
 * members still missing.
 */
async function addMembers(ctx: HostContext, md: string, id: string, acc: MemberAccess[], devices: (string | undefined)[], missing: Map<number, Error>, degraded: string[]): Promise<string[]> {
  const { runner } = ctx;
  const roles = async () => parseExport((await mustRun(runner, cmd.mdDetail(md))).stdout);
  const detail = await roles();
  // A device the array lists already (a spare md is recovering onto) is not added twice.
  const listed = new Set(Object.entries(detail).filter(([k]) => /^MD_DEVICE_.+_DEV$/.test(k)).map(([, v]) => v));
  let added = false;
  for (const [i, m] of acc.entries()) {
    const dev = devices[i];
    if (dev === undefined || missing.has(i) || !degraded.includes(m.label)) continue;
    if (listed.has(await canonical(runner, dev))) continue;
    const o = await ownerOf(runner, dev, id);
    if (o.owner === 'ours' && o.tags?.TYPE !== 'linux_raid_member') throw new Error(`${dev} holds ${describeTags(o.tags)} of this volume, not an md member: refusing to add it to ${md}`);
    if (o.owner !== 'ours') await clearStale(runner, dev, o, 'add it to an array');
    ctx.log?.(`stage ${id}: adding ${m.label} to ${md}`);
    await mustRun(runner, cmd.mdAdd(md, dev));
    added = true;
  }
  return added ? degradedMembers(runner, md, acc, devices) : degraded;
}

/**
 * A drain (docs/failure.md, Drain and removal): a member the new placement replaced that still
 * works in the array is replaced online, so the array never has fewer copies: the new member
 * joins as a spare (`mdadm --add`), then `mdadm --replace OLD --with NEW` makes md copy onto it
 * while OLD keeps serving; when the copy ends md marks OLD faulty and it leaves the array
 * (`--remove failed`), after which it is disconnected. Idempotent: a spare already added is not
 * added again, a replacement already running (the new device holds a slot) is not started again.
 * Returns true while an old member still serves (the caller keeps it connected).
 */
async function replaceMembers(ctx: HostContext, md: string, id: string, a: Assignment, detach: Member[], acc: MemberAccess[], devices: (string | undefined)[], missing: Map<number, Error>): Promise<boolean> {
  const { runner } = ctx;
  const rolesNow = async () => {
    const detail = parseExport((await mustRun(runner, cmd.mdDetail(md))).stdout);
    const roles = new Map<string, string>();
    for (const [k, v] of Object.entries(detail)) {
      const m = /^MD_DEVICE_(.+)_ROLE$/.exec(k);
      if (m) roles.set(detail[`MD_DEVICE_${m[1]}_DEV`] ?? '', v);
    }
    return roles;
  };
  const roles = await rolesNow();
  const olds: { label: string; dev: string; role: string }[] = [];
  for (const m of accessesOf(ctx, a, detach)) {
    const dev = await m.probe(runner);
    if (!dev) continue;
    const c = await canonical(runner, dev);
    const role = roles.get(c);
    if (role !== undefined) olds.push({ label: m.label, dev: c, role });
  }
  // (A member md let go is gone already: dropFaulty ran before this, in the same step.)
  const serving = olds.filter((o) => /^\d+$/.test(o.role));
  if (serving.length === 0) return false;
  const fresh: { label: string; dev: string; role?: string }[] = [];
  for (const [i, m] of acc.entries()) {
    const dev = devices[i];
    if (dev === undefined || missing.has(i)) continue;
    const c = await canonical(runner, dev);
    const role = roles.get(c);
    if (role === undefined || role === 'spare') fresh.push({ label: m.label, dev: c, role });
  }
  // A recovery already running is this replace's (whatever role the kernel shows the new device in meanwhile): not started twice.
  if (fresh.length > 0 && (await resyncProgress(runner, md)) !== undefined) return true;
  for (const [j, o] of serving.entries()) {
    const n = fresh[j];
    if (!n) continue;
    if (n.role === undefined) {
      const own = await ownerOf(runner, n.dev, id);
      if (own.owner === 'ours' && own.tags?.TYPE !== 'linux_raid_member') throw new Error(`${n.dev} holds ${describeTags(own.tags)} of this volume, not an md member: refusing to add it to ${md}`);
      if (own.owner !== 'ours') await clearStale(runner, n.dev, own, 'add it to an array');
      await mustRun(runner, cmd.mdAdd(md, n.dev));
    }
    ctx.log?.(`stage ${id}: replacing ${o.label} with ${n.label} in ${md} online`);
    await mustRun(runner, cmd.mdReplace(md, o.dev, n.dev));
  }
  return true;
}

/**
 * A member md lists `faulty` serves nothing (its drive died, or a finished `--replace` let it
 * go): it leaves the array at every pass, degraded or not, so no leftover outlives a rebuild or
 * a drain, and its slot is free for a replacement.
 */
async function dropFaulty(runner: Runner, md: string): Promise<void> {
  const detail = parseExport((await mustRun(runner, cmd.mdDetail(md))).stdout);
  if (Object.entries(detail).some(([k, v]) => /^MD_DEVICE_.+_ROLE$/.test(k) && v === 'faulty')) await mustRun(runner, cmd.mdRemoveFailed(md));
}

/** How far md is copying onto an added member (`mdadm --detail`: "Rebuild Status : N% complete"), or undefined when no resync runs. */
async function resyncProgress(runner: Runner, md: string): Promise<number | undefined> {
  const r = await runner.run(cmd.mdDetailText(md));
  const m = /(?:Rebuild|Resync|Recovery) Status\s*:\s*(\d+)%/.exec(r.stdout);
  return m ? Math.min(99, Number(m[1])) : undefined;
}

/** Connect attempts every 2 s for `degradedGraceMs`; the device path, or undefined when every attempt failed. */
async function retryConnect(ctx: HostContext, m: MemberAccess): Promise<string | undefined> {
  const deadline = Date.now() + (ctx.degradedGraceMs ?? 30_000);
  while (Date.now() < deadline) {
    await sleep(Math.min(2000, Math.max(0, deadline - Date.now())));
    try {
      return await m.connect(ctx.runner);
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
    }
  }
  return undefined;
}

/**
 * The members an md array runs without: missing at assembly (never connected) or failed since
 * (an I/O error made md mark it faulty, e.g. its export was pulled). From `mdadm --detail
 * --export`: a working member has a numeric MD_DEVICE_<dev>_ROLE (a failed one reads "spare" or
 * "faulty", a missing one is not listed), out of MD_DEVICES; newer mdadm also prints MD_DEGRADED.
 */
async function degradedMembers(runner: Runner, md: string, acc: MemberAccess[], devices: (string | undefined)[]): Promise<string[]> {
  const detail = parseExport((await mustRun(runner, cmd.mdDetail(md))).stdout);
  const working = new Set<string>();
  for (const [k, v] of Object.entries(detail)) {
    const m = /^MD_DEVICE_(.+)_ROLE$/.exec(k);
    if (m && /^\d+$/.test(v)) working.add(detail[`MD_DEVICE_${m[1]}_DEV`] ?? '');
  }
  const absent = detail.MD_DEGRADED !== undefined ? Number(detail.MD_DEGRADED) : Number(detail.MD_DEVICES) - working.size;
  if (!(absent > 0)) return [];
  const out: string[] = [];
  for (const [i, m] of acc.entries()) {
    const dev = devices[i];
    if (dev === undefined || !working.has(await canonical(runner, dev))) out.push(m.label);
  }
  return out;
}

/**
 * Online rotation: add a keyslot for the wanted version (old then new key, both on stdin), then
 * kill the slot the old key opens (the new key on stdin authorises it). Both keys stay valid
 * until the old slot is gone, so a crash anywhere in between converges on the next run.
 */
export async function rotateKey(ctx: HostContext, a: Assignment, rec: VolumeRecord, dev: string): Promise<void> {
  const { runner } = ctx;
  const want = a.keyVersion!;
  if (rec.keyVersion === want) return;
  await withKey(ctx, a.volumeId, want, async (next) => {
    let nextSlot = await keySlot(runner, dev, next.key);
    if (nextSlot === undefined) {
      if (rec.keyVersion === undefined) throw new Error(`no known key version opens ${dev}: cannot add key version ${want}`);
      await withKey(ctx, a.volumeId, rec.keyVersion, async (old) => {
        const both = Buffer.concat([old.key, next.key]);
        try {
          await mustRun(runner, { ...cmd.cryptAddKey(dev, old.key.length, next.key.length), stdin: both });
        } finally {
          both.fill(0);
        }
      });
      nextSlot = await keySlot(runner, dev, next.key);
      if (nextSlot === undefined) throw new Error(`key version ${want} was added to ${dev} but does not open it`);
    }
    if (rec.keyVersion !== undefined && rec.keyVersion !== want) {
      const oldSlot = await withKey(ctx, a.volumeId, rec.keyVersion, (old) => keySlot(runner, dev, old.key));
      if (oldSlot !== undefined && oldSlot >= 0 && oldSlot !== nextSlot) {
        await mustRun(runner, { ...cmd.cryptKillSlot(dev, oldSlot), stdin: next.key });
      }
    }
  });
  rec.keyVersion = want;
}

/** Take a volume off the host: unbind, unmount, close, stop, disconnect (reverse of staging). */
export async function unstageVolume(ctx: HostContext, rec: VolumeRecord, save: Save): Promise<string[]> {
  const a = rec.assignment;
  checkVolumeId(a.volumeId, 'assignment.volumeId');
  const { runner } = ctx;
  const id = a.volumeId;
  const s = new Steps(ctx, 'unstage', id, save);
  const bound = [...new Set([rec.boundPath, a.mountPath].filter((p): p is string => !!p))];
  if (bound.length > 0) {
    await s.step('remove bind mount', async () => {
      for (const p of bound) {
        assertMountPath(p, mountPolicy(ctx));
        // umount follows links too: never unmount something outside the roots.
        await checkOnHost(ctx, p);
        if (await mountedSource(runner, p)) await mustRun(runner, cmd.umount(p));
      }
      rec.boundPath = undefined;
    });
  }
  if (a.fsType !== 'none') {
    const staging = stagingPath(ctx.stateDir, id);
    await s.step('unmount staging path', async () => {
      if (await mountedSource(runner, staging)) await mustRun(runner, cmd.umount(staging));
    });
  }
  if (a.encrypt) {
    await s.step(`close ${dmName(id)}`, async () => {
      if ((await runner.run(cmd.cryptStatus(dmName(id)))).exitCode === 0) await mustRun(runner, cmd.cryptClose(dmName(id)));
    });
  }
  if (a.placement.raidLevel !== 'none') {
    await s.step(`stop ${mdPath(id)}`, async () => {
      if ((await runner.run(cmd.mdDetail(mdPath(id)))).exitCode === 0) await mustRun(runner, cmd.mdStop(mdPath(id)));
    });
  }
  for (const m of accesses(ctx, a)) {
    await s.step(`disconnect ${m.label}`, async () => {
      await m.disconnect(runner);
    });
  }
  if (rec.detach?.length) {
    await s.step('disconnect replaced members', async () => {
      for (const m of accessesOf(ctx, a, rec.detach!)) await m.disconnect(runner);
      rec.detach = undefined;
    });
  }
  rec.stagedGeneration = undefined;
  return s.names;
}

export { GiB };
