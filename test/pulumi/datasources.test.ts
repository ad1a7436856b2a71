// getCapacity / getInventory from a Pulumi program (runtime mocked: no resources are registered
// by these calls) against a real composer, with the endpoint and token from the stack config.
// Every Output is awaited through settle(): a failed data source rejects all of its Output's
// promises, and any left unawaited would fail the suite as unhandled rejections.
import * as pulumi from '@pulumi/pulumi';
import { ComposerError } from '../../provider/handlers';
import { startComposerFixture, ComposerFixture } from '../handlers/composer-fixture';
import { drainRegistrations, settle, valueOf } from './outputs';

pulumi.runtime.setMocks({ newResource: () => ({ id: 'x', state: {} }), call: () => ({}) }, 'p', 's', false);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tessera = require('../../sdk') as typeof import('../../sdk');

describe('Pulumi data sources', () => {
  let fx: ComposerFixture;
  beforeAll(async () => {
    fx = await startComposerFixture();
    pulumi.runtime.setAllConfig({ 'tessera:endpoint': fx.url, 'tessera:token': fx.token }, ['tessera:token']);
  });
  afterEach(drainRegistrations);
  afterAll(async () => fx?.close());

  it('getInventory reads the pool summary with the stack config', async () => {
    const inv = await settle(tessera.getInventory());
    expect(inv.value).toMatchObject({ storageGroups: ['sg-1', 'sg-2'], enclosureCount: 4, driveCount: 48 });
    expect(inv.isSecret).toBe(false);
  });

  it('getCapacity answers the largest volume that would succeed, with defaults applied', async () => {
    const single = await valueOf(tessera.getCapacity({ type: 'ssd', striping: false }));
    expect(single).toMatchObject({ type: 'ssd', striping: false, redundancy: false, maximumVolumeSizeGiB: 1788 });
    const striped = await valueOf(tessera.getCapacity({ type: 'ssd' }));
    expect(striped.maximumVolumeSizeGiB).toBeGreaterThan(1788);
    expect(striped.availableGiB).toBe(24 * 1788);
  });

  it('explicit options win over the stack config', async () => {
    // A second composer with its own token: mixing either setting with the stack config's would be 401.
    const other = await startComposerFixture();
    try {
      const cap = await valueOf(tessera.getCapacity({ type: 'slice' }, { endpoint: other.url, token: other.token }));
      expect(cap).toMatchObject({ type: 'slice', availableGiB: 24 * 1788 });
    } finally {
      await other.close();
    }
  });

  it('a wrong token fails the Output with a clear error that does not show the token', async () => {
    const failed = settle(tessera.getInventory({ token: 'wrong-token-0123456789' }));
    await expect(failed).rejects.toThrow(ComposerError);
    await expect(failed).rejects.toMatchObject({ status: 401, code: 'unauthorized', message: expect.stringMatching(/^GET \/v1\/inventory\/summary: unauthorized: /) });
    await expect(failed).rejects.toHaveProperty('message', expect.not.stringContaining('wrong-token'));
  });

  it('invalid arguments fail the Output naming the field, before any request', async () => {
    const failed = settle(tessera.getCapacity({ type: 'tape' as 'ssd' }));
    await expect(failed).rejects.toMatchObject({ status: 422, code: 'validation_failed', message: expect.stringMatching(/^tessera_capacity: type: /) });
  });
});
