// Invoke: the data sources as functions (tessera:index:getCapacity, getInventory): inputs
// validated against schema.json, read from this provider's composer.
import * as pb from '@pulumi/pulumi/proto/provider_pb';
import { readDataSource } from '../../handlers';
import { DATA_SOURCE_OF_TOKEN } from '../package-schema';
import { ProtocolError, type NativeProvider } from '../server';
import { decode, encode } from '../values';

export async function invoke(p: NativeProvider, req: pb.InvokeRequest): Promise<pb.InvokeResponse> {
  const type = DATA_SOURCE_OF_TOKEN.get(req.getTok());
  if (!type) throw new ProtocolError(`unknown function ${req.getTok()} (known: ${[...DATA_SOURCE_OF_TOKEN.keys()].join(', ')})`);
  const out = await readDataSource(type, decode(req.getArgs()).props, p.connection());
  return new pb.InvokeResponse().setReturn(encode(out));
}
