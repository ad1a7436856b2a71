import { diffInputs, tfName, validateInput } from '../../provider/schema';

describe('schema.json validation', () => {
  it('applies the seed defaults on create', () => {
    const { value, failures } = validateInput('tessera_volume', { cluster: 'c1', name: 'data', sizeGiB: 100 });
    expect(failures).toEqual([]);
    expect(value).toMatchObject({ type: 'hdd', fsType: 'ext4', striping: true, redundancy: false, raidMaxDrives: 16, sgResiliency: true, jbodResiliency: true, reclaimPolicy: 'Delete' });
  });

  it('names every bad field with its reason', () => {
    const { failures } = validateInput('tessera_volume', { name: 'Bad_Name', sizeGiB: 0, type: 'tape', networkTransportsAllowed: ['fc'], capacityGiB: 3, colour: 'red' });
    const byField = Object.fromEntries(failures.map((f) => [f.field, f.reason]));
    expect(byField.cluster).toBe('is required');
    expect(byField.sizeGiB).toBe('must be >= 1, got 0');
    expect(byField.type).toBe('must be one of hdd, ssd, slice, got "tape"');
    expect(byField['networkTransportsAllowed[0]']).toBe('must be one of roce, nvmetcp, iscsi, got "fc"');
    expect(byField.capacityGiB).toBe('is an output and cannot be set');
    expect(byField.colour).toMatch(/^unknown attribute/);
    expect(byField.name).toMatch(/does not match/);
  });

  it('never echoes a sensitive value in a failure', () => {
    const { failures } = validateInput('tessera_key_policy', { name: 'k', secret: 'short-secret' });
    expect(failures).toEqual([{ field: 'secret', reason: 'must be at least 16 characters' }]);
    expect(JSON.stringify(failures)).not.toContain('short-secret');
  });

  it('classifies changes as in place or replace', () => {
    const base = validateInput('tessera_volume', { cluster: 'c', name: 'v', sizeGiB: 10, type: 'slice' }).value;
    expect(diffInputs('tessera_volume', base, { ...base, sizeGiB: 20 })).toEqual({ changed: ['sizeGiB'], replaces: [], shrinks: [] });
    expect(diffInputs('tessera_volume', base, { ...base, sizeGiB: 5 }).shrinks).toEqual(['sizeGiB']);
    expect(diffInputs('tessera_volume', base, { ...base, type: 'ssd', sizeGiB: 20 }).replaces).toEqual(['type', 'sizeGiB']);
    const hdd = { ...base, type: 'hdd' };
    expect(diffInputs('tessera_volume', hdd, { ...hdd, sizeGiB: 20 }).replaces).toEqual(['sizeGiB']);
    expect(diffInputs('tessera_volume', base, { ...base, server: 'k2', mountPath: '/data' }).replaces).toEqual([]);
  });

  it('derives Terraform names', () => {
    expect(tfName('sizeGiB')).toBe('size_gib');
    expect(tfName('networkTransportsAllowed')).toBe('network_transports_allowed');
    expect(tfName('secretWoVersion')).toBe('secret_wo_version');
    expect(tfName('maximumVolumeSizeGiB')).toBe('maximum_volume_size_gib');
  });
});
