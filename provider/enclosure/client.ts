// The enclosure service's side of the composer's enclosure channel (routes and messages: provider/api/wire.json),
// through the providers' composer client (provider/handlers/client.ts: retries, leader following
// only among the configured endpoints, a private CA). The token rides in the Authorization
// header only, so a plain `http://` composer is refused unless `insecureDev` (development labs).
import { API_PREFIX } from '../api/contract';
import type { EnclosureAssignments, EnclosureFacts, EnclosureReport, EnclosureStatus } from '../api/contract';
import { ComposerClient as HttpClient, parseEndpoints } from '../handlers/client';
import { ComposerError } from '../handlers/types';

export { ComposerError };

export interface EnclosureConnection {
  /** Composer URL(s): `https://c1:7420`, or several HA replicas separated by commas. */
  composer: string;
  /** The enclosure token (role enclosure, scoped to `enclosure`). Never logged. */
  token: string;
  enclosure: string;
  ca?: string;
  cert?: string;
  key?: string;
  insecureDev?: boolean;
}

/** The endpoints an enclosure service may use; throws a ComposerError naming `composer` for a plain URL. */
export function enclosureEndpoints(composer: string, insecureDev = false): string[] {
  const endpoints = parseEndpoints(composer, 'composer', '');
  const plain = endpoints.find((e) => e.startsWith('http:'));
  if (plain && !insecureDev)
    throw new ComposerError(`composer: ${plain} is plain HTTP; the enclosure token would cross the network in clear, so it must be https:// (trust a private CA with --ca-file); --insecure-dev allows http for a development lab`, 0, 'bad_config');
  return endpoints;
}

export class EnclosureClient {
  private readonly http: HttpClient;
  private readonly base: string;
  readonly plainHttp: boolean;

  constructor(private readonly c: EnclosureConnection) {
    const endpoints = enclosureEndpoints(c.composer, c.insecureDev);
    this.plainHttp = endpoints.some((e) => e.startsWith('http:'));
    this.base = `${API_PREFIX}/enclosures/${encodeURIComponent(c.enclosure)}`;
    this.http = new HttpClient({ endpoint: endpoints.join(','), token: c.token, ca: c.ca, cert: c.cert, key: c.key, retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 2000 } });
  }

  private async call<T>(what: string, method: 'GET' | 'POST' | 'PUT', path: string, opts: Parameters<HttpClient['request']>[2] = {}): Promise<T> {
    try {
      return (await this.http.request<T>(method, path, { timeoutMs: 15_000, ...opts })).data;
    } catch (e) {
      if (e instanceof ComposerError) throw new ComposerError(`${what}: ${e.message}`, e.status, e.code, e.fieldErrors);
      throw e;
    }
  }

  register(facts: EnclosureFacts): Promise<EnclosureStatus> {
    return this.call(`register ${this.c.enclosure}`, 'POST', `${this.base}/register`, { body: facts });
  }

  async heartbeat(): Promise<void> {
    await this.call(`heartbeat ${this.c.enclosure}`, 'POST', `${this.base}/heartbeat`);
  }

  assignments(since: number | undefined, waitSeconds: number, signal?: AbortSignal): Promise<EnclosureAssignments> {
    return this.call(`assignments of ${this.c.enclosure}`, 'GET', `${this.base}/assignments`, { query: { since, waitSeconds }, signal, timeoutMs: (waitSeconds + 15) * 1000 });
  }

  async report(r: EnclosureReport): Promise<void> {
    await this.call(`report of ${this.c.enclosure}`, 'PUT', `${this.base}/report`, { body: r });
  }
}
