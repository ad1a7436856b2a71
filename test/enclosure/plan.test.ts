// The enclosure planner (provider/enclosure/plan.ts), pure logic: exact action lists for a fresh
// export, a slice, a move of the ACL, removal, refusals, and ownership (nothing it did not
// create is touched). Convergence is checked with the planner's own reading of its actions
// (`after` below, a few lines of bookkeeping on the Observed shape — not the kernel: the real
// nvmet and LIO behaviour is tested in the VM, test/vm/enclosure*.test.ts).
import type { EnclosureExport } from '../../provider/api/contract';
import { Action, applyOwnership, DriveFact, dmName, emptyOwned, GiB, Observed, Owned, plan, PlanInput, preferredPortId } from '../../provider/enclosure/plan';
import type { Member } from '../../provider/model/placement';
import { hostNqn, initiatorIqn, iscsiIqn, nvmeNamespaceUuid, nvmeNqn } from '../../provider/model/naming';

const ENC = 'enc-a';
/** The nvmet port ids this enclosure's service picks first (derived from its name). */
const TCP = preferredPortId(ENC, 'tcp');
const RDMA = preferredPortId(ENC, 'rdma');
const member = (serial: string, offsetGiB = 0, sizeGiB = 100): Member => ({ serial, enclosure: ENC, storageGroup: 'sg', offsetGiB, sizeGiB, mirror: 0, stripe: 0 });

function nvmeExport(serial: string, server: string, o: { slice?: boolean; offsetGiB?: number; sizeGiB?: number; transport?: 'nvmetcp' | 'roce' } = {}): EnclosureExport {
  const m = member(serial, o.offsetGiB ?? 0, o.sizeGiB ?? 100);
  const nqn = nvmeNqn(m, !!o.slice);
  return { volumeId: `vol-${serial}`, kind: 'volume', serial, slice: !!o.slice, offsetGiB: m.offsetGiB, sizeGiB: m.sizeGiB, transport: o.transport ?? 'nvmetcp', nqn, nsUuid: nvmeNamespaceUuid(nqn), server, hostNqn: hostNqn(server) };
}
function iscsiExport(serial: string, server: string, o: { slice?: boolean; offsetGiB?: number; sizeGiB?: number } = {}): EnclosureExport {
  const m = member(serial, o.offsetGiB ?? 0, o.sizeGiB ?? 100);
  return { volumeId: `vol-${serial}`, kind: 'volume', serial, slice: !!o.slice, offsetGiB: m.offsetGiB, sizeGiB: m.sizeGiB, transport: 'iscsi', iqn: iscsiIqn(m, !!o.slice), server, initiatorIqn: initiatorIqn(server) };
}

const DRIVES: DriveFact[] = [
  { serial: 'd0', device: '/dev/loop0', present: true, sizeBytes: 100 * GiB },
  { serial: 'ssd1', device: '/dev/loop1', present: true, sizeBytes: 400 * GiB },
  { serial: 'gone', device: '/dev/sdq', present: false, reason: '/dev/sdq does not exist' },
];

const empty = (): Observed => ({ nvmetLoaded: true, subsystems: {}, hosts: [], ports: {}, lioLoaded: true, iscsiLoaded: true, hbas: [], backstores: {}, targets: {}, dm: {} });

function input(exports: EnclosureExport[], observed = empty(), owned: Owned = emptyOwned()): PlanInput {
  return { enclosure: ENC, exports, portal: '10.9.0.1:4420', transports: ['nvmetcp', 'iscsi', 'roce'], drives: DRIVES, observed, owned };
}

