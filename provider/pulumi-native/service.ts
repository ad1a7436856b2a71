// The pulumirpc.ResourceProvider service: routes each gRPC call to its file under rpc/ and
// turns what they throw into a gRPC status the engine shows under the resource. What is not
// implemented here (Handshake, Parameterize, Call, List, Attach, GetMapping(s))
// is answered UNIMPLEMENTED by grpc-js, which the engine handles as "not supported".
import * as grpc from '@grpc/grpc-js';
import { unary, type Unary } from '../grpc/unary';
import { cancel } from './rpc/cancel';
import { check } from './rpc/check';
import { checkConfig } from './rpc/check-config';
import { configure } from './rpc/configure';
import { construct } from './rpc/construct';
import { create } from './rpc/create';
import { deleteResource } from './rpc/delete';
import { diff } from './rpc/diff';
import { diffConfig } from './rpc/diff-config';
import { getPluginInfo } from './rpc/get-plugin-info';
import { getSchema } from './rpc/get-schema';
import { invoke } from './rpc/invoke';
import { read } from './rpc/read';
import { update } from './rpc/update';
import { type NativeProvider, ProtocolError } from './server';

/** The method table for grpc-js (keys as the generated service definition names them). */
export function providerService(p: NativeProvider): Record<string, Unary> {
  const wrap = (name: string, fn: (req: never) => unknown): Unary =>
    unary(fn, (e) => {
      const message = (e as Error)?.message ?? String(e);
      // Messages name fields and reasons only: the handlers never put a secret in one.
      p.log(`${name}: ${message}`);
      return { status: e instanceof ProtocolError ? grpc.status.INVALID_ARGUMENT : grpc.status.UNKNOWN, details: message };
    });
  return {
    getSchema: wrap('GetSchema', (r) => getSchema(r)),
    checkConfig: wrap('CheckConfig', (r) => checkConfig(r)),
    diffConfig: wrap('DiffConfig', (r) => diffConfig(r)),
    configure: wrap('Configure', (r) => configure(p, r)),
    invoke: wrap('Invoke', (r) => invoke(p, r)),
    construct: wrap('Construct', (r) => construct(r)),
    check: wrap('Check', (r) => check(p, r)),
    diff: wrap('Diff', (r) => diff(p, r)),
    create: wrap('Create', (r) => create(p, r)),
    read: wrap('Read', (r) => read(p, r)),
    update: wrap('Update', (r) => update(p, r)),
    delete: wrap('Delete', (r) => deleteResource(p, r)),
    cancel: wrap('Cancel', () => cancel(p)),
    getPluginInfo: wrap('GetPluginInfo', () => getPluginInfo()),
  };
}
