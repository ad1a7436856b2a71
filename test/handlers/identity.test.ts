// Composer identity: created with the store and kept across restarts, another for another store,
// sent on every answer; providers that recorded it refuse to read a 404 from a different
// composer as a deletion. Two real composers (SQLite files), real HTTP.
import { COMPOSER_ID_HEADER } from '../../provider/api/contract';
import { ComposerError, handlersFor, IDENTITY_CODES } from '../../provider/handlers';
import { COMPOSER_KEY, makeDynamicProvider } from '../../provider/pulumi/provider';
import { LAB_INVENTORY, OPERATOR_TOKEN, startTestComposer, tempDir, type TestComposer } from '../helpers/composer';
import * as path from 'node:path';
import * as fs from 'node:fs';

let a: TestComposer;
let b: TestComposer;
let dirA: string;
beforeAll(async () => {
  dirA = tempDir();
  a = await startTestComposer({ inventory: LAB_INVENTORY, dbFile: path.join(dirA, 'a.db'), log: () => undefined });
  b = await startTestComposer({ inventory: LAB_INVENTORY, log: () => undefined });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  fs.rmSync(dirA, { recursive: true, force: true });
});

test('each store has its own identity, kept across a restart, sent on every answer (problems too)', async () => {
  expect(a.composer.identity).toMatch(/^cmp-[0-9a-f]{16}$/);
  expect(b.composer.identity).toMatch(/^cmp-[0-9a-f]{16}$/);
  expect(a.composer.identity).not.toBe(b.composer.identity);
  const ok = await fetch(`${a.url}/v1/clusters`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
  expect(ok.headers.get(COMPOSER_ID_HEADER)).toBe(a.composer.identity);
  const missing = await fetch(`${a.url}/v1/volumes/vol-000000000000`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
  expect(missing.status).toBe(404);
  expect(missing.headers.get(COMPOSER_ID_HEADER)).toBe(a.composer.identity);
  const id = a.composer.identity;
  await a.close();
  a = await startTestComposer({ inventory: false, dbFile: path.join(dirA, 'a.db'), log: () => undefined });
  expect(a.composer.identity).toBe(id);
});

test('a 404 from another composer is an error naming both identities; from the same one it is a deletion', async () => {
  const onA = handlersFor({ endpoint: a.url, token: OPERATOR_TOKEN });
  const cl = await onA.tessera_cluster.create({ name: 'ident', servers: ['k1'] }, 'o');
  expect(onA.tessera_cluster.composerId).toBe(a.composer.identity);
  const recorded = a.composer.identity;
  const onB = handlersFor({ endpoint: b.url, token: OPERATOR_TOKEN });
  const err = (await onB.tessera_cluster.read(cl.id, { expectComposer: recorded }).catch((e) => e)) as ComposerError;
  expect(err).toBeInstanceOf(ComposerError);
  expect(err.code).toBe(IDENTITY_CODES.composerMismatch);
  expect(err.message).toContain(`not found on composer ${b.composer.identity}`);
  expect(err.message).toContain(`the state records it on composer ${recorded}`);
  // Delete is refused the same way (it would otherwise "succeed" on the wrong composer).
  await expect(onB.tessera_cluster.delete(cl.id, cl.outputs, { expectComposer: recorded })).rejects.toMatchObject({ code: IDENTITY_CODES.composerMismatch });
  // Without a recorded identity (state from before it existed) a 404 stays a deletion.
  expect(await onB.tessera_cluster.read(cl.id)).toBeUndefined();
  // On the right composer: present, then really deleted.
  expect(await onA.tessera_cluster.read(cl.id, { expectComposer: recorded })).toMatchObject({ name: 'ident' });
  await onA.tessera_cluster.delete(cl.id, cl.outputs, { expectComposer: recorded });
  expect(await onA.tessera_cluster.read(cl.id, { expectComposer: recorded })).toBeUndefined();
});

test('the Pulumi provider records the identity in the outputs; refresh against another composer fails instead of dropping', async () => {
  const saved = { ...process.env };
  try {
    process.env.TESSERA_ENDPOINT = a.url;
    process.env.TESSERA_TOKEN = OPERATOR_TOKEN;
    const onA = makeDynamicProvider('tessera_cluster');
    const made = await onA.create({ name: 'pident', servers: ['k1'], owner: 'urn:x' });
    expect(made.outs[COMPOSER_KEY]).toBe(a.composer.identity);
    const read = await onA.read!(made.id, made.outs);
    expect(read.props?.[COMPOSER_KEY]).toBe(a.composer.identity);
    process.env.TESSERA_ENDPOINT = b.url;
    const onB = makeDynamicProvider('tessera_cluster');
    await expect(onB.read!(made.id, made.outs)).rejects.toThrow(/not found on composer cmp-[0-9a-f]+ .*records it on composer cmp-/);
    await expect(onB.delete!(made.id, made.outs)).rejects.toThrow(/composer/);
    await onA.delete!(made.id, made.outs);
    expect((await onA.read!(made.id, made.outs)).id).toBe('');
  } finally {
    process.env = saved;
  }
});
