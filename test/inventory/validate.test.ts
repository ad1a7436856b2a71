/* eslint-disable @typescript-eslint/no-explicit-any -- the tests break documents on purpose, field by field */
// Topology file loading and validation: every problem is reported with its path and reason.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InventoryError, formatProblem, loadInventoryFile, parseInventory, summarizeInventory, validateInventory } from '../../provider/inventory';

const LAB = path.join(__dirname, '../../examples/inventory/lab.yaml');

function base(): Record<string, unknown> {
  return {
    bandwidthDomains: [{ name: 'rack-a' }],
    storageGroups: [
      {
        name: 'sg-a',
        enclosures: [
          {
            name: 'e1',
            transports: ['roce', 'iscsi'],
            portal: '10.0.0.1:4420',
            uplinkGbps: 100,
            bandwidthDomain: 'rack-a',
            drives: [
              { serial: 'S1', type: 'ssd', sizeGiB: 1000, tags: ['nvme'] },
              { serial: 'H1', type: 'hdd', sizeGiB: 4000, rpm: 7200 },
            ],
          },
        ],
      },
    ],
    servers: [{ name: 'k1', transports: ['roce'], nicGbps: 25, bandwidthDomain: 'rack-a' }],
  };
}

function problems(doc: unknown): string[] {
  try {
    validateInventory(doc);
  } catch (err) {
    expect(err).toBeInstanceOf(InventoryError);
    return (err as InventoryError).errors.map(formatProblem);
  }
  return [];
}

function mutate(f: (d: any) => void): unknown {
  const d = base();
  f(d);
  return d;
}

describe('examples/inventory/lab.yaml', () => {
  test('is valid: 4 enclosures in 2 storage groups, 16 servers, mixed hdd/ssd', () => {
    const inv = loadInventoryFile(LAB);
    const s = summarizeInventory(inv);
    expect(s).toMatchObject({ storageGroups: 2, enclosures: 4, servers: 16, bandwidthDomains: 2 });
    expect(s.drives.hdd).toBeGreaterThan(0);
    expect(s.drives.ssd).toBeGreaterThan(0);
    // Every rack sees both storage groups, so rack-local RAID1 can mirror across them.
    for (const bd of inv.bandwidthDomains) {
      const groups = inv.storageGroups.filter((g) => g.enclosures.some((e) => e.bandwidthDomain === bd.name && e.drives.some((d) => d.type === 'ssd')));
      expect(groups.length).toBe(2);
    }
  });
});

