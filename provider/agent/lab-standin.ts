// Lab stand-ins for md and device-mapper, for a lab kernel that has neither (docs/agent.md, "What
// runs for real"). The lab backend's runner answers `mdadm` and the mapping half of `cryptsetup`
// (open, status, close, resize) with loop devices, so everything above them (mkfs, mount, grow,
// blkid, wipefs) runs for real on real block devices, and everything else passes through.
//
// Real: the loop devices; md v1.2 superblocks on every member (written one member at a time with
// dd, as mdadm writes them, so blkid, wipefs and the agent's ownership checks see real ones); the
// LUKS2 header and every key check (luksFormat, `open --test-passphrase`, luksAddKey, luksKillSlot).
// Not real: no mirroring (an array is a loop over its first member's data area) and no encryption
// (a mapping is a loop over the container's data segment, in plaintext). Lab only.
//
// The stand-ins keep no state of their own: arrays and mappings are found from the loop devices
// and the signatures under them, so like the kernel's md and dm state they outlive a killed agent.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { cmd } from './commands';
import { ownerLabel, volumeOfDmName, volumeOfMdPath } from './names';
import { CommandResult, HostCommand, Runner, mustRun } from './runner';
import { MD_DATA_OFFSET } from './sim/fabric';

const SB_OFFSET = 4096; // md metadata 1.2: 4 KiB from the start of the member
const SB_MAGIC = 0xa92b4efc;
const SECTOR = 512;

export interface MdSuperblock {
  setUuid: string;
  /** homehost:name, what blkid reports as LABEL. */
  name: string;
  level: number;
  raidDisks: number;
  /** This member's role (0 = first). */
  role: number;
  dataOffsetBytes: number;
  dataBytes: number;
}

function sbChecksum(b: Buffer, maxDev: number): number {
  // The sum of the little-endian 32-bit words of the first 256 + 2*max_dev bytes (sb_csum as 0),
  // its carry folded back in: as the md driver computes it.
  const size = 256 + 2 * maxDev;
  const copy = Buffer.from(b.subarray(0, size));
  copy.writeUInt32LE(0, 216);
  let sum = 0n;
  let i = 0;
  for (; i + 4 <= size; i += 4) sum += BigInt(copy.readUInt32LE(i));
  if (size - i === 2) sum += BigInt(copy.readUInt16LE(i));
  return Number(((sum & 0xffffffffn) + (sum >> 32n)) & 0xffffffffn);
}

/** A v1.2 superblock block (4 KiB) for member `role` of a RAID1 array. */
export function mdSuperblock(sb: MdSuperblock): Buffer {
  const b = Buffer.alloc(4096);
  const nowS = BigInt(Math.floor(Date.now() / 1000));
  b.writeUInt32LE(SB_MAGIC, 0);
  b.writeUInt32LE(1, 4); // major version
  Buffer.from(sb.setUuid.replace(/-/g, ''), 'hex').copy(b, 16);
  b.write(sb.name.slice(0, 32), 32, 32, 'utf8');
  b.writeBigUInt64LE(nowS, 64); // ctime
  b.writeUInt32LE(sb.level, 72);
  b.writeBigUInt64LE(BigInt(sb.dataBytes / SECTOR), 80); // size used per member
  b.writeUInt32LE(sb.raidDisks, 92);
  b.writeBigUInt64LE(BigInt(sb.dataOffsetBytes / SECTOR), 128);
  b.writeBigUInt64LE(BigInt(sb.dataBytes / SECTOR), 136);
  b.writeBigUInt64LE(BigInt(SB_OFFSET / SECTOR), 144); // super_offset
  b.writeUInt32LE(sb.role, 160); // dev_number
  crypto.randomBytes(16).copy(b, 168); // device uuid
  b.writeBigUInt64LE(nowS, 192); // utime
  b.writeBigUInt64LE(1n, 200); // events
  b.writeBigUInt64LE(0xffffffffffffffffn, 208); // resync_offset: clean
  b.writeUInt32LE(sb.raidDisks, 220); // max_dev
  for (let i = 0; i < sb.raidDisks; i++) b.writeUInt16LE(i, 256 + 2 * i);
  b.writeUInt32LE(sbChecksum(b, sb.raidDisks), 216);
  return b;
}