/** The planner's reading of its own actions on the Observed shape and the ownership record. */
function after(i: PlanInput, actions: Action[]): { observed: Observed; owned: Owned } {
  const o: Observed = structuredClone(i.observed);
  let owned = structuredClone(i.owned);
  for (const x of actions) {
    owned = applyOwnership(owned, x);
    const p = 'path' in x ? x.path.split('/') : [];
    if (x.op === 'dmCreate' || x.op === 'dmReload') o.dm[x.name] = x.table;
    else if (x.op === 'dmRemove') o.dm[x.name] = null;
    else if (p[0] === 'nvmet' && p[1] === 'hosts') {
      if (x.op === 'mkdir') o.hosts.push(p[2]);
      else o.hosts = o.hosts.filter((h) => h !== p[2]);
    }
    else if (p[0] === 'nvmet' && p[1] === 'subsystems') {
      const nqn = p[2];
      if (p.length === 3) {
        if (x.op === 'mkdir') o.subsystems[nqn] = { allowAnyHost: true, allowedHosts: [], namespaces: {} };
        else delete o.subsystems[nqn];
        continue;
      }
      const s = o.subsystems[nqn];
      if (p[3] === 'attr_allow_any_host' && x.op === 'write') s.allowAnyHost = x.value === '1';
      if (p[3] === 'allowed_hosts') s.allowedHosts = x.op === 'symlink' ? [...s.allowedHosts, p[4]] : s.allowedHosts.filter((h) => h !== p[4]);
      if (p[3] === 'namespaces') {
        if (p.length === 5) {
          if (x.op === 'mkdir') s.namespaces[p[4]] = { devicePath: '', uuid: '', enabled: false };
          else delete s.namespaces[p[4]];
        }
        else if (x.op === 'write') {
          const n = s.namespaces[p[4]];
          if (p[5] === 'device_path') n.devicePath = x.value;
          if (p[5] === 'device_uuid') n.uuid = x.value;
          if (p[5] === 'enable') n.enabled = x.value === '1';
        }
      }
    } else if (p[0] === 'nvmet' && p[1] === 'ports') {
      if (p.length === 3) {
        if (x.op === 'mkdir') o.ports[p[2]] = { trtype: '', adrfam: '', traddr: '', trsvcid: '', subsystems: [] };
        else delete o.ports[p[2]];
      }
      else if (x.op === 'write') (o.ports[p[2]] as unknown as Record<string, string>)[p[3].slice('addr_'.length)] = x.value;
      else if (p[3] === 'subsystems') {
        const port = o.ports[p[2]];
        port.subsystems = x.op === 'symlink' ? [...port.subsystems, p[4]] : port.subsystems.filter((s) => s !== p[4]);
      }
    } else if (p[0] === 'target' && p[1] === 'core' && p.length >= 3) {
      if (p.length === 3) {
        if (x.op === 'mkdir') o.hbas.push(p[2]);
        else o.hbas = o.hbas.filter((h) => h !== p[2]);
      }
      else if (p.length === 4) {
        if (x.op === 'mkdir') o.backstores[p[3]] = { udevPath: '', enabled: false };
        else delete o.backstores[p[3]];
      }
      else if (x.op === 'write' && p[4] === 'udev_path') o.backstores[p[3]].udevPath = x.value;
      else if (x.op === 'write' && p[4] === 'enable') o.backstores[p[3]].enabled = true;
    } else if (p[0] === 'target' && p[1] === 'iscsi' && p.length >= 3) {
      const iqn = p[2];
      if (p.length === 3) {
        if (x.op === 'mkdir') o.targets[iqn] = {};
        else delete o.targets[iqn];
      }
      else if (p.length === 4) o.targets[iqn].tpg = x.op === 'mkdir' ? { enabled: false, generateNodeAcls: false, portals: [], lun0Present: false, acls: {} } : undefined;
      else {
        const g = o.targets[iqn].tpg!;
        const rest = p.slice(4).join('/');
        if (rest === 'enable' && x.op === 'write') g.enabled = x.value === '1';
        else if (rest === 'lun/lun_0') g.lun0Present = x.op === 'mkdir';
        else if (rest === 'lun/lun_0/tessera') g.lun0 = x.op === 'symlink' ? x.target : undefined;
        else if (p[4] === 'np') {
          if (x.op === 'mkdir') g.portals.push(p[5]);
          else g.portals = g.portals.filter((q) => q !== p[5]);
        }
        else if (p[4] === 'acls') {
          if (p.length === 6) {
            if (x.op === 'mkdir') g.acls[p[5]] = { mapped: false, mappedDir: false };
            else delete g.acls[p[5]];
          }
          else if (p.length === 7) g.acls[p[5]].mappedDir = x.op === 'mkdir';
          else g.acls[p[5]].mapped = x.op === 'symlink';
        }
      }
    }
  }
  return { observed: o, owned };
}

