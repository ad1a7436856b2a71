// The CSI gRPC server on a unix socket (docs/csi.md): Identity plus the Controller or the Node
// service. Each RPC handler is an async method; a thrown CsiError becomes its status, anything
// else INTERNAL. Requests are never logged (their `secrets` fields carry key policy secrets);
// a log line names the RPC, the status code and the message only.
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { unary, type Unary } from '../grpc/unary';
import { csiServices } from './proto';
import { CsiError } from './errors';

export type Handlers = Record<string, (req: never) => Promise<unknown>>;

/** `unix:///path` or `unix:/path` or a plain path -> the socket path (the file is replaced). */
export function socketPath(endpoint: string): string {
  const m = /^unix:\/\/(\/.+)$/.exec(endpoint) ?? /^unix:(\/.+)$/.exec(endpoint) ?? /^(\/.+)$/.exec(endpoint);
  if (!m) throw new Error(`--endpoint: must be unix:///absolute/path, got "${endpoint}"`);
  return m[1];
}

function wrap(name: string, fn: (req: never) => Promise<unknown>, log: (line: string) => void): Unary {
  return unary(fn, (err) => {
    const code = err instanceof CsiError ? err.code : grpc.status.INTERNAL;
    const message = (err as Error)?.message ?? String(err);
    log(JSON.stringify({ level: code === grpc.status.INTERNAL ? 'error' : 'info', rpc: name, code: grpc.status[code], message }));
    return { status: code, details: message };
  });
}

function implementation(handlers: object, log: (line: string) => void): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  let proto = Object.getPrototypeOf(handlers) as object;
  const names = new Set<string>();
  while (proto && proto !== Object.prototype) {
    for (const n of Object.getOwnPropertyNames(proto)) if (/^[A-Z]/.test(n)) names.add(n);
    proto = Object.getPrototypeOf(proto) as object;
  }
  for (const n of names) {
    const fn = (handlers as Handlers)[n].bind(handlers);
    impl[n] = wrap(n, fn, log);
  }
  return impl;
}

export interface CsiServer {
  readonly socket: string;
  close(): Promise<void>;
}

export async function startCsiServer(o: { endpoint: string; identity: object; controller?: object; node?: object; log?: (line: string) => void }): Promise<CsiServer> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const socket = socketPath(o.endpoint);
  fs.rmSync(socket, { force: true });
  const services = csiServices();
  const server = new grpc.Server();
  server.addService(services.Identity.service, implementation(o.identity, log));
  if (o.controller) server.addService(services.Controller.service, implementation(o.controller, log));
  if (o.node) server.addService(services.Node.service, implementation(o.node, log));
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  fs.chmodSync(socket, 0o600);
  return {
    socket,
    close: () =>
      new Promise<void>((resolve) => {
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          clearTimeout(force);
          fs.rmSync(socket, { force: true });
          resolve();
        };
        // In-flight RPCs get 5 s (a NodeStage waiting for the agent), then the server stops anyway.
        // close resolves on the forced stop itself rather than on tryShutdown's callback, which
        // waits for the listener's close event: a driver's shutdown must not hang on a connection.
        const force = setTimeout(() => {
          server.forceShutdown();
          finish();
        }, 5000);
        server.tryShutdown(finish);
      }),
  };
}
