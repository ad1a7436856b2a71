// Stage overhead on a real kernel (docs/vm-lab.md, docs/agent.md): an encrypted RAID1 xfs volume
// over NVMe/TCP from two nvmet targets in network namespaces, staged by the agent's steps with the
// Linux runner, first on blank members (create, luksFormat, mkfs) and then again after an unstage
// (connect, assemble, open, mount). For each, the wall time of the stage against the time the
// kernel's tools took (the union of every command's run): the rest is Tessera's own overhead —
// planning, state saves, device polling. Prints JSON; exits 1 when an overhead is over the floor
// (10 %), in the same run. Runs inside the VM lab only: `npm run bench:vm-stage`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { LinuxRunner } from '../provider/agent/linux-runner';
import { CommandResult, HostCommand, Runner } from '../provider/agent/runner';
import type { VolumeRecord } from '../provider/agent/state';
import { HostContext, stageVolume, unstageVolume } from '../provider/agent/steps';
import { hostNqn, nvmeNqn } from '../provider/model/naming';
import { DerivedKeys, assignment, member } from '../test/agent/helpers';
import { NvmetTarget } from '../test/vm/target';

const FLOOR_PCT = 10;
const SERVER = 'k1';

/** Runs commands through the Linux runner and keeps when each ran. */
class TimingRunner implements Runner {
  readonly spans: { cmd: string; start: number; end: number }[] = [];
  constructor(private readonly inner: Runner) {}
  async run(cmd: HostCommand): Promise<CommandResult> {
    const start = performance.now();
    try {
      return await this.inner.run(cmd);
    } finally {
      this.spans.push({ cmd: cmd.file + (cmd.args[0] ? ` ${cmd.args[0]}` : ''), start, end: performance.now() });
    }
  }
  /** Milliseconds during which at least one command ran. */
  busyMs(): number {
    const s = [...this.spans].sort((a, b) => a.start - b.start);
    let total = 0;
    let [from, to] = [-Infinity, -Infinity];
    for (const x of s) {
      if (x.start > to) {
        if (to > from) total += to - from;
        [from, to] = [x.start, x.end];
      } else to = Math.max(to, x.end);
    }
    if (to > from) total += to - from;
    return total;
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync('/sys/module/nvmet')) throw new Error('bench:vm-stage runs inside the VM lab (npm run bench:vm-stage): nvmet is not loaded here');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-stage-'));
  const encA = new NvmetTarget({ netns: 'bench-a', hostAddr: '10.76.1.1', targetAddr: '10.76.1.2' });
  const encB = new NvmetTarget({ netns: 'bench-b', hostAddr: '10.76.2.1', targetAddr: '10.76.2.2' });
  encA.start();
  encB.start();
  // A fresh mirror resyncs in the background: throttled, as in the VM suite, so it does not take
  // the emulated CPU from the steps being measured.
  fs.writeFileSync('/proc/sys/dev/raid/speed_limit_max', '2000');
  const members = [member('bench-a', { sizeGiB: 1 }), member('bench-b', { sizeGiB: 1, enclosure: 'enc-b', mirror: 1 })];
  for (const m of members) (m.enclosure === 'enc-a' ? encA : encB).export(nvmeNqn(m, false), m.sizeGiB, hostNqn(SERVER));
  const portals: Record<string, string> = { 'enc-a': encA.portal, 'enc-b': encB.portal };
  const a = assignment('bench-r1', { members, raidLevel: 'raid1', fsType: 'xfs', encrypt: true, keyVersion: 1, mountPath: '/mnt/bench-r1' });
  const rec: VolumeRecord = { assignment: a };
  const keys = new DerivedKeys();
  const context = (runner: Runner): HostContext => ({ runner, backend: 'linux', stateDir: path.join(root, 'agent-state'), server: SERVER, portalOf: (e) => portals[e], keys, waitTimeoutMs: 120_000 });
  const measure = async (what: string) => {
    const runner = new TimingRunner(new LinuxRunner({ timeoutMs: 300_000 }));
    const t0 = performance.now();
    const r = await stageVolume(context(runner), a, rec, async () => undefined);
    const wallMs = performance.now() - t0;
    const commandsMs = runner.busyMs();
    const slowest = [...runner.spans].sort((x, y) => y.end - y.start - (x.end - x.start)).slice(0, 5).map((x) => ({ command: x.cmd, ms: Math.round(x.end - x.start) }));
    return { what, steps: r.steps.length, commands: runner.spans.length, wallMs: Math.round(wallMs), commandsMs: Math.round(commandsMs), overheadPct: Number((((wallMs - commandsMs) / wallMs) * 100).toFixed(2)), slowest };
  };
  try {
    const first = await measure('first stage: connect, create, luksFormat, mkfs, mount, bind');
    await unstageVolume(context(new LinuxRunner({ timeoutMs: 300_000 })), rec, async () => undefined);
    const again = await measure('stage again: connect, assemble, open, mount, bind');
    await unstageVolume(context(new LinuxRunner({ timeoutMs: 300_000 })), rec, async () => undefined);
    const runs = [first, again];
    const ok = runs.every((r) => r.overheadPct <= FLOOR_PCT);
    process.stdout.write(`${JSON.stringify({ bench: 'vm-stage', volume: 'raid1 + luks2 + xfs over nvme/tcp, 2 x 1 GiB', kernel: os.release(), floorPct: FLOOR_PCT, ok, runs }, null, 1)}\n`);
    if (!ok) process.exitCode = 1;
  } finally {
    spawnSync('umount', ['--lazy', '/mnt/bench-r1']);
    spawnSync('nvme', ['disconnect-all']);
    encA.close();
    encB.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench:vm-stage: ${(e as Error).stack ?? e}\n`);
  process.exit(2);
});
