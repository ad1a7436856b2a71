// What the tfplugin6 RPCs share: the provider's configuration (the composer connection, the
// client's capabilities) and the resource handlers built for it. Each RPC lives in its own file
// under rpc/ and takes this server as its first argument (provider.ts routes the calls).
import { type ConnectionConfig, type ResourceHandler } from '../handlers';
import { ProtocolError } from './diagnostics';

export type HandlerFactory = (conn: ConnectionConfig) => Record<string, ResourceHandler>;

export interface ProviderState {
  /** Undefined until ConfigureProvider, and while the endpoint is unknown (plans then skip feasibility). */
  conn?: ConnectionConfig;
  writeOnlyAllowed: boolean;
  stopped: boolean;
}

export class TesseraProvider {
  readonly state: ProviderState = { writeOnlyAllowed: false, stopped: false };
  private handlers?: Record<string, ResourceHandler>;

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

  handler(typeName: string): ResourceHandler {
    if (!this.state.conn) throw new ProtocolError('the provider is not configured (ConfigureProvider was not called)');
    this.handlers ??= this.makeHandlers(this.state.conn);
    const h = this.handlers[typeName];
    if (!h) throw new ProtocolError(`no handler for ${typeName}`);
    return h;
  }
}
