// What the tfplugin6 RPCs share: the provider's configuration (the composer connection, the
// client's capabilities) and the resource handlers built for it. Each RPC lives in its own file
// under rpc/ and takes this server as its first argument (provider.ts routes the calls).
import { type ConnectionConfig, type ResourceHandler } from '../handlers';
import { ProtocolError } from './diagnostics';

/** Builds the handlers for a connection; `signal` aborts when the client stops the provider. */
export type HandlerFactory = (conn: ConnectionConfig, signal: AbortSignal) => Record<string, ResourceHandler>;

export interface ProviderState {
  /** Undefined until ConfigureProvider, and while the endpoint is unknown (plans then skip feasibility). */
  conn?: ConnectionConfig;
  writeOnlyAllowed: boolean;
  stopped: boolean;
}

export class TesseraProvider {
  readonly state: ProviderState = { writeOnlyAllowed: false, stopped: false };
  private handlers?: Record<string, ResourceHandler>;
  /** StopProvider aborts it: waits for the agent end at once (docs/terraform.md "Timeouts"). */
  private readonly stopping = new AbortController();

  constructor(
    private readonly makeHandlers: HandlerFactory,
    readonly env: Record<string, string | undefined>,
    readonly log: (line: string) => void,
  ) {}

  /** Point the provider at a composer (or at none): handlers are rebuilt on first use. */
  connect(conn: ConnectionConfig | undefined): void {
    this.state.conn = conn;
    this.handlers = undefined;
  }

  /** The client is done with this process (StopProvider): cancel what is waiting. */
  stop(): void {
    this.state.stopped = true;
    this.stopping.abort();
  }

  handler(typeName: string): ResourceHandler {
    if (!this.state.conn) throw new ProtocolError('the provider is not configured (ConfigureProvider was not called)');
    this.handlers ??= this.makeHandlers(this.state.conn, this.stopping.signal);
    const h = this.handlers[typeName];
    if (!h) throw new ProtocolError(`no handler for ${typeName}`);
    return h;
  }
}
