// What every machine-to-composer channel facade shares (the agent's today, an enclosure's next):
// the channel's endpoints over TLS only unless insecureDev (it carries keys and the machine's
// token, docs/agent.md "Key channel"), routes under one base path, fewer and quicker attempts
// than the providers' (the daemon's own loops retry on top), and errors prefixed with what was
// being done. A new channel is a subclass naming its base path and its calls.
import { secureEndpoints } from './endpoints';
import { ComposerError } from './errors';
import { Transport, type Method, type RequestOptions, type RetryPolicy } from './transport';

export interface ChannelConnection {
  /** Composer URL(s): `https://c1:7420`, or several HA replicas separated by commas. */
  composer: string;
  /** The machine's token (its role scoped to its name). Never logged. */
  token: string;
  /** PEM of a private CA trusted for the composer's certificate, besides the system roots. */
  ca?: string;
  /** PEM client certificate and key, for a composer (or a proxy in front of it) that asks for one. */
  cert?: string;
  key?: string;
  /** Allow `http://` composers: keys then cross the network in clear. Development labs only. */
  insecureDev?: boolean;
  /** Attempts per request (the daemon's loops retry on top of this); default 3. */
  retry?: RetryPolicy;
}

/** Few, quick attempts: a daemon's register, poll and report loops retry on their own. */
export const CHANNEL_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200, maxDelayMs: 2000 };

/** Per-attempt timeout of a channel call unless the call says otherwise. */
const CHANNEL_TIMEOUT_MS = 15_000;

export abstract class ChannelClient {
  protected readonly transport: Transport;
  /** True when some endpoint is plain http (only possible with insecureDev). */
  readonly plainHttp: boolean;

  /** `carries` says what crosses the channel, for the refusal of a plain-http composer. */
  protected constructor(c: ChannelConnection, carries: string) {
    const endpoints = secureEndpoints(c.composer, 'composer', carries, c.insecureDev);
    this.plainHttp = endpoints.some((e) => e.startsWith('http:'));
    this.transport = new Transport({ endpoint: endpoints.join(','), token: c.token, ca: c.ca, cert: c.cert, key: c.key, retry: c.retry ?? CHANNEL_RETRY }, endpoints);
  }

  /** The endpoint requests go to now (the leader once a standby has named it). */
  get endpoint(): string {
    return this.transport.endpoint;
  }

  /** One call; a failure's message starts with `what` (e.g. "register k1: ..."). */
  protected async call<T>(what: string, method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
    try {
      return (await this.transport.request<T>(method, path, { timeoutMs: CHANNEL_TIMEOUT_MS, ...opts })).data;
    } catch (e) {
      if (e instanceof ComposerError) throw new ComposerError(`${what}: ${e.message}`, e.status, e.code, e.fieldErrors);
      throw e;
    }
  }
}
