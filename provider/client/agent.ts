// The agent's facade over the transport: the composer's agent channel (provider/api/contract.ts,
// docs/agent.md). Register, heartbeat, long-poll assignments, report observed state, fetch volume
// keys. Only over TLS unless insecureDev (provider/client/channel.ts); the token goes in the
// Authorization header only; key responses are decoded to Buffers and never logged.
import type { AgentFacts, AssignmentsResponse, Inventory, ObservedState, ServerStatus, VolumeKey } from '../api/contract';
import { API_PREFIX } from '../api/contract';
import type { KeySource, VolumeKeyMaterial } from '../agent/keys';
import { ChannelClient, type ChannelConnection } from './channel';
import { secureEndpoints } from './endpoints';

export interface AgentConnection extends ChannelConnection {
  /** The server this agent speaks for. */
  server: string;
}

const CARRIES = 'the agent fetches LUKS keys and sends its token';

/**
 * The composer endpoints an agent may use: http(s) URLs, and https only unless `insecureDev`.
 * Throws a ComposerError (code bad_config) naming the `composer` setting and the plain URL.
 */
export function agentEndpoints(composer: string, insecureDev = false): string[] {
  return secureEndpoints(composer, 'composer', CARRIES, insecureDev);
}

export class AgentClient extends ChannelClient implements KeySource {
  private readonly base: string;
  private readonly server: string;

  constructor(c: AgentConnection) {
    super(c, CARRIES);
    this.server = c.server;
    this.base = `${API_PREFIX}/agents/${encodeURIComponent(c.server)}`;
  }

  register(facts: AgentFacts): Promise<ServerStatus> {
    return this.call(`register ${this.server}`, 'POST', `${this.base}/register`, { body: facts });
  }

  async heartbeat(): Promise<void> {
    await this.call(`heartbeat ${this.server}`, 'POST', `${this.base}/heartbeat`);
  }

  /** Long poll: returns when the server's assignments change past `since`, or after waitSeconds. */
  assignments(since: number | undefined, waitSeconds: number, signal?: AbortSignal): Promise<AssignmentsResponse> {
    return this.call(`assignments of ${this.server}`, 'GET', `${this.base}/assignments`, {
      query: { waitSeconds, since },
      signal,
      timeoutMs: (waitSeconds + 15) * 1000,
    });
  }

  async report(volumeId: string, state: ObservedState): Promise<void> {
    await this.call(`status of ${volumeId}`, 'PUT', `${this.base}/status/${encodeURIComponent(volumeId)}`, { body: state });
  }

  async get(volumeId: string, version?: number): Promise<VolumeKeyMaterial> {
    const k = await this.call<VolumeKey>(`key of ${volumeId}${version === undefined ? '' : ` version ${version}`}`, 'GET', `${this.base}/keys/${encodeURIComponent(volumeId)}`, {
      query: { version },
    });
    return { version: k.version, cipher: k.cipher, keySizeBits: k.keySizeBits, key: Buffer.from(k.key, 'base64') };
  }

  inventory(): Promise<Inventory> {
    return this.call('inventory', 'GET', `${API_PREFIX}/inventory`, { timeoutMs: 60_000 });
  }
}
