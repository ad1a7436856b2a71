// Pulumi's customTimeouts reach the dynamic provider's waits: the SDK passes the option as an input
// (Pulumi gives dynamic providers no timeouts of their own), the provider keeps it through
// create, read and delete. Against a real composer with no agent: staging never finishes.
import { makeDynamicProvider, TIMEOUTS_KEY } from '../../provider/pulumi/provider';
import { dynamicResourceProps } from '../../sdk/pulumi/runtime';
import { startComposerFixture, type ComposerFixture } from '../handlers/composer-fixture';

let fx: ComposerFixture;
const saved = { ...process.env };
beforeAll(async () => {
  fx = await startComposerFixture();
  process.env.TESSERA_ENDPOINT = fx.url;
  process.env.TESSERA_TOKEN = fx.token;
});
afterAll(async () => {
  process.env = saved;
  await fx?.close();
});

test('the SDK passes customTimeouts as an input, and only when given', () => {
  const props = dynamicResourceProps('tessera_slice', 'pulumi-nodejs:dynamic/tessera:Slice', 's', { cluster: 'c', sizeGiB: 1 }, { customTimeouts: { create: '90s' } });
  expect(props[TIMEOUTS_KEY]).toEqual({ create: '90s', update: undefined, delete: undefined });
  expect(dynamicResourceProps('tessera_slice', 'pulumi-nodejs:dynamic/tessera:Slice', 's', { cluster: 'c', sizeGiB: 1 }, {})[TIMEOUTS_KEY]).toBeUndefined();
});

test('check refuses a bad duration; create fails after customTimeouts.create naming the server; delete still has the timeouts', async () => {
  const cluster = makeDynamicProvider('tessera_cluster');
  const cl = await cluster.create({ name: 'ptmo', servers: ['k1'], owner: 'urn:test' });
  const slice = makeDynamicProvider('tessera_slice');
  const bad = await slice.check!({}, { cluster: cl.id, name: 'x', sizeGiB: 1, [TIMEOUTS_KEY]: { create: 'later' } });
  expect(bad.failures).toEqual([{ property: 'customTimeouts', reason: 'customTimeouts.create: "later" is not a duration (e.g. "90s", "20m", "1h30m")' }]);
  const checked = await slice.check!({}, { cluster: cl.id, name: 'never', sizeGiB: 2, server: 'k1', [TIMEOUTS_KEY]: { create: '1s', delete: '30s' } });
  expect(checked.failures).toEqual([]);
  expect(checked.inputs?.[TIMEOUTS_KEY]).toEqual({ create: '1s', delete: '30s' });
  const err = (await slice.create(checked.inputs!).catch((e) => e)) as Error;
  expect(err.message).toMatch(/^Slice slc-[0-9a-f]+: not staged on k1 after 1 s \(state pending\): the agent of k1 has not reported on it/);
  // The object exists (the next up adopts it); a read carries the timeouts for the delete.
  const id = /^Slice (slc-[0-9a-f]+)/.exec(err.message)![1];
  const read = await slice.read!(id, { [TIMEOUTS_KEY]: { delete: '30s' } });
  expect(read.props?.[TIMEOUTS_KEY]).toEqual({ delete: '30s' });
  await slice.delete!(id, read.props!);
  expect((await slice.read!(id, {})).id).toBe('');
  // As the engine does: with the state, which carries the owner (docs/api.md "Owners").
  await cluster.delete!(cl.id, cl.outs);
});