/** Plans, applies the plan to the model, and checks that planning again is a no-op. */
function converge(i: PlanInput) {
  const p = plan(i);
  const next = after(i, p.actions);
  expect(plan({ ...i, observed: next.observed, owned: next.owned }).actions).toEqual([]);
  return { ...p, ...next };
}

const lines = (acts: Action[]) =>
  acts.map((x) => (x.op === 'own' || x.op === 'disown' ? `${x.op} ${x.kind} ${x.name}` : x.op === 'write' ? `write ${x.path} = ${x.value}` : x.op === 'symlink' ? `symlink ${x.path} -> ${x.target}` : x.op === 'wipe' ? `wipe ${x.device} ${x.bytes}` : 'path' in x ? `${x.op} ${x.path}` : `${x.op} ${x.name}`));

describe('NVMe/TCP', () => {
  const e = nvmeExport('d0', 'k1');
  const sub = `nvmet/subsystems/${e.nqn}`;

  test('a whole drive: host, subsystem closed to any host, one allowed host, namespace with its UUID, a port', () => {
    const p = converge(input([e]));
    expect(lines(p.actions)).toEqual([
      `own hosts ${hostNqn('k1')}`,
      `mkdir nvmet/hosts/${hostNqn('k1')}`,
      `own subsystems ${e.nqn}`,
      `mkdir ${sub}`,
      `write ${sub}/attr_allow_any_host = 0`,
      `symlink ${sub}/allowed_hosts/${hostNqn('k1')} -> nvmet/hosts/${hostNqn('k1')}`,
      `mkdir ${sub}/namespaces/1`,
      `write ${sub}/namespaces/1/device_path = /dev/loop0`,
      `write ${sub}/namespaces/1/device_uuid = ${e.nsUuid}`,
      `write ${sub}/namespaces/1/enable = 1`,
      `own ports ${TCP}`,
      `mkdir nvmet/ports/${TCP}`,
      `write nvmet/ports/${TCP}/addr_trtype = tcp`,
      `write nvmet/ports/${TCP}/addr_adrfam = ipv4`,
      `write nvmet/ports/${TCP}/addr_traddr = 10.9.0.1`,
      `write nvmet/ports/${TCP}/addr_trsvcid = 4420`,
      `symlink nvmet/ports/${TCP}/subsystems/${e.nqn} -> ${sub}`,
    ]);
    expect(p.refused).toEqual([]);
    expect(p.wanted).toEqual([{ volumeId: 'vol-d0', serial: 'd0', offsetGiB: 0, transport: 'nvmetcp', target: e.nqn, server: 'k1', state: 'exported' }]);
    expect(p.owned).toEqual({ ...emptyOwned(), subsystems: [e.nqn], hosts: [hostNqn('k1')], ports: [{ id: TCP, trtype: 'tcp' }] });
  });

  test('a port id another service uses is skipped; RoCE gets a port of its own (rdma)', () => {
    const o = empty();
    o.ports[String(TCP)] = { trtype: 'tcp', adrfam: 'ipv4', traddr: '10.9.0.2', trsvcid: '4420', subsystems: ['nqn.2014-08.org.example:other'] };
    const r = nvmeExport('ssd1', 'k2', { transport: 'roce', slice: true, offsetGiB: 10, sizeGiB: 5 });
    const p = converge(input([e, r], o));
    expect(p.owned.ports).toEqual(expect.arrayContaining([{ id: (TCP % 65535) + 1, trtype: 'tcp' }, { id: RDMA, trtype: 'rdma' }]));
    expect(p.owned.ports).toHaveLength(2);
    expect(lines(p.actions)).toContain(`write nvmet/ports/${RDMA}/addr_trtype = rdma`);
    expect(p.actions.some((x) => 'path' in x && x.path.startsWith(`nvmet/ports/${TCP}/`))).toBe(false);
  });

  test('a move re-points the ACL: unlink from the port (drops the old host\'s controllers), swap the host, relink; the old host entry goes', () => {
    const first = converge(input([e]));
    const moved = { ...e, server: 'k2', hostNqn: hostNqn('k2') };
    const p = converge(input([moved], first.observed, first.owned));
    expect(lines(p.actions)).toEqual([
      `unlink nvmet/ports/${TCP}/subsystems/${e.nqn}`,
      `unlink ${sub}/allowed_hosts/${hostNqn('k1')}`,
      `rmdir nvmet/hosts/${hostNqn('k1')}`,
      `disown hosts ${hostNqn('k1')}`,
      `own hosts ${hostNqn('k2')}`,
      `mkdir nvmet/hosts/${hostNqn('k2')}`,
      `symlink ${sub}/allowed_hosts/${hostNqn('k2')} -> nvmet/hosts/${hostNqn('k2')}`,
      `symlink nvmet/ports/${TCP}/subsystems/${e.nqn} -> ${sub}`,
    ]);
    expect(p.observed.subsystems[e.nqn!].allowedHosts).toEqual([hostNqn('k2')]);
  });

  test('unassigned: everything it made goes, in order (port link, hosts link, namespace, subsystem, port, host)', () => {
    const first = converge(input([e]));
    const p = converge(input([], first.observed, first.owned));
    expect(lines(p.actions)).toEqual([
      `unlink nvmet/ports/${TCP}/subsystems/${e.nqn}`,
      `unlink ${sub}/allowed_hosts/${hostNqn('k1')}`,
      `write ${sub}/namespaces/1/enable = 0`,
      `wipe /dev/loop0 ${100 * GiB}`,
      `rmdir ${sub}/namespaces/1`,
      `rmdir ${sub}`,
      `disown subsystems ${e.nqn}`,
      `rmdir nvmet/ports/${TCP}`,
      `disown ports ${TCP}`,
      `rmdir nvmet/hosts/${hostNqn('k1')}`,
      `disown hosts ${hostNqn('k1')}`,
    ]);
    expect(p.owned).toEqual(emptyOwned());
    expect(p.observed.subsystems).toEqual({});
  });

  test('nothing it did not create is touched: a same-named subsystem is refused, foreign hosts and subsystems stay', () => {
    const o = empty();
    o.subsystems[e.nqn!] = { allowAnyHost: true, allowedHosts: [], namespaces: {} };
    o.subsystems['nqn.2026-01.io.tessera:enc-a:other'] = { allowAnyHost: false, allowedHosts: [hostNqn('k1')], namespaces: { '1': { devicePath: '/dev/sdx', uuid: 'u', enabled: true } } };
    o.hosts = [hostNqn('k1')];
    const p = plan(input([e], o));
    expect(p.actions).toEqual([]);
    expect(p.refused).toEqual([expect.objectContaining({ target: e.nqn, state: 'failed', error: expect.stringContaining('was not created by this service') })]);
    // Unassigned with nothing owned: the foreign objects are left as they are.
    expect(plan(input([], o)).actions).toEqual([]);
  });

  test('a host entry it made stays while another service\'s subsystem still allows it', () => {
    const first = converge(input([e]));
    first.observed.subsystems['nqn.2014-08.org.example:theirs'] = { allowAnyHost: false, allowedHosts: [hostNqn('k1')], namespaces: {} };
    const p = plan(input([], first.observed, first.owned));
    expect(p.actions.some((x) => x.op === 'rmdir' && x.path === `nvmet/hosts/${hostNqn('k1')}`)).toBe(false);
    expect(p.actions.some((x) => 'path' in x && x.path.includes('theirs'))).toBe(false);
  });

  test('a namespace left disabled or on another device is rewritten; a crash between own and mkdir converges', () => {
    const first = converge(input([e]));
    first.observed.subsystems[e.nqn!].namespaces['1'].enabled = false;
    expect(lines(plan(input([e], first.observed, first.owned)).actions)).toEqual([`write ${sub}/namespaces/1/enable = 1`]);
    first.observed.subsystems[e.nqn!].namespaces['1'] = { devicePath: '/dev/loop9', uuid: e.nsUuid!, enabled: true };
    expect(lines(converge(input([e], first.observed, first.owned)).actions)).toEqual([
      `write ${sub}/namespaces/1/enable = 0`,
      `write ${sub}/namespaces/1/device_path = /dev/loop0`,
      `write ${sub}/namespaces/1/device_uuid = ${e.nsUuid}`,
      `write ${sub}/namespaces/1/enable = 1`,
    ]);
    // The state file says owned, the kernel has nothing yet (killed right after recording).
    const owned = { ...emptyOwned(), subsystems: [e.nqn!], hosts: [hostNqn('k1')], ports: [{ id: 1, trtype: 'tcp' as const }] };
    const p = converge(input([e], empty(), owned));
    expect(p.actions.filter((x) => x.op === 'own').map((x) => (x as { kind: string }).kind)).toEqual(['ports']);
    expect(p.owned).toEqual(owned);
  });
});

