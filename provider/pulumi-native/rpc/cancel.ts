// Cancel: the engine is shutting down (Ctrl-C): every wait for staging or release ends at once.
import { Empty } from 'google-protobuf/google/protobuf/empty_pb';
import type { NativeProvider } from '../server';

export function cancel(p: NativeProvider): Empty {
  p.log('cancel requested: ending the waits in progress');
  p.cancel();
  return new Empty();
}
