// The operation registry (provider/composer/operations/): every journal entry a type writes is
// resumed by that same type, and no (resource, kind) pair has two types.
import { OPERATION_KINDS } from '../../provider/api/contract';
import { OPERATION_TYPES, operationRegistry } from '../../provider/composer/operations';
import { OperationRegistry } from '../../provider/composer/operations/registry';
import type { StoredOperation } from '../../provider/composer/state';

const entry = (resource: string, kind: string) => ({ id: 'op-x', resource, kind, objectId: 'x', state: 'pending', startedAt: '' }) as StoredOperation;

test('each type answers for every (resource, kind) it registers, and only one type does', () => {
  const r = operationRegistry();
  for (const t of OPERATION_TYPES) {
    expect(OPERATION_KINDS).toContain(t.kind);
    for (const res of t.resources) expect(r.typeOf(entry(res, t.kind))).toBe(t);
  }
  const pairs = OPERATION_TYPES.flatMap((t) => t.resources.map((res) => `${res}:${t.kind}`));
  expect(new Set(pairs).size).toBe(pairs.length);
  // An entry no type writes (an older composer's) has no type: the lifecycle ends it by its recipe.
  expect(r.typeOf(entry('clusters', 'purge'))).toBeUndefined();
});

test('a second type for the same (resource, kind) is refused at registration', () => {
  const r = new OperationRegistry();
  r.register(OPERATION_TYPES[0]);
  expect(() => r.register({ ...OPERATION_TYPES[0], name: 'copy' })).toThrow(/registered twice/);
});
