// pulumi-resource-tessera: the native Pulumi provider plugin the engine starts. The protocol
// (docs/pulumi.md "The native provider"): the engine runs the executable with its own gRPC
// address as the argument; the plugin serves pulumirpc.ResourceProvider on a local port and
// prints that port as the first line of stdout. Nothing else goes to stdout; logs go to
// stderr, and warnings for a resource through the engine's Log RPC.
import * as grpc from '@grpc/grpc-js';
import * as engineRpc from '@pulumi/pulumi/proto/engine_grpc_pb';
import * as enginePb from '@pulumi/pulumi/proto/engine_pb';
import * as providerRpc from '@pulumi/pulumi/proto/provider_grpc_pb';
import { type EngineLog, NativeProvider } from './server';
import { providerService } from './service';

function log(line: string): void {
  process.stderr.write(`[pulumi-resource-tessera] ${line}\n`);
}

/** The engine's address among the arguments (flags such as --logtostderr or -v=9 come first). */
export function engineAddress(argv: string[]): string | undefined {
  return argv.filter((a) => !a.startsWith('-')).find((a) => /^[^\s/]+:\d+$/.test(a));
}

const SEVERITY = { debug: enginePb.LogSeverity.DEBUG, info: enginePb.LogSeverity.INFO, warning: enginePb.LogSeverity.WARNING, error: enginePb.LogSeverity.ERROR };

function engineLogger(address: string | undefined): EngineLog {
  const client = address ? new engineRpc.EngineClient(address, grpc.credentials.createInsecure()) : undefined;
  return (severity, message, urn) =>
    new Promise((resolve) => {
      if (!client) {
        log(`${severity}: ${message}`);
        return resolve();
      }
      const req = new enginePb.LogRequest().setSeverity(SEVERITY[severity]).setMessage(message).setUrn(urn ?? '');
      client.log(req, (err) => {
        if (err) log(`${severity}: ${message}`);
        resolve();
      });
    });
}

async function main(): Promise<void> {
  // Libraries must never write to stdout: its first line is the port.
  console.log = (...args: unknown[]) => log(args.map(String).join(' '));
  console.info = console.log;
  const provider = new NativeProvider(process.env, log, engineLogger(engineAddress(process.argv.slice(2))));
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 256 * 1024 * 1024, 'grpc.max_send_message_length': 256 * 1024 * 1024 });
  server.addService(providerRpc.ResourceProviderService, providerService(provider) as unknown as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  // Installed before the port goes out: the engine may signal as soon as it has read it.
  // The engine starts each plugin in a process group of its own (a Ctrl-C in the user's terminal
  // reaches the CLI, which answers it with Cancel), and when it is done with the plugin it sends
  // that group SIGINT, then SIGKILL 5 s later. So SIGINT, like SIGTERM, means "shut down now": a
  // plugin that waited for the SIGKILL added 5 s to every pulumi command (docs/pulumi.md).
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // In-flight calls (there should be none: the engine closed its connection first) get 1 s.
    const force = setTimeout(() => {
      log(`${signal}: calls still running after 1 s; stopping anyway`);
      server.forceShutdown();
      process.exit(0);
    }, 1000);
    force.unref();
    server.tryShutdown(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.stdout.write(`${port}\n`);
}

if (require.main === module) {
  main().catch((e: Error) => {
    log(`fatal: ${e.stack ?? e.message}`);
    process.exit(1);
  });
}
