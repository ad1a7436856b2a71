// Steps the Pulumi acceptance-matrix scenarios share (test/e2e/pulumi-matrix.test.ts on the
// dynamic provider, the YAML matrix of test/e2e/pulumi-native.test.ts on the native one).
import type { ComposerClient } from '../../provider/client';

/** The objects of a matrix program a step touches, by composer id. */
export interface MatrixIds {
  volId: string;
  journalId: string;
  sideId: string;
  keysId: string;
}

/**
 * Drift changed out of band, by an operator through the REST API: the volume and the slice moved
 * back to k1, the side cluster's servers set to k2 alone, the key rotated. Returns once the moved
 * ones are staged again, so the refresh that follows reads a settled composer.
 */
export async function driftOutOfBand(client: ComposerClient, ids: MatrixIds, staged: (path: string) => Promise<unknown>): Promise<void> {
  await client.request('PATCH', `/v1/volumes/${ids.volId}`, { body: { server: 'k1' } });
  await client.request('PATCH', `/v1/slices/${ids.journalId}`, { body: { server: 'k1' } });
  await client.request('PATCH', `/v1/clusters/${ids.sideId}`, { body: { servers: ['k2'] } });
  await client.request('PATCH', `/v1/key-policies/${ids.keysId}`, { body: { secret: 'rotated out of band by an operator' } });
  await staged(`/v1/volumes/${ids.volId}`);
  await staged(`/v1/slices/${ids.journalId}`);
}
