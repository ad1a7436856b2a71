// StopProvider: the client is done with this process.
import type { TesseraProvider } from '../server';

export function stopProvider(p: TesseraProvider): unknown {
  p.state.stopped = true;
  return { Error: '' };
}
