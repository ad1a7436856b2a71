// What the pulumirpc.ResourceProvider RPCs share: this provider instance's connection (from
// Configure: endpoint and token of its provider resource, so two explicit providers in one
// stack are two processes with two connections), the handlers built for it, the cancel signal,
// and the engine's log. Each RPC lives in its own file under rpc/ (service.ts routes them).
import { connectionFromEnv, type ConnectionConfig, handlersFor, type SchemaResourceHandler } from '../handlers';
import { RESOURCE_OF_TOKEN } from './package-schema';

/** A message in the engine's log for one resource (`pulumi up` shows warnings under it). */
export type EngineLog = (severity: 'debug' | 'info' | 'warning' | 'error', message: string, urn?: string) => Promise<void>;

/**
 * The outputs key holding the composer identity that holds the object (the same key as the
 * dynamic provider's, provider/pulumi/provider.ts): a 404 from another composer is an error,
 * not a deletion (docs/pulumi.md "Composer identity").
 */
export const COMPOSER_KEY = '__composer';

export class ProtocolError extends Error {}

export class NativeProvider {
  private conn?: ConnectionConfig;
  private handlers?: Record<string, SchemaResourceHandler>;
  /** Cancel aborts it: waits for staging or release end at once. */
  private readonly cancelling = new AbortController();

  constructor(
    readonly env: Record<string, string | undefined>,
    readonly log: (line: string) => void,
    readonly engineLog: EngineLog,
  ) {}

  get configured(): boolean {
    return this.conn !== undefined;
  }

  get signal(): AbortSignal {
    return this.cancelling.signal;
  }

  /** Point the provider at a composer: endpoint and token given, else their environment variables. */
  connect(explicit: { endpoint?: string; token?: string }): ConnectionConfig {
    this.conn = connectionFromEnv(explicit, this.env as NodeJS.ProcessEnv);
    this.handlers = undefined;
    return this.conn;
  }

  connection(): ConnectionConfig {
    if (!this.conn) throw new ProtocolError('the tessera provider is not configured (Configure was not called)');
    return this.conn;
  }

  cancel(): void {
    this.cancelling.abort();
  }

  /** The resource type (tessera_volume) of a token (tessera:index:Volume), or a clear error. */
  typeOf(token: string): string {
    const t = RESOURCE_OF_TOKEN.get(token);
    if (!t) throw new ProtocolError(`unknown resource type ${token} (known: ${[...RESOURCE_OF_TOKEN.keys()].join(', ')})`);
    return t;
  }

  handler(type: string): SchemaResourceHandler {
    const conn = this.connection();
    this.handlers ??= handlersFor(conn, { log: this.env.TESSERA_DEBUG ? this.log : undefined, signal: this.cancelling.signal });
    const h = this.handlers[type];
    if (!h) throw new ProtocolError(`no handler for ${type}`);
    return h;
  }
}