describe('slices', () => {
  const s = nvmeExport('ssd1', 'k1', { slice: true, offsetGiB: 10, sizeGiB: 20 });
  const name = dmName(ENC, 'ssd1', 10);

  test('a dm-linear map over the extent (512-byte sectors), exported as the namespace device', () => {
    const p = converge(input([s]));
    expect(p.actions.slice(0, 2)).toEqual([
      { op: 'own', kind: 'dm', name },
      { op: 'dmCreate', name, table: { device: '/dev/loop1', offsetSectors: (10 * GiB) / 512, sectors: (20 * GiB) / 512 } },
    ]);
    expect(lines(p.actions)).toContain(`write nvmet/subsystems/${s.nqn}/namespaces/1/device_path = /dev/mapper/${name}`);
  });

  test('growth reloads the map in place and asks the namespace to re-read its size', () => {
    const first = converge(input([s]));
    const grown = { ...s, sizeGiB: 50 };
    const p = converge(input([grown], first.observed, first.owned));
    expect(lines(p.actions)).toEqual([`dmReload ${name}`, `write nvmet/subsystems/${s.nqn}/namespaces/1/revalidate_size = 1`]);
    expect(p.observed.dm[name]!.sectors).toBe((50 * GiB) / 512);
  });

  test('unassigned: the namespace goes before the map', () => {
    const first = converge(input([s]));
    const acts = lines(converge(input([], first.observed, first.owned)).actions);
    expect(acts.indexOf(`rmdir nvmet/subsystems/${s.nqn}/namespaces/1`)).toBeLessThan(acts.indexOf(`dmRemove ${name}`));
    expect(acts).toContain(`disown dm ${name}`);
  });

  test('a map of the same name it did not create is refused', () => {
    const o = empty();
    o.dm[name] = { device: '/dev/loop1', offsetSectors: 0, sectors: 8 };
    expect(plan(input([s], o))).toMatchObject({ actions: [], refused: [{ state: 'failed', error: expect.stringContaining(`map ${name} exists`) }] });
  });
});

