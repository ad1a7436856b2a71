// The bounds schema.json declares (max, maxLength, maxItems; docs/schema-format.md) and the
// validator that enforces them for every front end: every input is bounded, integers JSON or
// JavaScript cannot hold exactly are refused, and a sensitive attribute's value never appears in
// a failure, whatever its type.
import { AttributeSpec, AttributeType, FieldFailure, isInput, schema, validateInput, validateProviderConfig } from '../../provider/schema';

type Row = [string, string, AttributeSpec];

const blocks: [string, Record<string, AttributeSpec>][] = [
  ['provider', schema.provider.attributes],
  ...Object.entries(schema.resources).map(([t, b]): [string, Record<string, AttributeSpec>] => [t, b.attributes]),
  ...Object.entries(schema.dataSources).map(([t, b]): [string, Record<string, AttributeSpec>] => [t, b.attributes]),
];
// `owner` is computed for users but set by the providers through the API, so it is an input too.
const inputs: Row[] = blocks.flatMap(([block, attrs]) =>
  Object.entries(attrs)
    .filter(([name, a]) => isInput(a) || name === 'owner')
    .map(([name, a]): Row => [block, name, a]),
);

/** What bounds a value of type `t` under `a` is missing (an `allowed` list bounds a scalar on its own). */
function unbounded(t: AttributeType, a: AttributeSpec): string[] {
  if (typeof t === 'object' && 'list' in t) return [...(a.maxItems === undefined ? ['maxItems'] : []), ...unbounded(t.list, a)];
  if (a.allowed) return [];
  if (t === 'integer') return a.max === undefined ? ['max'] : [];
  if (t === 'string') return a.maxLength === undefined ? ['maxLength'] : [];
  if (t === 'boolean') return [];
  return ['an object input has no bounds format'];
}

function reasons(failures: FieldFailure[]): Record<string, string> {
  return Object.fromEntries(failures.map((f) => [f.field, f.reason]));
}

describe('schema.json bounds every input', () => {
  test.each(inputs)('%s.%s', (_block, _name, a) => {
    expect(unbounded(a.type, a)).toEqual([]);
  });

  test('sizes in GiB stop at 1 PiB, RAID at a handful of drives', () => {
    const vol = schema.resources.tessera_volume.attributes;
    for (const f of ['sizeGiB', 'minVolumeSize', 'maxVolumeSize']) expect(vol[f].max).toBe(1_048_576);
    expect(vol.raidMaxDrives.max).toBeLessThanOrEqual(64);
  });
});

describe('integers', () => {
  const base = { cluster: 'c1', name: 'v', sizeGiB: 10 };

  test.each([
    ['minVolumeSize', 1e300, 'must be <= 1048576, got 1e+300'],
    ['maxVolumeSize', 2 ** 53 + 1, 'must be <= 1048576, got 9007199254740992'],
    ['sizeGiB', 1_048_577, 'must be <= 1048576, got 1048577'],
    ['rpm', -1e300, 'must be >= 1, got -1e+300'],
  ])('%s = %d is refused with the bound', (field, value, reason) => {
    const { failures } = validateInput('tessera_volume', { ...base, [field]: value });
    expect(reasons(failures)[field]).toBe(reason);
  });

  test('the upper bounds themselves are accepted', () => {
    const { failures } = validateInput('tessera_volume', { ...base, sizeGiB: 1_048_576, minVolumeSize: 1, maxVolumeSize: 1_048_576 });
    expect(failures).toEqual([]);
  });

  test('integers without their own range still stop at 2^53-1 (no silent rounding)', () => {
    const spec = schema.resources.tessera_key_policy.attributes.secretWoVersion;
    expect(spec.max).toBeDefined();
    // Every bounded attribute lies within the exactly representable range, so the rule holds everywhere.
    for (const [, , a] of inputs) if (a.max !== undefined) expect(Number.isSafeInteger(a.max)).toBe(true);
    const { failures } = validateInput('tessera_key_policy', { name: 'k', secretWo: 'x'.repeat(16), secretWoVersion: 2 ** 53 });
    expect(reasons(failures).secretWoVersion).toMatch(/^must be <= \d+, got 9007199254740992$/);
  });
});

