// terraform-provider-tessera: the process Terraform/OpenTofu starts. Everything it prints
// before and after the handshake line goes to stderr (the client logs it); stdout carries the
// handshake line alone.
import * as grpc from '@grpc/grpc-js';
import { handlersFor } from '../handlers';
import { HandshakeError, servePlugin } from './plugin';
import { providerService, TesseraProvider } from './provider';

function log(line: string): void {
  process.stderr.write(`[tessera-provider] ${line}\n`);
}

async function main(): Promise<void> {
  // Libraries must never write to stdout: it is the handshake channel.
  console.log = (...args: unknown[]) => log(args.map(String).join(' '));
  console.info = console.log;
  const provider = new TesseraProvider((conn, signal) => handlersFor(conn, { log, signal }), process.env, log);
  // go-plugin clients forward an interrupt to the whole process group and then stop plugins
  // through the controller; an interrupt alone must not kill a provider mid-apply.
  process.on('SIGINT', () => log('interrupt received; waiting for the client to stop the provider'));
  const running = await servePlugin({
    env: process.env,
    register(server: grpc.Server, protos: grpc.GrpcObject) {
      const svc = ((protos.tfplugin6 as grpc.GrpcObject).Provider as grpc.ServiceClientConstructor).service;
      server.addService(svc, providerService(provider, log) as unknown as grpc.UntypedServiceImplementation);
    },
    log,
    writeHandshake: (line) => process.stdout.write(line),
    exit: (code) => process.exit(code),
  });
  process.on('SIGTERM', () => void running.shutdown().then(() => process.exit(0)));
}

main().catch((e: Error) => {
  if (e instanceof HandshakeError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  log(`fatal: ${e.stack ?? e.message}`);
  process.exit(1);
});