describe('refusals name the reason; nothing is done for a refused export', () => {
  test.each([
    ['an unmanaged drive', nvmeExport('nope', 'k1'), 'not managed by this enclosure service'],
    ['a missing drive', nvmeExport('gone', 'k1'), '/dev/sdq does not exist'],
    ['an extent past the end', nvmeExport('ssd1', 'k1', { slice: true, offsetGiB: 390, sizeGiB: 20 }), 'past the end of /dev/loop1'],
    ['another enclosure\'s name', { ...nvmeExport('d0', 'k1'), nqn: 'nqn.2026-01.io.tessera:enc-b:d0' }, 'not under this enclosure\'s prefix'],
    ['a path in the name', { ...nvmeExport('d0', 'k1'), nqn: 'nqn.2026-01.io.tessera:enc-a:../../x' }, 'not a valid NQN'],
    ['a host NQN with a slash', { ...nvmeExport('d0', 'k1'), hostNqn: 'nqn.x/../../y' }, 'host name or namespace UUID'],
    ['a transport the enclosure has not', iscsiExport('d0', 'k1'), 'transport iscsi is not one of'],
  ])('%s', (_what, e, why) => {
    const i = input([e as EnclosureExport]);
    if (e.transport === 'iscsi') i.transports = ['nvmetcp'];
    const p = plan(i);
    expect(p.actions).toEqual([]);
    expect(p.refused).toEqual([expect.objectContaining({ state: 'failed', error: expect.stringContaining(why) })]);
  });
});