describe('lists and strings', () => {
  test('10,000 tags: one failure naming the field and the limit, not one per element', () => {
    const tags = Array.from({ length: 10_000 }, (_, i) => `t${i}`);
    const { failures } = validateInput('tessera_volume', { cluster: 'c1', name: 'v', sizeGiB: 10, requiredTags: tags });
    expect(failures).toEqual([{ field: 'requiredTags', reason: `must have at most ${schema.resources.tessera_volume.attributes.requiredTags.maxItems} items, got 10000` }]);
  });

  test('every list attribute enforces its maxItems', () => {
    for (const [block, name, a] of inputs) {
      if (typeof a.type !== 'object' || !('list' in a.type) || block === 'provider') continue;
      const n = a.maxItems! + 1;
      const items = a.allowed ? Array.from({ length: n }, (_, i) => a.allowed![i % a.allowed!.length]) : Array.from({ length: n }, (_, i) => `x${i}`);
      const { failures } = validateInput(block, { [name]: items }, { mode: 'update' });
      expect(failures).toContainEqual({ field: name, reason: `must have at most ${a.maxItems} items, got ${n}` });
    }
  });

  test('an element over maxLength names the element', () => {
    const max = schema.resources.tessera_slice.attributes.storageGroup.maxLength!;
    const { failures } = validateInput('tessera_slice', { storageGroup: ['sg-a', 'g'.repeat(max + 1)] }, { mode: 'update' });
    expect(failures).toEqual([{ field: 'storageGroup[1]', reason: `must be at most ${max} characters, got ${max + 1}` }]);
  });

  test('every string attribute enforces its maxLength, counting characters (code points)', () => {
    for (const [block, name, a] of inputs) {
      if (a.type !== 'string' || a.allowed || block === 'provider') continue;
      const { failures } = validateInput(block, { [name]: 'x'.repeat(a.maxLength! + 1) }, { mode: 'update' });
      expect(reasons(failures)[name]).toMatch(new RegExp(`must be at most ${a.maxLength} characters, got ${a.maxLength! + 1}`));
    }
    // An emoji is one character (two UTF-16 code units).
    const emoji = '\u{1F600}'.repeat(schema.resources.tessera_key_policy.attributes.secret.maxLength!);
    expect(validateInput('tessera_key_policy', { secret: emoji }, { mode: 'update' }).failures).toEqual([]);
  });

  test('owner, set by the providers, is bounded too', () => {
    const { failures } = validateInput('tessera_cluster', { name: 'c', owner: 'u'.repeat(5000) });
    expect(reasons(failures).owner).toMatch(/^must be at most \d+ characters, got 5000$/);
    expect(validateInput('tessera_cluster', { name: 'c', owner: 42 }).failures).toContainEqual({ field: 'owner', reason: 'must be a string, got 42' });
  });
});

describe('provider configuration', () => {
  test('endpoint and token are checked against schema.json, the token never shown', () => {
    expect(validateProviderConfig({ endpoint: 'http://127.0.0.1:7420', token: 'x'.repeat(64) })).toEqual([]);
    expect(validateProviderConfig({ endpoint: `http://${'h'.repeat(3000)}` })).toEqual([{ field: 'endpoint', reason: 'must be at most 2048 characters, got 3007' }]);
    expect(validateProviderConfig({ endpoint: 'ftp://x' })).toEqual([{ field: 'endpoint', reason: '"ftp://x" does not match ^https?://' }]);
    const token = 'secret-token-'.repeat(100);
    expect(validateProviderConfig({ token })).toEqual([{ field: 'token', reason: 'must be at most 1024 characters, got 1300' }]);
    expect(validateProviderConfig({ token: [token] })).toEqual([{ field: 'token', reason: 'must be a string, got a list' }]);
  });
});

describe('sensitive attributes never echo their value', () => {
  const SECRET = 'correct-horse-battery-staple';
  test.each([
    ['a list', [SECRET], 'must be a string, got a list'],
    ['an object', { value: SECRET }, 'must be a string, got an object'],
    ['a number', 123456789012345, 'must be a string, got a number'],
    ['a boolean', true, 'must be a string, got a boolean'],
  ])('secret given as %s', (_what, value, reason) => {
    for (const field of ['secret', 'secretWo']) {
      const { failures } = validateInput('tessera_key_policy', { name: 'k', [field]: value, secretWoVersion: 1 });
      expect(reasons(failures)[field]).toBe(reason);
      expect(JSON.stringify(failures)).not.toContain(SECRET);
      expect(JSON.stringify(failures)).not.toContain('123456789012345');
    }
  });

  test('too long: the length, not the value', () => {
    const long = SECRET.repeat(100);
    const { failures } = validateInput('tessera_key_policy', { name: 'k', secret: long });
    expect(reasons(failures).secret).toMatch(/^must be at most \d+ characters, got 2800$/);
    expect(JSON.stringify(failures)).not.toContain(SECRET);
  });

  test('non-sensitive type mismatches still show (a short form of) the value', () => {
    const { failures } = validateInput('tessera_volume', { cluster: 'c1', name: 'v', sizeGiB: '10', server: ['k1'] });
    expect(reasons(failures)).toMatchObject({ sizeGiB: 'must be an integer, got "10"', server: 'must be a string, got ["k1"]' });
    const big = validateInput('tessera_volume', { cluster: 'c1', name: 'v', sizeGiB: 1, server: { x: 'y'.repeat(10_000) } }).failures;
    expect(reasons(big).server.length).toBeLessThan(200);
  });

  test('Object.prototype names are unknown attributes for every caller (providers validate without the HTTP layer)', () => {
    const input = JSON.parse('{"cluster":"c1","name":"v","sizeGiB":1,"__proto__":{"x":1},"constructor":"y","toString":"z"}');
    const { failures } = validateInput('tessera_volume', input);
    expect(Object.keys(reasons(failures)).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    for (const f of failures) expect(f.reason).toMatch(/^unknown attribute/);
  });
});
