// The DynamicValue codec against cty's msgpack wire rules, byte for byte where cty fixes them.
import { decode, encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import {
  CodecError,
  type CtyType,
  type CtyValue,
  containsUnknown,
  decodeDynamicValue,
  encodeValue,
  fromJson,
  isUnknown,
  unknown,
} from '../../provider/terraform/cty';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const roundTrip = (v: CtyValue, t: CtyType) => decodeDynamicValue({ msgpack: Buffer.from(encodeValue(v, t)) }, t);

describe('cty msgpack codec', () => {
  test('null is nil, unknown is extension 0 (fixext1), as cty writes them', () => {
    expect(hex(encodeValue(null, 'string'))).toBe('c0');
    expect(hex(encodeValue(unknown, 'string'))).toBe('d40000');
    expect(hex(encodeValue(unknown, ['list', 'string']))).toBe('d40000');
  });

  test('any extension type decodes as unknown, including refined unknowns (type 12)', () => {
    for (const bytes of ['d40000', 'd40c00', 'c70000', 'c7030c810102']) {
      expect(isUnknown(decodeDynamicValue({ msgpack: Buffer.from(bytes, 'hex') }, 'string'))).toBe(true);
    }
    const obj = Buffer.from(encode({ a: 'x', b: null }));
    // Splice an unknown into attribute b: {a: "x", b: <ext 12>}
    const withUnknown = Buffer.concat([obj.subarray(0, obj.length - 1), Buffer.from('c7010c00', 'hex')]);
    expect(decodeDynamicValue({ msgpack: withUnknown }, ['object', { a: 'string', b: 'number' }])).toEqual({ a: 'x', b: unknown });
  });

  test('primitives: strings, integers, floats, big integers as strings, bools', () => {
    expect(roundTrip('héllo', 'string')).toBe('héllo');
    expect(roundTrip(42, 'number')).toBe(42);
    expect(roundTrip(-7, 'number')).toBe(-7);
    expect(roundTrip(1.5, 'number')).toBe(1.5);
    expect(roundTrip(true, 'bool')).toBe(true);
    expect(roundTrip(false, 'bool')).toBe(false);
    expect(hex(encodeValue(2 ** 60, 'number'))).toBe(hex(encode('1152921504606846976')));
    // cty may send a number as a decimal string
    expect(decodeDynamicValue({ msgpack: Buffer.from(encode('12345')) }, 'number')).toBe(12345);
    expect(() => decodeDynamicValue({ msgpack: Buffer.from(encode('twelve')) }, 'number')).toThrow(CodecError);
  });

  test('collections: list, set, map, tuple, nested objects', () => {
    expect(roundTrip(['a', 'b'], ['list', 'string'])).toEqual(['a', 'b']);
    expect(roundTrip([1, 2, 3], ['set', 'number'])).toEqual([1, 2, 3]);
    expect(roundTrip({ x: true, y: false }, ['map', 'bool'])).toEqual({ x: true, y: false });
    expect(roundTrip(['a', 1, true], ['tuple', ['string', 'number', 'bool']])).toEqual(['a', 1, true]);
    const t: CtyType = ['list', ['object', { serial: 'string', size_gib: 'number', tags: ['set', 'string'] }]];
    expect(roundTrip([{ serial: 's1', size_gib: 10, tags: ['a'] }, { serial: 's2', size_gib: unknown, tags: null }], t)).toEqual([
      { serial: 's1', size_gib: 10, tags: ['a'] },
      { serial: 's2', size_gib: unknown, tags: null },
    ]);
    expect(roundTrip([], ['list', 'string'])).toEqual([]);
    expect(roundTrip({}, ['map', 'string'])).toEqual({});
  });

  test('objects carry every attribute: missing ones are encoded as nil and decoded as null', () => {
    const t: CtyType = ['object', { a: 'string', b: 'number', c: ['list', 'string'] }];
    const bytes = encodeValue({ a: 'x' }, t);
    expect(hex(bytes)).toBe(hex(encode({ a: 'x', b: null, c: null })));
    expect(decodeDynamicValue({ msgpack: Buffer.from(encode({ a: 'x' })) }, t)).toEqual({ a: 'x', b: null, c: null });
    expect(() => encodeValue({ a: 'x', zzz: 1 }, t)).toThrow(/zzz: unexpected attribute/);
  });

  test('dynamic values travel as [type JSON, value]', () => {
    const bytes = encodeValue({ n: 1, s: ['x'] }, 'dynamic');
    const raw = decode(bytes) as [Uint8Array, unknown];
    expect(JSON.parse(Buffer.from(raw[0]).toString())).toEqual(['object', { n: 'number', s: ['tuple', ['string']] }]);
    expect(roundTrip({ n: 1, s: ['x'] }, 'dynamic')).toEqual({ n: 1, s: ['x'] });
    const sent = encode([Buffer.from(JSON.stringify(['list', 'number'])), [1, 2]]);
    expect(decodeDynamicValue({ msgpack: Buffer.from(sent) }, 'dynamic')).toEqual([1, 2]);
  });

  test('type errors name the path', () => {
    const t: CtyType = ['object', { members: ['list', ['object', { size: 'number' }]] }];
    expect(() => encodeValue({ members: [{ size: 'big' }] }, t)).toThrow('members[0].size: expected a finite number');
    expect(() => decodeDynamicValue({ msgpack: Buffer.from(encode({ members: [{ size: true }] })) }, t)).toThrow('members[0].size: expected a number');
  });

  test('JSON fallback when msgpack is empty; JSON cannot carry unknowns; empty is null', () => {
    const t: CtyType = ['object', { a: 'string', b: ['map', 'number'] }];
    expect(decodeDynamicValue({ msgpack: Buffer.alloc(0), json: Buffer.from('{"a":"x","b":{"k":1}}') }, t)).toEqual({ a: 'x', b: { k: 1 } });
    expect(decodeDynamicValue({ json: Buffer.from('null') }, t)).toBeNull();
    expect(decodeDynamicValue({}, t)).toBeNull();
    expect(decodeDynamicValue(undefined, t)).toBeNull();
    expect(fromJson({ a: 'y' }, t)).toEqual({ a: 'y', b: null });
  });

  test('containsUnknown looks inside collections', () => {
    expect(containsUnknown({ a: [1, { b: unknown }] })).toBe(true);
    expect(containsUnknown({ a: [1, { b: null }] })).toBe(false);
    expect(JSON.stringify({ v: unknown })).toBe('{"v":"(known after apply)"}');
  });

  test('property: any value of a random type round-trips, unknowns included', () => {
    const leaf = fc.constantFrom<CtyType>('string', 'number', 'bool');
    const typeArb: fc.Arbitrary<CtyType> = fc.letrec<{ t: CtyType }>((tie) => ({
      t: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        tie('t').map((e) => ['list', e] as CtyType),
        tie('t').map((e) => ['map', e] as CtyType),
        fc.dictionary(fc.stringMatching(/^[a-z_]{1,6}$/), tie('t'), { maxKeys: 3 }).map((o) => ['object', o] as CtyType),
      ),
    })).t;
    const valueOf = (t: CtyType): fc.Arbitrary<CtyValue> => {
      const base: fc.Arbitrary<CtyValue> =
        t === 'string'
          ? fc.string()
          : t === 'number'
            ? fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)))
            : t === 'bool'
              ? fc.boolean()
              : t[0] === 'list'
                ? fc.array(valueOf(t[1] as CtyType), { maxLength: 3 })
                : t[0] === 'map'
                  ? fc.dictionary(fc.string({ maxLength: 4 }).filter((k) => k !== '__proto__'), valueOf(t[1] as CtyType), { maxKeys: 3 })
                  : fc.record(Object.fromEntries(Object.entries(t[1] as Record<string, CtyType>).map(([k, at]) => [k, valueOf(at)])));
      return fc.oneof({ weight: 6, arbitrary: base }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constant<CtyValue>(unknown) });
    };
    fc.assert(
      fc.property(
        typeArb.chain((t) => valueOf(t).map((v) => [t, v] as const)),
        ([t, v]) => {
          expect(roundTrip(v, t)).toEqual(v);
        },
      ),
      { numRuns: 300 },
    );
  });
});
