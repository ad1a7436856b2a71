// A TCP fault proxy for tests and the chaos bench: sits between a client (the composer's etcd
// client) and a real server (an etcd member) on loopback and, on command, delays the bytes of
// either direction, swallows the server's replies and cuts connections. It works below gRPC, so
// the client sees what a slow or broken network does: deadlines that expire after the server
// applied a request, requests that arrive after the client gave up, connections that die with a
// request in flight. See docs/store.md ("Outcome unknown") for what the composer must do then.
import * as net from 'node:net';

export type FaultMode =
  /** Forward everything at once. */
  | { kind: 'pass' }
  /** Hold every chunk of the chosen direction(s) for ms before forwarding it (order kept). */
  | { kind: 'delay'; ms: number; direction: 'replies' | 'requests' | 'both' }
  /** Forward requests; swallow the next server reply and then cut that connection. */
  | { kind: 'drop-reply' }
  /** Forward the next request chunk, then cut the connection before any reply comes back. */
  | { kind: 'cut-after-request' };

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: give this to the client instead of the server's URL. */
  url: string;
  port: number;
  setMode(mode: FaultMode): void;
  mode(): FaultMode;
  /** Destroy every open connection (both sides), like a network partition's end. */
  cutAll(): void;
  /** How many connections were cut and replies swallowed so far. */
  stats(): { connections: number; cuts: number; droppedReplies: number; delayedChunks: number };
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  server: net.Socket;
  /** Chunks are forwarded in order per direction even when a delay changes in between. */
  toServer: Promise<void>;
  toClient: Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (an ephemeral port) that forwards to target `host:port`. */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let current: FaultMode = { kind: 'pass' };
  const pairs = new Set<Pair>();
  const counters = { connections: 0, cuts: 0, droppedReplies: 0, delayedChunks: 0 };
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

  const cut = (p: Pair) => {
    if (!pairs.delete(p)) return;
    counters.cuts++;
    p.client.destroy();
    p.server.destroy();
  };

  const delayFor = (dir: 'requests' | 'replies'): number => {
    if (current.kind !== 'delay') return 0;
    return current.direction === 'both' || current.direction === dir ? current.ms : 0;
  };

  /** Forward a chunk after the current delay of its direction, behind the chunks queued before it. */
  const relay = (p: Pair, queue: Promise<void>, dir: 'requests' | 'replies', to: net.Socket, chunk: Buffer): Promise<void> => {
    const ms = delayFor(dir);
    if (ms > 0) counters.delayedChunks++;
    return queue.then(async () => {
      if (ms > 0) await sleep(ms);
      if (pairs.has(p)) to.write(chunk);
    });
  };

  const server = net.createServer((client) => {
    counters.connections++;
    const upstream = net.connect(target.port, target.host);
    const p: Pair = { client, server: upstream, toServer: Promise.resolve(), toClient: Promise.resolve() };
    pairs.add(p);
    client.on('error', () => cut(p));
    upstream.on('error', () => cut(p));
    client.on('close', () => cut(p));
    upstream.on('close', () => cut(p));

    client.on('data', (chunk: Buffer) => {
      const mode = current;
      if (mode.kind === 'cut-after-request') {
        current = { kind: 'pass' };
        upstream.write(chunk, () => setImmediate(() => cut(p)));
        return;
      }
      p.toServer = relay(p, p.toServer, 'requests', upstream, chunk);
    });

    upstream.on('data', (chunk: Buffer) => {
      if (current.kind === 'drop-reply') {
        current = { kind: 'pass' };
        counters.droppedReplies++;
        cut(p);
        return;
      }
      p.toClient = relay(p, p.toClient, 'replies', client, chunk);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setMode: (mode) => {
      current = mode;
    },
    mode: () => current,
    cutAll: () => {
      for (const p of [...pairs]) cut(p);
    },
    stats: () => ({ ...counters }),
    close: async () => {
      for (const p of [...pairs]) cut(p);
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
