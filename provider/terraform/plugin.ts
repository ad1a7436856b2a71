// The go-plugin side of a Terraform/OpenTofu provider process: the magic-cookie check, protocol
// negotiation, a gRPC server on a unix socket with AutoMTLS, the health service, the controller's
// Shutdown, the broker and stdio streams the client opens, and the handshake line on stdout.
// Nothing but that line ever goes to stdout; logs go to stderr (the client collects them).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { assetDir } from '../assets';
import { makeServerCertificate } from './tls';

export const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
export const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
export const CORE_PROTOCOL_VERSION = 1;
export const APP_PROTOCOL_VERSION = 6;

const PROTO_DIR = assetDir('terraform', join(__dirname, 'proto'));

export const protoOptions: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: Number,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

/** Loaded package definitions, for the server here and for test clients. */
export function loadProtos(): grpc.GrpcObject {
  const def = protoLoader.loadSync(['tfplugin6.proto', 'goplugin.proto', 'health.proto'], protoOptions);
  return grpc.loadPackageDefinition(def);
}

export class HandshakeError extends Error {}

export interface PluginEnv {
  [name: string]: string | undefined;
}

/** The app protocol version both sides speak, or an error naming what the client offered. */
export function negotiateVersion(env: PluginEnv): number {
  const offered = (env.PLUGIN_PROTOCOL_VERSIONS ?? '')
    .split(',')
    .map((s) => Number.parseInt(s.trim(), 10))
    .filter((n) => Number.isInteger(n));
  if (!offered.includes(APP_PROTOCOL_VERSION)) {
    throw new HandshakeError(
      `PLUGIN_PROTOCOL_VERSIONS: this provider speaks protocol ${APP_PROTOCOL_VERSION}, the client offered ${offered.join(',') || 'none'} (Terraform >= 1.0 or OpenTofu is needed)`,
    );
  }
  return APP_PROTOCOL_VERSION;
}

export function checkMagicCookie(env: PluginEnv): void {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    throw new HandshakeError(
      'This binary is a plugin. These are not meant to be executed directly. Please execute the program that consumes these plugins, which will load any plugins automatically',
    );
  }
}

export interface ServeOptions {
  env: PluginEnv;
  /** Registers the provider's own service (tfplugin6.Provider). */
  register(server: grpc.Server, protos: grpc.GrpcObject): void;
  /** Called on the controller's Shutdown or SIGTERM, before the process exits. */
  onShutdown?(): Promise<void> | void;
  log(line: string): void;
  /** Writes the handshake line (process.stdout in the executable). */
  writeHandshake(line: string): void;
  exit(code: number): void;
}

export interface RunningPlugin {
  socketPath: string;
  shutdown(): Promise<void>;
}

function serviceOf(protos: grpc.GrpcObject, dotted: string): grpc.ServiceDefinition {
  let node: unknown = protos;
  for (const part of dotted.split('.')) node = (node as Record<string, unknown>)[part];
  return (node as { service: grpc.ServiceDefinition }).service;
}

export async function servePlugin(opts: ServeOptions): Promise<RunningPlugin> {
  checkMagicCookie(opts.env);
  const version = negotiateVersion(opts.env);
  const protos = loadProtos();
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 256 * 1024 * 1024, 'grpc.max_send_message_length': 256 * 1024 * 1024 });

  const socketDir = mkdtempSync(join(opts.env.PLUGIN_UNIX_SOCKET_DIR || tmpdir(), 'tessera-plugin-'));
  const socketPath = join(socketDir, 'provider.sock');
  let stopping: Promise<void> | undefined;
  // Streams the client keeps open (broker, stdio, health watch): ended on shutdown so the
  // server can stop at once instead of waiting for the client to hang up.
  const openStreams = new Set<{ end(): void }>();
  const track = (call: { end(): void; on(event: string, fn: () => void): unknown }) => {
    openStreams.add(call);
    const drop = () => openStreams.delete(call);
    call.on('cancelled', drop);
    call.on('close', drop);
    call.on('finish', drop);
  };

  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      opts.log('shutting down');
      try {
        await opts.onShutdown?.();
      } catch (e) {
        opts.log(`shutdown hook failed: ${(e as Error).message}`);
      }
      for (const call of openStreams) {
        try {
          call.end();
        } catch {
          /* already closed */
        }
      }
      openStreams.clear();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      rmSync(socketDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  server.addService(serviceOf(protos, 'grpc.health.v1.Health'), {
    Check(call: grpc.ServerUnaryCall<{ service: string }, unknown>, cb: grpc.sendUnaryData<unknown>) {
      const name = call.request.service;
      // "" is the server as a whole; "plugin" is what go-plugin's Ping asks for.
      if (name === '' || name === 'plugin') cb(null, { status: 1 });
      else cb(null, { status: 3 });
    },
    Watch(call: grpc.ServerWritableStream<{ service: string }, unknown>) {
      track(call);
      call.write({ status: call.request.service === '' || call.request.service === 'plugin' ? 1 : 3 });
    },
  });
  server.addService(serviceOf(protos, 'plugin.GRPCController'), {
    Shutdown(_call: unknown, cb: grpc.sendUnaryData<unknown>) {
      cb(null, {});
      // Answer first, then stop serving and leave.
      setImmediate(() => void shutdown().then(() => opts.exit(0)));
    },
  });
  server.addService(serviceOf(protos, 'plugin.GRPCBroker'), {
    // The provider serves no sub-plugins: keep the stream open and answer nothing until the
    // client closes it.
    StartStream(call: grpc.ServerDuplexStream<unknown, unknown>) {
      track(call);
      call.on('data', () => undefined);
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  });
  server.addService(serviceOf(protos, 'plugin.GRPCStdio'), {
    // Our stdout/stderr go straight to the client's pipes; nothing to relay here.
    StreamStdio(call: grpc.ServerWritableStream<unknown, unknown>) {
      track(call);
      call.on('cancelled', () => call.end());
    },
  });
  opts.register(server, protos);

  const clientCert = opts.env.PLUGIN_CLIENT_CERT;
  let creds: grpc.ServerCredentials;
  let certField = '';
  if (clientCert) {
    const cert = makeServerCertificate();
    creds = grpc.ServerCredentials.createSsl(
      Buffer.from(clientCert),
      [{ cert_chain: Buffer.from(cert.certPem), private_key: Buffer.from(cert.keyPem) }],
      true,
    );
    certField = cert.handshakeCert;
  } else {
    // Without AutoMTLS (a client that disabled it) the socket is plain, as go-plugin does.
    creds = grpc.ServerCredentials.createInsecure();
  }
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix://${socketPath}`, creds, (err) => (err ? reject(err) : resolve()));
  });

  opts.writeHandshake(`${CORE_PROTOCOL_VERSION}|${version}|unix|${socketPath}|grpc|${certField}\n`);
  opts.log(`serving tfplugin${version} on ${socketPath}${clientCert ? ' with mTLS' : ''}`);
  return { socketPath, shutdown };
}
