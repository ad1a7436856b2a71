// getCapacity / getInventory from a Pulumi program (runtime mocked: no resources are registered
// by these calls) against a real composer, with the endpoint and token from the stack config.
import * as pulumi from '@pulumi/pulumi';
import { startComposerFixture, ComposerFixture } from '../handlers/composer-fixture';

pulumi.runtime.setMocks({ newResource: () => ({ id: 'x', state: {} }), call: () => ({}) }, 'p', 's', false);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tessera = require('../../sdk') as typeof import('../../sdk');

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe('Pulumi data sources', () => {
  let fx: ComposerFixture;
  beforeAll(async () => {
    fx = await startComposerFixture();
    pulumi.runtime.setAllConfig({ 'tessera:endpoint': fx.url, 'tessera:token': fx.token }, ['tessera:token']);
  });
  afterAll(async () => fx?.close());

  it('getInventory reads the pool summary with the stack config', async () => {
    const inv = tessera.getInventory();
    expect(await value(inv)).toMatchObject({ storageGroups: ['sg-1', 'sg-2'], enclosureCount: 4, driveCount: 48 });
    expect(await pulumi.isSecret(inv)).toBe(false);
  });

  it('getCapacity answers the largest volume that would succeed, with defaults applied', async () => {
    const single = await value(tessera.getCapacity({ type: 'ssd', striping: false }));
    expect(single).toMatchObject({ type: 'ssd', striping: false, redundancy: false, maximumVolumeSizeGiB: 1788 });
    const striped = await value(tessera.getCapacity({ type: 'ssd' }));
    expect(striped.maximumVolumeSizeGiB).toBeGreaterThan(1788);
    expect(striped.availableGiB).toBe(24 * 1788);
  });

  it('explicit options win over the stack config', async () => {
    // A second composer with its own token: mixing either setting with the stack config's would be 401.
    const other = await startComposerFixture();
    try {
      const cap = await value(tessera.getCapacity({ type: 'slice' }, { endpoint: other.url, token: other.token }));
      expect(cap).toMatchObject({ type: 'slice', availableGiB: 24 * 1788 });
    } finally {
      await other.close();
    }
  });
});