export function parseMdSuperblock(b: Buffer): MdSuperblock | undefined {
  if (b.length < 4096 || b.readUInt32LE(0) !== SB_MAGIC || b.readUInt32LE(4) !== 1) return undefined;
  const maxDev = b.readUInt32LE(220);
  if (maxDev > 1920 || Number(b.readBigUInt64LE(144)) !== SB_OFFSET / SECTOR) return undefined;
  if (sbChecksum(b, maxDev) !== b.readUInt32LE(216)) return undefined;
  const devNumber = b.readUInt32LE(160);
  const hex = b.subarray(16, 32).toString('hex');
  return {
    setUuid: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    name: b.subarray(32, 64).toString('utf8').replace(/\0+$/, ''),
    level: b.readUInt32LE(72),
    raidDisks: b.readUInt32LE(92),
    role: devNumber < maxDev ? b.readUInt16LE(256 + 2 * devNumber) : devNumber,
    dataOffsetBytes: Number(b.readBigUInt64LE(128)) * SECTOR,
    dataBytes: Number(b.readBigUInt64LE(136)) * SECTOR,
  };
}

function readSuperblock(dev: string): MdSuperblock | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dev, 'r');
    const b = Buffer.alloc(4096);
    if (fs.readSync(fd, b, 0, 4096, SB_OFFSET) !== 4096) return undefined;
    return parseMdSuperblock(b);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

interface Loop {
  name: string;
  back: string;
  offset: number;
  sizelimit: number;
}

const ok = (stdout = '', stderr = ''): CommandResult => ({ exitCode: 0, stdout, stderr });
const fail = (exitCode: number, stderr: string): CommandResult => ({ exitCode, stdout: '', stderr: `${stderr}\n` });

/** Wraps the Linux runner of the lab backend; see the module comment for what is stood in. */
export class LabStandIns implements Runner {
  constructor(readonly inner: Runner) {}

  async run(c: HostCommand): Promise<CommandResult> {
    if (c.file === 'mdadm') return this.mdadm(c.args);
    if (c.file === 'cryptsetup') {
      const [action] = c.args;
      if (action === 'status') return this.dmStatus(c.args[1]);
      if (action === 'open' && !c.args.includes('--test-passphrase')) return this.dmOpen(c);
      if (action === 'close') return this.dmClose(c.args[1]);
      if (action === 'resize') return this.dmResize(c);
    }
    return this.inner.run({ ...c, args: await this.devicesOf(c.args) });
  }

  /** /dev/md/<id> and /dev/mapper/<name> in an argv become the loop devices standing in for them. */
  private async devicesOf(args: string[]): Promise<string[]> {
    if (!args.some((a) => a.startsWith('/dev/md/') || a.startsWith('/dev/mapper/'))) return args;
    const out: string[] = [];
    for (const a of args) {
      const md = volumeOfMdPath(a);
      const dm = a.startsWith('/dev/mapper/') ? volumeOfDmName(a.slice('/dev/mapper/'.length)) : undefined;
      if (md) out.push((await this.array(md))?.loop.name ?? a);
      else if (dm) out.push((await this.mapping(dm))?.loop.name ?? a);
      else out.push(a);
    }
    return out;
  }

  private async loops(): Promise<Loop[]> {
    const r = await mustRun(this.inner, cmd.losetupList());
    if (!r.stdout.trim()) return [];
    const list = (JSON.parse(r.stdout) as { loopdevices?: { name: string; 'back-file': string | null; offset: number | string; sizelimit: number | string }[] }).loopdevices ?? [];
    return list.map((l) => ({ name: l.name, back: l['back-file'] ?? '', offset: Number(l.offset), sizelimit: Number(l.sizelimit) }));
  }

  /** The loop standing in for volume `id`'s array: over a member's data area, the member's superblock named for the volume. */
  private async array(id: string): Promise<{ loop: Loop; sb: MdSuperblock } | undefined> {
    for (const l of await this.loops()) {
      if (!l.back.startsWith('/dev/') || l.offset !== MD_DATA_OFFSET) continue;
      const sb = readSuperblock(l.back);
      if (sb && sb.name === ownerLabel(id) && sb.role === 0) return { loop: l, sb };
    }
    return undefined;
  }

  /** The loop standing in for the mapping of volume `id`: over a LUKS2 container labelled for the volume. */
  private async mapping(id: string): Promise<{ loop: Loop } | undefined> {
    for (const l of await this.loops()) {
      if (!l.back.startsWith('/dev/') || l.offset === 0) continue;
      const tags = await this.signature(l.back);
      if (tags?.TYPE === 'crypto_LUKS' && tags.LABEL === ownerLabel(id)) return { loop: l };
    }
    return undefined;
  }