describe('iSCSI (LIO)', () => {
  const e = iscsiExport('d0', 'k1');
  const t = `target/iscsi/${e.iqn}/tpgt_1`;
  const bs = `target/core/iblock_0/${e.iqn!.slice('iqn.2026-01.io.tessera:'.length)}`;

  test('backstore, target, TPG without generated ACLs, LUN 0, portal, one ACL mapping LUN 0, enable', () => {
    const p = converge(input([e]));
    expect(lines(p.actions)).toEqual([
      'own hba 0',
      'mkdir target/core/iblock_0',
      `own backstores ${bs.split('/').pop()}`,
      `mkdir ${bs}`,
      `write ${bs}/control = udev_path=/dev/loop0`,
      `write ${bs}/udev_path = /dev/loop0`,
      `write ${bs}/enable = 1`,
      `own targets ${e.iqn}`,
      `mkdir target/iscsi/${e.iqn}`,
      `mkdir ${t}`,
      `write ${t}/attrib/generate_node_acls = 0`,
      `write ${t}/attrib/demo_mode_write_protect = 1`,
      `write ${t}/attrib/authentication = 0`,
      `mkdir ${t}/lun/lun_0`,
      `symlink ${t}/lun/lun_0/tessera -> ${bs}`,
      `mkdir ${t}/np/10.9.0.1:3260`,
      `mkdir ${t}/acls/${initiatorIqn('k1')}`,
      `mkdir ${t}/acls/${initiatorIqn('k1')}/lun_0`,
      `symlink ${t}/acls/${initiatorIqn('k1')}/lun_0/tessera -> ${t}/lun/lun_0`,
      `write ${t}/enable = 1`,
    ]);
  });

  test('a move replaces the ACL only; a foreign HBA index is skipped', () => {
    const o = empty();
    o.hbas = ['iblock_0', 'fileio_0'];
    const first = converge(input([e], o));
    expect(first.owned.hba).toBe(1);
    const moved = { ...e, server: 'k2', initiatorIqn: initiatorIqn('k2') };
    const t1 = `target/iscsi/${e.iqn}/tpgt_1`;
    expect(lines(converge(input([moved], first.observed, first.owned)).actions)).toEqual([
      `unlink ${t1}/acls/${initiatorIqn('k1')}/lun_0/tessera`,
      `rmdir ${t1}/acls/${initiatorIqn('k1')}/lun_0`,
      `rmdir ${t1}/acls/${initiatorIqn('k1')}`,
      `mkdir ${t1}/acls/${initiatorIqn('k2')}`,
      `mkdir ${t1}/acls/${initiatorIqn('k2')}/lun_0`,
      `symlink ${t1}/acls/${initiatorIqn('k2')}/lun_0/tessera -> ${t1}/lun/lun_0`,
    ]);
  });

  test('unassigned: disable, ACL, LUN, portal, TPG, target, backstore, HBA; a backstore on a changed device rebuilds the target', () => {
    const first = converge(input([e]));
    const gone = converge(input([], first.observed, first.owned));
    expect(gone.owned).toEqual(emptyOwned());
    expect(lines(gone.actions)[0]).toBe(`write ${t}/enable = 0`);
    expect(lines(gone.actions).slice(-3)).toEqual([`disown backstores ${bs.split('/').pop()}`, 'rmdir target/core/iblock_0', 'disown hba 0']);
    const changed = structuredClone(first.observed);
    changed.backstores[bs.split('/').pop()!].udevPath = '/dev/loop7';
    const p = converge(input([e], changed, first.owned));
    expect(lines(p.actions)).toContain(`rmdir target/iscsi/${e.iqn}`);
    expect(p.observed.backstores[bs.split('/').pop()!].udevPath).toBe('/dev/loop0');
  });

  test('an iSCSI slice uses the same dm map naming as NVMe', () => {
    const s = iscsiExport('ssd1', 'k1', { slice: true, offsetGiB: 4, sizeGiB: 8 });
    const p = converge(input([s]));
    expect(lines(p.actions)).toContain(`write target/core/iblock_0/${s.iqn!.slice('iqn.2026-01.io.tessera:'.length)}/control = udev_path=/dev/mapper/${dmName(ENC, 'ssd1', 4)}`);
  });
});

