// `tessera agent plan`: the plan lists the same steps, in the same order, as a real run; and the
// CLI prints it without touching the host.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { planVolume, formatPlan } from '../../provider/agent/plan';
import { SimulatedFabric } from '../../provider/agent/sim/fabric';
import { SimulatedHost } from '../../provider/agent/sim/host';
import { stageVolume, unstageVolume } from '../../provider/agent/steps';
import { DerivedKeys, assignment, member } from './helpers';
import type { Assignment } from '../../provider/api/contract';

const run = promisify(execFile);
const STATE = '/var/lib/tessera-agent';

const cases: [string, Assignment][] = [
  ['single ext4', assignment('p1', { mountPath: '/srv/p1' })],
  ['raid1 xfs encrypted', assignment('p2', { members: [member('A'), member('B', { mirror: 1 })], raidLevel: 'raid1', fsType: 'xfs', encrypt: true, keyVersion: 1, mountPath: '/srv/p2' })],
  ['raid10 iscsi', assignment('p3', { transport: 'iscsi', members: [0, 1].flatMap((s) => [0, 1].map((m) => member(`R${s}${m}`, { stripe: s, mirror: m }))), raidLevel: 'raid10' })],
  ['raw slice', assignment('p4', { type: 'slice', kind: 'slice', fsType: 'none', members: [member('S', { offsetGiB: 2, sizeGiB: 1 })] })],
];

test.each(cases)('plan steps match the executed steps (%s)', async (_n, a) => {
  const fabric = new SimulatedFabric();
  fabric.exportMembers(a.placement.members, a.placement.type === 'slice');
  const host = new SimulatedHost(fabric);
  const ctx = { runner: host, backend: 'simulated' as const, stateDir: STATE, keys: new DerivedKeys(), portalOf: () => '10.9.9.9', server: 'k1', pollMs: 1 };
  const plan = planVolume(a, { backend: 'simulated', stateDir: STATE, portalOf: () => '10.9.9.9', server: 'k1' });
  const rec = { assignment: a };
  const staged = await stageVolume(ctx, a, rec, async () => undefined);
  expect(plan.stage.map((s) => s.name)).toEqual(staged.steps);
  // Every mutating command that ran appears verbatim in the plan.
  const text = formatPlan(plan);
  for (const c of host.log.map((x) => x.join(' '))) {
    if (/^(nvme connect|iscsiadm --mode node .* --login|mdadm --create|cryptsetup luksFormat|cryptsetup open --type|mkfs|mount )/.test(c)) expect(text).toContain(c);
  }
  host.log.length = 0;
  const unstaged = await unstageVolume(ctx, rec, async () => undefined);
  expect(plan.unstage.map((s) => s.name)).toEqual(unstaged);
  for (const c of host.log.map((x) => x.join(' '))) if (/^(umount|mdadm --stop|cryptsetup close|nvme disconnect|iscsiadm .*--logout)/.test(c)) expect(text).toContain(c);
});

test('plan refuses a bad mountPath before anything else', () => {
  expect(() => planVolume(assignment('p5', { mountPath: '/proc/x' }), { backend: 'linux', stateDir: STATE })).toThrow(/^mountPath: "\/proc\/x" is inside \/proc/);
});

test('CLI: tessera agent plan VOLUME --from FILE prints the plan (text and --json)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-plan-'));
  try {
    const file = path.join(dir, 'a.json');
    fs.writeFileSync(file, JSON.stringify(cases[1][1]));
    const bin = path.join(__dirname, '../../bin/tessera');
    const text = (await run(bin, ['agent', 'plan', 'p2', '--from', file, '--portal', 'enc-a=10.0.0.1:4420'])).stdout;
    expect(text).toContain('mdadm --create /dev/md/p2 --run --metadata=1.2 --homehost=tessera --name=p2 --level=1 --raid-devices=2');
    expect(text).toContain('--traddr 10.0.0.1 --trsvcid 4420');
    expect(text).toContain('< key on stdin');
    const json = JSON.parse((await run(bin, ['agent', 'plan', 'p2', '--from', file, '--json'])).stdout);
    expect(json.stage.map((s: { name: string }) => s.name)[0]).toBe('connect A');
    const lab = (await run(bin, ['agent', 'plan', 'p2', '--from', file, '--backend', 'lab', '--lab-dir', dir])).stdout;
    expect(lab).toContain(`losetup --find --show ${dir}/enc-a/A.img`);
    const bad = await run(bin, ['agent', 'plan', 'p2', '--from', file, '--backend', 'tape']).catch((e) => e);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--backend: must be linux, lab or simulated/);
    // --mount-roots: a path outside the default roots plans only when its root is given; a root
    // in a system directory is a usage error.
    const opt = path.join(dir, 'opt.json');
    fs.writeFileSync(opt, JSON.stringify({ ...cases[0][1], mountPath: '/opt/tenant/app' }));
    const refused = await run(bin, ['agent', 'plan', 'p1', '--from', opt]).catch((e) => e);
    expect(refused.stderr).toMatch(/mountPath: "\/opt\/tenant\/app" is outside the allowed mount roots/);
    expect((await run(bin, ['agent', 'plan', 'p1', '--from', opt, '--mount-roots', '/opt/tenant'])).stdout).toContain('mount --bind');
    const etc = await run(bin, ['agent', 'plan', 'p1', '--from', opt, '--mount-roots', '/opt,/etc']).catch((e) => e);
    expect(etc.code).toBe(2);
    expect(etc.stderr).toMatch(/--mount-roots: "\/etc" is inside \/etc, a system directory/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