describe('validation', () => {
  test('a valid document is normalised (tags default to [])', () => {
    const inv = validateInventory(base());
    expect(inv.servers[0].tags).toEqual([]);
    expect(inv.storageGroups[0].enclosures[0].drives[1]).toEqual({ serial: 'H1', type: 'hdd', sizeGiB: 4000, rpm: 7200, tags: [] });
    expect(inv.storageGroups[0].enclosures[0].drives[0].rpm).toBeUndefined();
  });

  test('bandwidth domains may be plain names', () => {
    expect(validateInventory(mutate((d) => (d.bandwidthDomains = ['rack-a']))).bandwidthDomains).toEqual([{ name: 'rack-a' }]);
  });

  test.each([
    ['sizeGiB not a positive integer', (d: any) => (d.storageGroups[0].enclosures[0].drives[0].sizeGiB = 1.5), 'storageGroups[0].enclosures[0].drives[0].sizeGiB: must be a positive integer, got 1.5'],
    ['sizeGiB zero', (d: any) => (d.storageGroups[0].enclosures[0].drives[0].sizeGiB = 0), 'storageGroups[0].enclosures[0].drives[0].sizeGiB: must be a positive integer, got 0'],
    ['sizeGiB too large', (d: any) => (d.storageGroups[0].enclosures[0].drives[0].sizeGiB = 2 ** 21), 'storageGroups[0].enclosures[0].drives[0].sizeGiB: must be at most 1048575, got 2097152'],
    ['duplicate serial', (d: any) => (d.storageGroups[0].enclosures[0].drives[1].serial = 'S1'), 'storageGroups[0].enclosures[0].drives[1].serial: duplicate drive serial "S1" (first at storageGroups[0].enclosures[0].drives[0].serial)'],
    ['duplicate enclosure', (d: any) => d.storageGroups.push({ name: 'sg-b', enclosures: [{ ...d.storageGroups[0].enclosures[0], drives: [] }] }), 'storageGroups[1].enclosures[0].name: duplicate enclosure "e1" (first at storageGroups[0].enclosures[0].name)'],
    ['duplicate storage group', (d: any) => d.storageGroups.push({ name: 'sg-a', enclosures: [] }), 'storageGroups[1].name: duplicate storage group "sg-a" (first at storageGroups[0].name)'],
    ['duplicate server', (d: any) => d.servers.push({ ...d.servers[0] }), 'servers[1].name: duplicate server "k1" (first at servers[0].name)'],
    ['duplicate bandwidth domain', (d: any) => d.bandwidthDomains.push({ name: 'rack-a' }), 'bandwidthDomains[1].name: duplicate bandwidth domain "rack-a" (first at bandwidthDomains[0].name)'],
    ['unknown transport', (d: any) => (d.servers[0].transports = ['fc']), 'servers[0].transports[0]: unknown transport "fc" (allowed: roce, nvmetcp, iscsi)'],
    ['no transport', (d: any) => (d.storageGroups[0].enclosures[0].transports = []), 'storageGroups[0].enclosures[0].transports: must name at least one transport (roce, nvmetcp, iscsi)'],
    ['duplicate transport', (d: any) => (d.servers[0].transports = ['roce', 'roce']), 'servers[0].transports[1]: duplicate transport "roce"'],
    ['hdd without rpm', (d: any) => delete d.storageGroups[0].enclosures[0].drives[1].rpm, 'storageGroups[0].enclosures[0].drives[1].rpm: is required for hdd drives'],
    ['ssd with rpm', (d: any) => (d.storageGroups[0].enclosures[0].drives[0].rpm = 7200), 'storageGroups[0].enclosures[0].drives[0].rpm: only allowed for hdd drives'],
    ['unknown drive type', (d: any) => (d.storageGroups[0].enclosures[0].drives[0].type = 'nvme'), 'storageGroups[0].enclosures[0].drives[0].type: must be one of hdd, ssd, got "nvme"'],
    ['server in unknown domain', (d: any) => (d.servers[0].bandwidthDomain = 'rack-z'), 'servers[0].bandwidthDomain: unknown bandwidth domain "rack-z" (declared: rack-a)'],
    ['enclosure in unknown domain', (d: any) => (d.storageGroups[0].enclosures[0].bandwidthDomain = 'rack-z'), 'storageGroups[0].enclosures[0].bandwidthDomain: unknown bandwidth domain "rack-z" (declared: rack-a)'],
    ['bad portal', (d: any) => (d.storageGroups[0].enclosures[0].portal = '10.0.0.1'), 'storageGroups[0].enclosures[0].portal: must be host:port, got "10.0.0.1"'],
    ['port out of range', (d: any) => (d.storageGroups[0].enclosures[0].portal = 'jbod:70000'), 'storageGroups[0].enclosures[0].portal: must be host:port, got "jbod:70000"'],
    ['uplink not positive', (d: any) => (d.storageGroups[0].enclosures[0].uplinkGbps = -1), 'storageGroups[0].enclosures[0].uplinkGbps: must be a positive number, got -1'],
    ['nic missing', (d: any) => delete d.servers[0].nicGbps, 'servers[0].nicGbps: is required'],
    ['bad tag', (d: any) => (d.servers[0].tags = ['a b']), 'servers[0].tags[0]: must be a non-empty string without spaces or commas, got "a b"'],
    ['bad name', (d: any) => (d.servers[0].name = '-x'), `servers[0].name: "-x" must start with a letter or digit and contain only letters, digits, '.', '_', ':', '-'`],
    ['unknown field', (d: any) => (d.servers[0].nic = 25), 'servers[0].nic: unknown field (allowed: name, transports, nicGbps, bandwidthDomain, tags)'],
    ['unknown top-level field', (d: any) => (d.racks = []), 'racks: unknown field (allowed: bandwidthDomains, storageGroups, servers)'],
    ['drives not a list', (d: any) => (d.storageGroups[0].enclosures[0].drives = {}), 'storageGroups[0].enclosures[0].drives: must be a list, got an object'],
    ['missing storage groups', (d: any) => delete d.storageGroups, 'storageGroups: is required (a list)'],
    ['drive not an object', (d: any) => (d.storageGroups[0].enclosures[0].drives[0] = 'S1'), 'storageGroups[0].enclosures[0].drives[0]: must be an object, got "S1"'],
  ])('%s', (_name, change, expected) => {
    expect(problems(mutate(change))).toEqual([expected]);
  });

  test('not an object at all', () => {
    expect(problems([])).toEqual(['the inventory must be an object with bandwidthDomains, storageGroups and servers, got a list']);
  });

  test('every problem is reported at once, and the message lists them as path: reason', () => {
    const doc = mutate((d) => {
      d.storageGroups[0].enclosures[0].drives[0].sizeGiB = 'big';
      delete d.storageGroups[0].enclosures[0].drives[1].rpm;
      d.servers[0].bandwidthDomain = 'nowhere';
      d.servers[0].transports = ['fc'];
    });
    let err: InventoryError | undefined;
    try {
      validateInventory(doc);
    } catch (e) {
      err = e as InventoryError;
    }
    expect(err?.errors).toHaveLength(4);
    expect(err?.message).toBe(
      [
        'invalid inventory (4 problems):',
        '  storageGroups[0].enclosures[0].drives[0].sizeGiB: must be a positive integer, got "big"',
        '  storageGroups[0].enclosures[0].drives[1].rpm: is required for hdd drives',
        '  servers[0].transports[0]: unknown transport "fc" (allowed: roce, nvmetcp, iscsi)',
        '  servers[0].bandwidthDomain: unknown bandwidth domain "nowhere" (declared: rack-a)',
      ].join('\n'),
    );
  });
});

describe('parsing', () => {
  test('YAML and JSON give the same inventory', () => {
    const fromJson = parseInventory(JSON.stringify(base()), 'x.json');
    const yaml = fs.readFileSync(LAB, 'utf8');
    expect(parseInventory(JSON.stringify(parseInventory(yaml)))).toEqual(parseInventory(yaml));
    expect(fromJson.servers[0].name).toBe('k1');
  });

  test('YAML syntax errors and duplicate keys are reported', () => {
    expect(() => parseInventory('servers: [\n', 'bad.yaml')).toThrow(/invalid inventory bad.yaml.*not valid YAML/s);
    expect(() => parseInventory('servers: []\nservers: []\n')).toThrow(/not valid YAML/);
  });

  test('JSON syntax errors are reported', () => {
    let err: InventoryError | undefined;
    try {
      parseInventory('{"servers": ', 'x.json');
    } catch (e) {
      err = e as InventoryError;
    }
    expect(err).toBeInstanceOf(InventoryError);
    expect(err!.errors[0].reason).toMatch(/^not valid JSON/);
  });

  test('a missing file is an InventoryError naming it', () => {
    const missing = path.join(os.tmpdir(), `tessera-missing-${process.pid}.yaml`);
    expect(() => loadInventoryFile(missing)).toThrow(`cannot read ${missing}: ENOENT`);
  });
});
