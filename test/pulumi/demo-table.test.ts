// The demo's composition table: one line per member, the volume's facts on its first line.
import { compositionTable } from '../../provider/cli/commands/demo';

const m = (serial: string, enclosure: string, sg: string, mirror: number, offsetGiB = 0, sizeGiB = 1788) => ({ serial, enclosure, storageGroup: sg, offsetGiB, sizeGiB, mirror, stripe: 0 });

test('compositionTable shows members, enclosures, storage groups, RAID, transport and mounts', () => {
  const text = compositionTable(
    [
      { id: 'v1', name: 'k1-log', type: 'ssd', encrypt: true, raidLevel: 'raid1', transport: 'roce', capacityGiB: 1788, state: 'staged', server: 'k1', mountPath: '/var/lib/kafka/data', members: [m('A1-SSD-02', 'jbod-a1', 'sg-1', 0), m('A2-SSD-02', 'jbod-a2', 'sg-2', 1)] },
      { id: 'v2', name: 'k1-journal', type: 'slice', raidLevel: 'none', transport: 'nvmetcp', capacityGiB: 64, state: 'staged', server: 'k1', mountPath: '/j', observed: { mountedAt: '/j' }, members: [m('A2-SSD-00', 'jbod-a2', 'sg-2', 0, 192, 64)] },
    ],
    [{ id: 's1', name: 'k1-cache', transport: 'roce', capacityGiB: 128, state: 'staged', server: 'k1', devicePath: '/dev/disk/by-id/x', members: [m('A1-SSD-00', 'jbod-a1', 'sg-1', 0, 0, 128)] }],
  );
  const lines = text.split('\n');
  expect(lines[0]).toMatch(/^VOLUME\s+TYPE\s+RAID\s+TRANSPORT\s+GiB\s+MEMBER/);
  expect(lines).toHaveLength(1 + 4);
  expect(lines[1]).toMatch(/^k1-journal\s+slice\s+none\s+nvmetcp\s+64\s+A2-SSD-00 @192\+64G \(jbod-a2\/sg-2, m0s0\)\s+k1\s+\/j\s+staged$/);
  expect(lines[2]).toMatch(/^k1-log\s+ssd\+luks\s+raid1\s+roce\s+1788\s+A1-SSD-02 \(jbod-a1\/sg-1, m0s0\)\s+k1\s+\/var\/lib\/kafka\/data\s+staged$/);
  expect(lines[3].trim()).toBe('A2-SSD-02 (jbod-a2/sg-2, m1s0)');
  expect(lines[4]).toMatch(/^k1-cache\s+slice\s+none\s+roce\s+128\s+A1-SSD-00 @0\+128G .*raw \/dev\/disk\/by-id\/x\s+staged$/);
});
