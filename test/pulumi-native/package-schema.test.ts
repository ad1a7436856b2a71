// The package schema's Python names (language.python.propertyNames): a unit is one word
// (size_gib), every property the Python generator would split inside a unit is listed, and no two
// properties share a Python name. Pure: no engine; pulumi-native-sdks.test.ts checks the SDK itself.
import { packageSchema, pythonName } from '../../provider/pulumi-native/package-schema';

type Props = Record<string, unknown>;

/** Every property name of the package schema: config, types, resources, functions. */
function propertyNames(doc: Record<string, unknown>): Set<string> {
  const names = new Set<string>();
  const add = (p?: Props) => Object.keys(p ?? {}).forEach((n) => names.add(n));
  add((doc.config as { variables: Props }).variables);
  for (const t of Object.values(doc.types as Record<string, { properties: Props }>)) add(t.properties);
  for (const r of Object.values(doc.resources as Record<string, { properties: Props; inputProperties: Props }>)) {
    add(r.properties);
    add(r.inputProperties);
  }
  for (const f of Object.values(doc.functions as Record<string, { inputs?: { properties: Props }; outputs: { properties: Props } }>)) {
    add(f.inputs?.properties);
    add(f.outputs.properties);
  }
  return names;
}

describe('the package schema: Python property names', () => {
  it('keeps a binary unit one word and splits the rest as Pulumi does', () => {
    expect(pythonName('sizeGiB')).toBe('size_gib');
    expect(pythonName('maximumVolumeSizeGiB')).toBe('maximum_volume_size_gib');
    expect(pythonName('quotaHddGiB')).toBe('quota_hdd_gib');
    expect(pythonName('offsetMiB')).toBe('offset_mib');
    expect(pythonName('mountPath')).toBe('mount_path');
    expect(pythonName('keySizeBits')).toBe('key_size_bits');
    expect(pythonName('name')).toBe('name');
  });

  it('lists every property with a unit in its name, with the one-word name, and no name twice', () => {
    const doc = packageSchema();
    const listed = ((doc.language as { python: { propertyNames: Record<string, string> } }).python.propertyNames);
    const names = [...propertyNames(doc)];
    const withUnit = names.filter((n) => /[A-Z][a-z]B(?![a-z])/.test(n));
    expect(withUnit).toContain('sizeGiB');
    expect(Object.keys(listed).sort()).toEqual(withUnit.sort());
    for (const [n, py] of Object.entries(listed)) expect([n, py]).toEqual([n, pythonName(n)]);
    // No property's Python name has a one-letter word left from a split unit (size_gi_b).
    for (const py of Object.values(listed)) expect(py).not.toMatch(/(^|_)[a-z](_|$)/);
    // Two properties with one Python name would collide in an args class.
    const python = names.map((n) => listed[n] ?? pythonName(n));
    expect(new Set(python).size).toBe(python.length);
  });
});
