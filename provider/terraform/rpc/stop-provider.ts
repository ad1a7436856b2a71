// StopProvider: the client is done with this process (Ctrl-C): waits for the agent end at once.
import type { TesseraProvider } from '../server';

export function stopProvider(p: TesseraProvider): unknown {
  p.stop();
  return { Error: '' };
}
