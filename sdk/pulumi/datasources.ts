// Data sources for Pulumi programs: the pool's capacity for given volume options (the CSI
// GetCapacity meaning) and an inventory summary, read from the composer with the same
// endpoint/token settings as the resources (stack config tessera:endpoint / secret
// tessera:token, else TESSERA_ENDPOINT / TESSERA_TOKEN).
import * as pulumi from '@pulumi/pulumi';
import { connectionFromEnv, readDataSource } from '../../provider/handlers';
import type { DataSourceType } from '../../provider/schema';
import type { GetCapacityArgs, GetCapacityResult, GetInventoryResult } from './types.generated';

export interface DataSourceOptions {
  /** Override the composer URL (otherwise stack config, then TESSERA_ENDPOINT). */
  endpoint?: string;
  /** Override the token (otherwise secret stack config, then TESSERA_TOKEN). */
  token?: pulumi.Input<string>;
}

function read<T>(type: DataSourceType, args: Record<string, unknown>, opts: DataSourceOptions): pulumi.Output<T> {
  const config = new pulumi.Config('tessera');
  const endpoint = opts.endpoint ?? config.get('endpoint');
  // The token only travels to the composer: unwrap it so the answer is not marked secret.
  const token = pulumi.unsecret(pulumi.output(opts.token ?? config.getSecret('token') ?? ''));
  return token.apply(async (t) => (await readDataSource(type, args, connectionFromEnv({ endpoint, token: t || undefined }))) as T);
}

/** Available capacity and the largest volume that would be placed now with these options. */
export function getCapacity(args: GetCapacityArgs = {}, opts: DataSourceOptions = {}): pulumi.Output<GetCapacityResult> {
  return read<GetCapacityResult>('tessera_capacity', { ...args }, opts);
}

/** Storage groups, enclosure and drive counts, servers. */
export function getInventory(opts: DataSourceOptions = {}): pulumi.Output<GetInventoryResult> {
  return read<GetInventoryResult>('tessera_inventory', {}, opts);
}
