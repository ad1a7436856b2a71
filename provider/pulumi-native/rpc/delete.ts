// Delete: the handlers' delete with the owner from the state (the composer refuses another
// owner's object), then the wait for the release; a 404 from another composer than the one the
// state recorded is an error, not a deletion.
import { Empty } from 'google-protobuf/google/protobuf/empty_pb';
import type * as pb from '@pulumi/pulumi/proto/provider_pb';
import type { NativeProvider } from '../server';
import { decodeState, recordedComposer } from '../state';
import { timeoutOf } from './create';

export async function deleteResource(p: NativeProvider, req: pb.DeleteRequest): Promise<Empty> {
  const type = p.typeOf(req.getType());
  const state = decodeState(req.getProperties());
  await p.handler(type).delete(req.getId(), state.clean, { timeoutMs: timeoutOf(req.getTimeout()), signal: p.signal, expectComposer: recordedComposer(state.props) });
  return new Empty();
}