describe('release wipes: a released extent is wiped once no host can reach it, nothing else ever is', () => {
  const whole = nvmeExport('d0', 'k1');
  const slice = nvmeExport('ssd1', 'k1', { slice: true, offsetGiB: 10, sizeGiB: 20 });
  const lun = iscsiExport('ssd1', 'k2', { slice: true, offsetGiB: 40, sizeGiB: 4 });
  const made = converge(input([whole, slice, lun]));
  const wipes = (acts: Action[]) => lines(acts).filter((l) => l.startsWith('wipe '));

  test('deleted: each extent wiped at its size (a slice through its map), after the export is disabled and before it goes', () => {
    const acts = lines(converge(input([], made.observed, made.owned)).actions);
    const sliceDev = `/dev/mapper/${dmName(ENC, 'ssd1', 10)}`;
    expect(wipes(plan(input([], made.observed, made.owned)).actions).sort()).toEqual(
      [`wipe /dev/loop0 ${100 * GiB}`, `wipe ${sliceDev} ${20 * GiB}`, `wipe /dev/mapper/${dmName(ENC, 'ssd1', 40)} ${4 * GiB}`].sort(),
    );
    const sub = `nvmet/subsystems/${slice.nqn}`;
    expect(acts.indexOf(`write ${sub}/namespaces/1/enable = 0`)).toBeLessThan(acts.indexOf(`wipe ${sliceDev} ${20 * GiB}`));
    expect(acts.indexOf(`wipe ${sliceDev} ${20 * GiB}`)).toBeLessThan(acts.indexOf(`rmdir ${sub}/namespaces/1`));
    expect(acts.indexOf(`wipe ${sliceDev} ${20 * GiB}`)).toBeLessThan(acts.indexOf(`dmRemove ${dmName(ENC, 'ssd1', 10)}`));
    const tpg = `target/iscsi/${lun.iqn}/tpgt_1`;
    const lunWipe = acts.findIndex((l) => l.startsWith(`wipe /dev/mapper/${dmName(ENC, 'ssd1', 40)}`));
    expect(acts.indexOf(`rmdir ${tpg}/acls/${initiatorIqn('k2')}`)).toBeLessThan(lunWipe);
    expect(lunWipe).toBeLessThan(acts.indexOf(`rmdir ${tpg}/lun/lun_0`));
  });

  test('moved, grown or still assigned: no wipe', () => {
    const moved = [nvmeExport('d0', 'k2'), { ...slice, sizeGiB: 30 }, lun];
    expect(wipes(converge(input(moved, made.observed, made.owned)).actions)).toEqual([]);
  });

  test('still assigned but refused here (the drive left this service\'s drives file): not released, not wiped', () => {
    const i = { ...input([whole, slice, lun], made.observed, made.owned), drives: DRIVES.filter((d) => d.serial !== 'd0') };
    expect(plan(i).refused.map((r) => r.target)).toContain(whole.nqn);
    expect(wipes(plan(i).actions)).toEqual([]);
  });

  test('held (a fenced move\'s members, docs/failure.md): every export taken down, no host can reach it, nothing wiped', () => {
    const i = { ...input([], made.observed, made.owned), held: [whole.nqn!, slice.nqn!, lun.iqn!] };
    const p = converge(i);
    expect(wipes(p.actions)).toEqual([]);
    expect(lines(p.actions)).toEqual(expect.arrayContaining([`rmdir nvmet/subsystems/${whole.nqn}`, `rmdir nvmet/subsystems/${slice.nqn}`, `rmdir target/iscsi/${lun.iqn}`]));
    expect(Object.keys(p.observed.subsystems)).toEqual([]);
    // The fence lifted, the export to the new server is made again on the same extent.
    const back = converge({ ...input([nvmeExport('d0', 'k2')], p.observed, p.owned) });
    expect(wipes(back.actions)).toEqual([]);
    expect(back.observed.subsystems[whole.nqn!].namespaces['1'].devicePath).toBe('/dev/loop0');
  });

  test('a namespace on a device this service does not manage is taken down but never written', () => {
    const o = structuredClone(made.observed);
    o.subsystems[whole.nqn!].namespaces['1'].devicePath = '/dev/sda';
    const acts = plan(input([slice, lun], o, made.owned)).actions;
    expect(lines(acts)).toContain(`rmdir nvmet/subsystems/${whole.nqn}/namespaces/1`);
    expect(wipes(acts)).toEqual([]);
  });
});
