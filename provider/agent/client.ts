// The agent's side of the composer's agent channel (provider/api/contract.ts). Requests go
// through the composer client the providers use (provider/handlers/client.ts: its retry policy,
// leader following restricted to the configured endpoints, a private CA), and only over TLS:
// this channel carries LUKS keys and the agent's token, so a plain `http://` composer is refused
// unless the agent runs with `insecureDev` (docs/agent.md, "Key channel"). The token goes in the
// Authorization header only; key responses are decoded to Buffers and never logged.
import type { AgentFacts, AssignmentsResponse, Inventory, ObservedState, ServerStatus, VolumeKey } from '../api/contract';
import { API_PREFIX } from '../api/contract';
import { ComposerClient as HttpClient, parseEndpoints } from '../handlers/client';
import { ComposerError } from '../handlers/types';
import type { KeySource, VolumeKeyMaterial } from './keys';

export { ComposerError };

export interface AgentConnection {
  /** Composer URL(s): `https://c1:7420`, or several HA replicas separated by commas. */
  composer: string;
  /** The agent token (role agent, scoped to `server`). Never logged. */
  token: string;
  /** The server this agent speaks for. */
  server: string;
  /** PEM of a private CA trusted for the composer's certificate, besides the system roots. */
  ca?: string;
  /** PEM client certificate and key, for a composer (or a proxy in front of it) that asks for one. */
  cert?: string;
  key?: string;
  /** Allow `http://` composers: keys then cross the network in clear. Development labs only. */
  insecureDev?: boolean;
  /** Attempts per request (the daemon's loops retry on top of this); default 3. */
  retry?: { attempts: number; baseDelayMs: number; maxDelayMs: number };
}

/** Few, quick attempts: register, poll and report are retried by the daemon's own loops. */
const AGENT_RETRY = { attempts: 3, baseDelayMs: 200, maxDelayMs: 2000 };

/**
 * The composer endpoints an agent may use: http(s) URLs, and https only unless `insecureDev`.
 * Throws a ComposerError (code bad_config) naming the `composer` setting and the plain URL.
 */
export function agentEndpoints(composer: string, insecureDev = false): string[] {
  const endpoints = parseEndpoints(composer, 'composer', '');
  const plain = endpoints.find((e) => e.startsWith('http:'));
  if (plain && !insecureDev) {
    throw new ComposerError(
      `composer: ${plain} is plain HTTP; the agent fetches LUKS keys and sends its token over this channel, so it must be https:// (trust a private CA with --ca-file); --insecure-dev allows http for a development lab`,
      0,
      'bad_config',
    );
  }
  return endpoints;
}

export class ComposerClient implements KeySource {
  private readonly http: HttpClient;
  private readonly base: string;
  private readonly server: string;
  /** True when some endpoint is plain http (only possible with insecureDev). */
  readonly plainHttp: boolean;

  constructor(c: AgentConnection) {
    this.server = c.server;
    this.base = `${API_PREFIX}/agents/${encodeURIComponent(c.server)}`;
    const endpoints = agentEndpoints(c.composer, c.insecureDev);
    this.plainHttp = endpoints.some((e) => e.startsWith('http:'));
    this.http = new HttpClient({ endpoint: endpoints.join(','), token: c.token, ca: c.ca, cert: c.cert, key: c.key, retry: c.retry ?? AGENT_RETRY });
  }

  /** The endpoint requests go to now (the leader once a standby has named it). */
  get endpoint(): string {
    return this.http.endpoint;
  }

  private async call<T>(what: string, method: 'GET' | 'POST' | 'PUT', path: string, opts: Parameters<HttpClient['request']>[2] = {}): Promise<T> {
    try {
      return (await this.http.request<T>(method, path, { timeoutMs: 15_000, ...opts })).data;
    } catch (e) {
      if (e instanceof ComposerError) throw new ComposerError(`${what}: ${e.message}`, e.status, e.code, e.fieldErrors);
      throw e;
    }
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
