// A Terraform-like client for the provider executable: starts bin/terraform-provider-tessera with
// the environment go-plugin sets (magic cookie, protocol versions, client certificate), reads the
// handshake line, dials the unix socket with mutual TLS pinned to the certificate in that line,
// and calls tfplugin6 RPCs. Values are encoded with the types from GetProviderSchema's answer.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { loadProtos } from '../../provider/terraform/plugin';
import { makeServerCertificate } from '../../provider/terraform/tls';
import { type CtyType, type CtyValue, decodeDynamicValue, encodeDynamicValue } from '../../provider/terraform/cty';

export const PROVIDER_BIN = join(__dirname, '..', '..', 'bin', 'terraform-provider-tessera');
const COOKIE = { TF_PLUGIN_MAGIC_COOKIE: 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2' };

export interface Handshake {
  core: number;
  version: number;
  network: string;
  address: string;
  protocol: string;
  cert: string;
}

export function parseHandshake(line: string): Handshake {
  const [core, version, network, address, protocol, cert] = line.trim().split('|');
  return { core: Number(core), version: Number(version), network, address, protocol, cert: cert ?? '' };
}

/** base64 (no padding) DER from the handshake line -> PEM (Node parses it, as go-plugin's client does). */
export function derToPem(b64: string): string {
  return new X509Certificate(Buffer.from(b64, 'base64')).toString();
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  versions?: string;
  cookie?: boolean;
  mtls?: boolean;
}

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the executable until it exits (for handshake failures). */
export function runToExit(opts: StartOptions = {}, timeoutMs = 30_000): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROVIDER_BIN, [], { env: buildEnv(opts), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`provider did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function buildEnv(opts: StartOptions, clientCertPem?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR };
  if (opts.cookie !== false) Object.assign(env, COOKIE);
  env.PLUGIN_PROTOCOL_VERSIONS = opts.versions ?? '5,6';
  if (clientCertPem) env.PLUGIN_CLIENT_CERT = clientCertPem;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

type Rpc = (req: unknown, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

export interface SchemaTypes {
  provider: CtyType;
  resources: Record<string, CtyType>;
  dataSources: Record<string, CtyType>;
  raw: Record<string, unknown>;
}

interface BlockMsg {
  attributes: { name: string; type: Buffer }[];
  block_types?: { type_name: string; nesting: string | number; block: BlockMsg }[];
}

/** The object type Terraform implies for a block: its attributes, and a SINGLE nested block as an object. */
function impliedType(block: BlockMsg): CtyType {
  const attrs: Record<string, CtyType> = {};
  for (const a of block.attributes) attrs[a.name] = JSON.parse(Buffer.from(a.type).toString('utf8')) as CtyType;
  for (const nb of block.block_types ?? []) {
    if (nb.nesting !== 'SINGLE' && nb.nesting !== 1) throw new Error(`harness: nesting ${nb.nesting} of ${nb.type_name} is not supported`);
    attrs[nb.type_name] = impliedType(nb.block);
  }
  return ['object', attrs];
}

function blockType(schemaMsg: { block: BlockMsg }): CtyType {
  return impliedType(schemaMsg.block);
}

export class ProviderProcess {
  readonly stderrLines: string[] = [];
  readonly streams: grpc.Client[] = [];
  private schemaTypes?: SchemaTypes;

  private constructor(
    readonly child: ChildProcess,
    readonly handshake: Handshake,
    readonly handshakeLine: string,
    private readonly provider: grpc.Client,
    private readonly health: grpc.Client,
    private readonly controller: grpc.Client,
  ) {}

  static async start(opts: StartOptions = {}): Promise<ProviderProcess> {
    const clientCert = opts.mtls === false ? undefined : makeServerCertificate();
    const child = spawn(PROVIDER_BIN, [], { env: buildEnv(opts, clientCert?.certPem), stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    child.stderr!.on('data', (d: Buffer) => stderr.push(...d.toString().split('\n').filter(Boolean)));
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`no handshake within 30 s; stderr: ${stderr.join('\n')}`)), 30_000);
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const nl = buf.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(buf.slice(0, nl + 1));
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`provider exited (${code}) before the handshake; stderr: ${stderr.join('\n')}`));
      });
    });
    const hs = parseHandshake(line);
    const creds = clientCert
      ? grpc.credentials.createSsl(Buffer.from(derToPem(hs.cert)), Buffer.from(clientCert.keyPem), Buffer.from(clientCert.certPem))
      : grpc.credentials.createInsecure();
    const options = { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost', 'grpc.max_receive_message_length': 64 << 20 };
    const protos = loadProtos();
    const ns = (p: string): grpc.ServiceClientConstructor => {
      let n: unknown = protos;
      for (const part of p.split('.')) n = (n as Record<string, unknown>)[part];
      return n as grpc.ServiceClientConstructor;
    };
    const target = `unix://${hs.address}`;
    const pp = new ProviderProcess(
      child,
      hs,
      line,
      new (ns('tfplugin6.Provider'))(target, creds, options),
      new (ns('grpc.health.v1.Health'))(target, creds, options),
      new (ns('plugin.GRPCController'))(target, creds, options),
    );
    // go-plugin's client opens the broker and stdio streams right after connecting.
    pp.streams.push(new (ns('plugin.GRPCBroker'))(target, creds, options), new (ns('plugin.GRPCStdio'))(target, creds, options));
    const broker = (pp.streams[0] as unknown as { StartStream(): grpc.ClientDuplexStream<unknown, unknown> }).StartStream();
    const stdio = (pp.streams[1] as unknown as { StreamStdio(req: unknown): grpc.ClientReadableStream<unknown> }).StreamStdio({});
    for (const st of [broker, stdio]) {
      st.on('data', () => undefined);
      st.on('error', () => undefined);
    }
    pp.stderrLines.push(...stderr);
    child.stderr!.on('data', (d: Buffer) => pp.stderrLines.push(...d.toString().split('\n').filter(Boolean)));
    return pp;
  }

  private invoke<T>(client: grpc.Client, method: string, req: unknown): Promise<T> {
    const fn = (client as unknown as Record<string, Rpc>)[method].bind(client);
    return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res as T))));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call<T = any>(method: string, req: unknown = {}): Promise<T> {
    return this.invoke<T>(this.provider, method, req);
  }

  healthCheck(service: string): Promise<{ status: number }> {
    return this.invoke(this.health, 'Check', { service });
  }

  shutdownViaController(): Promise<unknown> {
    return this.invoke(this.controller, 'Shutdown', {});
  }

  async types(): Promise<SchemaTypes> {
    if (this.schemaTypes) return this.schemaTypes;
    const res = await this.call('GetProviderSchema', {});
    const resources: Record<string, CtyType> = {};
    for (const [k, v] of Object.entries(res.resource_schemas)) resources[k] = blockType(v as never);
    const dataSources: Record<string, CtyType> = {};
    for (const [k, v] of Object.entries(res.data_source_schemas)) dataSources[k] = blockType(v as never);
    this.schemaTypes = { provider: blockType(res.provider), resources, dataSources, raw: res };
    return this.schemaTypes;
  }

  async dv(type: string, value: CtyValue): Promise<{ msgpack: Buffer }> {
    const t = await this.types();
    return encodeDynamicValue(value, t.resources[type] ?? t.dataSources[type] ?? t.provider);
  }

  async value(type: string, dv: { msgpack?: Buffer; json?: Buffer } | null): Promise<CtyValue> {
    const t = await this.types();
    return decodeDynamicValue(dv, t.resources[type] ?? t.dataSources[type] ?? t.provider);
  }

  /** A full object of a resource type: every attribute null except the given ones. */
  async object(type: string, attrs: Record<string, CtyValue>): Promise<Record<string, CtyValue>> {
    const t = (await this.types()).resources[type] ?? (await this.types()).dataSources[type] ?? (await this.types()).provider;
    const names = Object.keys((t as ['object', Record<string, CtyType>])[1]);
    const out: Record<string, CtyValue> = {};
    for (const n of names) out[n] = attrs[n] ?? null;
    for (const k of Object.keys(attrs)) if (!names.includes(k)) throw new Error(`${type} has no attribute ${k}`);
    return out;
  }

  exited(): Promise<number | null> {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Stop like Terraform: the controller's Shutdown, then a kill if it lingers. */
  async stop(): Promise<void> {
    const done = this.exited();
    try {
      await this.shutdownViaController();
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
    this.provider.close();
    this.health.close();
    this.controller.close();
    for (const c of this.streams) c.close();
  }
}
