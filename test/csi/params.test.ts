// StorageClass parameters -> Volume attributes: the schema.json rules and messages, named by parameter.
import { status } from '@grpc/grpc-js';
import { CsiError } from '../../provider/csi/errors';
import { composerName, sizeFromRange, volumeRequest } from '../../provider/csi/params';

const opts = { sizeGiB: 4, block: false, defaultOwner: 'k8s:csi.tessera.io' };

function refusal(params: Record<string, string>, o: Partial<typeof opts> = {}): string {
  try {
    volumeRequest(params, { ...opts, ...o });
  } catch (e) {
    expect(e).toBeInstanceOf(CsiError);
    expect((e as CsiError).code).toBe(status.INVALID_ARGUMENT);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

test('the seed option names convert by their schema type', () => {
  const r = volumeRequest(
    { cluster: 'k8s', type: 'ssd', redundancy: 'true', raidMaxDrives: '8', requiredTags: 'fast, nvme', fsType: 'xfs', 'csi.storage.k8s.io/pvc/name': 'data', 'csi.storage.k8s.io/pvc/namespace': 'shop', 'csi.storage.k8s.io/pv/name': 'pvc-1' },
    opts,
  );
  expect(r.cluster).toBe('k8s');
  expect(r.attributes).toEqual({ type: 'ssd', redundancy: true, raidMaxDrives: 8, requiredTags: ['fast', 'nvme'], fsType: 'xfs', sizeGiB: 4 });
  expect(r.owner).toBe('k8s:shop/data/pvc-1');
  expect(volumeRequest({ cluster: 'k8s' }, opts).owner).toBe('k8s:csi.tessera.io');
});

test('bad values are INVALID_ARGUMENT naming the parameter with the schema sentence', () => {
  expect(refusal({ cluster: 'k8s', type: 'tape' })).toMatch(/^parameter type: .*hdd.*ssd.*slice/);
  expect(refusal({ cluster: 'k8s', raidMaxDrives: '100' })).toMatch(/^parameter raidMaxDrives: .*64/);
  expect(refusal({ cluster: 'k8s', raidMaxDrives: 'many' })).toBe('parameter raidMaxDrives: must be an integer, got "many"');
  expect(refusal({ cluster: 'k8s', encrypt: 'yes' })).toBe('parameter encrypt: must be true or false, got "yes"');
  expect(refusal({ cluster: 'k8s', networkTransportsAllowed: 'carrier-pigeon' })).toMatch(/^parameter networkTransportsAllowed/);
  expect(refusal({ cluster: 'k8s', strippingg: 'true' })).toMatch(/^parameter strippingg: unknown/);
  expect(refusal({ type: 'ssd' })).toMatch(/^parameter cluster: required/);
  expect(refusal({ cluster: 'k8s', fsType: 'ext4' }, { block: true })).toMatch(/^parameter fsType: a raw block volume/);
  expect(refusal({ cluster: 'k8s', fsType: 'none' })).toMatch(/^parameter fsType: "none"/);
});

test('block access gives fsType none; sizes round up to whole GiB', () => {
  expect(volumeRequest({ cluster: 'k8s' }, { ...opts, block: true }).attributes.fsType).toBe('none');
  expect(sizeFromRange({ required_bytes: String(1024 ** 3 + 1), limit_bytes: '0' }).sizeGiB).toBe(2);
  expect(sizeFromRange(undefined).sizeGiB).toBe(1);
  expect(sizeFromRange({ required_bytes: '0', limit_bytes: String(5 * 1024 ** 3) }).limitBytes).toBe(5 * 1024 ** 3);
});

test('CSI names map to stable composer names', () => {
  expect(composerName('pvc-0a1b')).toBe('pvc-0a1b');
  const long = composerName('sanity-Controller-Service-'.repeat(4));
  expect(long).toMatch(/^csi-[0-9a-f]{40}$/);
  expect(composerName('sanity-Controller-Service-'.repeat(4))).toBe(long);
});