  /** What blkid sees on a device (undefined: nothing). */
  private async signature(dev: string): Promise<Record<string, string> | undefined> {
    const r = await this.inner.run(cmd.blkid(dev));
    if (r.exitCode !== 0) return undefined;
    return Object.fromEntries(r.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }

  /** Why a device cannot be taken, or undefined: mounted, or under another loop device. */
  private async holder(dev: string): Promise<string | undefined> {
    const m = await this.inner.run(cmd.findmntSource(dev));
    if (m.exitCode === 0 && m.stdout.trim()) return `mounted on ${m.stdout.trim().split('\n')[0]}`;
    const over = (await this.loops()).find((l) => l.back === dev);
    return over ? `held by ${over.name}` : undefined;
  }

  // ------------------------------------------------------------------------------ md (RAID1)

  private async mdadm(args: string[]): Promise<CommandResult> {
    const [mode] = args;
    // The array is the first operand after the mode's options (`--detail --export MD`, `--assemble --run MD DEV...`).
    const at = args.findIndex((a, i) => i > 0 && !a.startsWith('-'));
    const md = at > 0 ? args[at] : '';
    const id = md ? volumeOfMdPath(md) : undefined;
    if (!id) return fail(1, `mdadm: the lab stand-in handles /dev/md/<volume> only, got ${md || 'nothing'}`);
    const positional = args.slice(at + 1).filter((a) => !a.startsWith('-'));
    switch (mode) {
      case '--detail': {
        const a = await this.array(id);
        if (!a) return fail(1, `mdadm: cannot open ${md}: No such file or directory`);
        // MD_DEGRADED=0 (as newer mdadm prints it): the stand-in never starts an array without all its members.
        return ok(`MD_LEVEL=raid${a.sb.level}\nMD_DEVICES=${a.sb.raidDisks}\nMD_NAME=${a.sb.name}\nMD_UUID=${a.sb.setUuid}\nMD_DEGRADED=0\n`);
      }
      case '--create':
        return this.mdCreate(md, id, args, positional);
      case '--assemble':
        return this.mdAssemble(md, id, positional);
      case '--grow':
        return fail(1, `mdadm: lab stand-in: ${md} cannot grow (a loop device cannot change its --sizelimit while in use): unstage and stage again`);
      case '--stop': {
        const a = await this.array(id);
        if (!a) return fail(1, `mdadm: error opening ${md}: No such file or directory`);
        const h = await this.holder(a.loop.name);
        if (h) return fail(1, `mdadm: Cannot get exclusive access to ${md} (${h}): Perhaps a running process, mounted filesystem or active volume group?`);
        await mustRun(this.inner, cmd.losetupDetach(a.loop.name));
        return ok('', `mdadm: stopped ${md}\n`);
      }
      default:
        return fail(1, `mdadm: lab stand-in: ${mode} is not modelled`);
    }
  }

  private async mdCreate(md: string, id: string, args: string[], devs: string[]): Promise<CommandResult> {
    const opt = (k: string) => args.find((a) => a.startsWith(`${k}=`))?.slice(k.length + 1);
    if (opt('--level') !== '1') return fail(1, `mdadm: lab stand-in: only RAID1 (--level=1) is modelled; RAID${opt('--level')} needs the md driver`);
    if (Number(opt('--raid-devices')) !== devs.length) return fail(2, `mdadm: ${opt('--raid-devices')} devices requested, ${devs.length} given`);
    if (await this.array(id)) return fail(1, `mdadm: ${md} is already in use.`);
    let smallest = Infinity;
    for (const d of devs) {
      const tags = await this.inner.run(cmd.blkid(d));
      // Stricter than mdadm --run, like the simulated host: refuse members that hold anything.
      if (tags.exitCode === 0) return fail(1, `mdadm: ${d} appears to contain ${/^TYPE=(.*)$/m.exec(tags.stdout)?.[1] ?? 'data'}: the lab stand-in refuses to create an array over it`);
      if (tags.exitCode !== 2) return fail(1, `mdadm: cannot open ${d}: ${tags.stderr.trim() || `blkid exit code ${tags.exitCode}`}`);
      const h = await this.holder(d);
      if (h) return fail(1, `mdadm: cannot open ${d}: Device or resource busy (${h})`);
      smallest = Math.min(smallest, Number((await mustRun(this.inner, cmd.blockdevSize(d))).stdout.trim()));
    }
    const setUuid = crypto.randomUUID();
    const name = `${opt('--homehost') ?? 'any'}:${opt('--name') ?? id}`;
    const dataBytes = smallest - MD_DATA_OFFSET;
    for (let role = 0; role < devs.length; role++) {
      const sb = mdSuperblock({ setUuid, name, level: 1, raidDisks: devs.length, role, dataOffsetBytes: MD_DATA_OFFSET, dataBytes });
      const w = await this.inner.run({ ...cmd.ddBlock(devs[role], SB_OFFSET / 4096), stdin: sb });
      if (w.exitCode !== 0) return fail(1, `mdadm: writing the superblock of ${devs[role]} failed: ${w.stderr.trim()}`);
    }
    await mustRun(this.inner, cmd.losetupAttach(devs[0], MD_DATA_OFFSET, dataBytes));
    return ok('', `mdadm: array ${md} started.\n`);
  }

  private async mdAssemble(md: string, id: string, devs: string[]): Promise<CommandResult> {
    if (await this.array(id)) return fail(1, `mdadm: ${md} is already in use.`);
    const sbs: MdSuperblock[] = [];
    for (const d of devs) {
      const sb = readSuperblock(d);
      if (!sb) return fail(1, `mdadm: no RAID superblock on ${d}\nmdadm: ${d} has no superblock - assembly aborted`);
      if (sbs.length > 0 && sb.setUuid !== sbs[0].setUuid) return fail(1, `mdadm: superblock on ${d} doesn't match others - assembly aborted`);
      sbs.push(sb);
    }
    const first = devs[sbs.findIndex((s) => s.role === 0)];
    if (!first || sbs.length < sbs[0].raidDisks) {
      return fail(1, `mdadm: ${md} assembled from ${sbs.length} drive(s) - not enough to start the array while not clean - consider --force.`);
    }
    await mustRun(this.inner, cmd.losetupAttach(first, sbs[0].dataOffsetBytes, sbs[0].dataBytes));
    return ok('', `mdadm: ${md} has been started with ${devs.length} drives.\n`);
  }

  // ------------------------------------------------------------------------------ dm-crypt

  private async dmStatus(name: string): Promise<CommandResult> {
    const id = volumeOfDmName(name ?? '');
    const m = id ? await this.mapping(id) : undefined;
    if (!m) return fail(4, `/dev/mapper/${name} is inactive.`);
    return ok(`/dev/mapper/${name} is active.\n  type:    LUKS2\n  device:  ${m.loop.back}\n  offset:  ${m.loop.offset / SECTOR} sectors\n`);
  }

  private async dmOpen(c: HostCommand): Promise<CommandResult> {
    const name = c.args[c.args.length - 1];
    const [dev] = await this.devicesOf([c.args[c.args.length - 2]]);
    const id = volumeOfDmName(name);
    if (!id) return fail(1, `lab stand-in: mapping name ${name} is not tessera-<volume>`);
    if (await this.mapping(id)) return fail(5, `Device ${name} already exists.`);
    // The key check is the real one: the mapping opens only with a key a keyslot accepts.
    const test = await this.inner.run({ ...cmd.cryptTestKey(dev), stdin: c.stdin });
    if (test.exitCode !== 0) return test;
    const dump = await mustRun(this.inner, cmd.luksDump(dev));
    const offset = /Data segments:[\s\S]*?offset:\s*(\d+) \[bytes\]/.exec(dump.stdout);
    if (!offset) return fail(1, `lab stand-in: no data segment offset in the LUKS2 header of ${dev}`);
    const h = await this.holder(dev);
    if (h) return fail(5, `Cannot use device ${dev} which is in use (${h}).`);
    await mustRun(this.inner, cmd.losetupAttach(dev, Number(offset[1])));
    return ok();
  }

  private async dmClose(name: string): Promise<CommandResult> {
    const id = volumeOfDmName(name ?? '');
    const m = id ? await this.mapping(id) : undefined;
    if (!m) return fail(4, `Device ${name} is not active.`);
    const h = await this.holder(m.loop.name);
    if (h) return fail(5, `Device ${name} is still in use (${h}).`);
    await mustRun(this.inner, cmd.losetupDetach(m.loop.name));
    return ok();
  }

  private async dmResize(c: HostCommand): Promise<CommandResult> {
    const name = c.args[c.args.length - 1];
    const id = volumeOfDmName(name);
    const m = id ? await this.mapping(id) : undefined;
    if (!m) return fail(4, `Device ${name} is not active.`);
    const test = await this.inner.run({ ...cmd.cryptTestKey(m.loop.back), stdin: c.stdin });
    if (test.exitCode !== 0) return test;
    // No --sizelimit on a mapping's loop: it follows its container once told to look again.
    await mustRun(this.inner, cmd.losetupCapacity(m.loop.name));
    return ok();
  }
}
