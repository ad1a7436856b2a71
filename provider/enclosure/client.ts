// The enclosure service's facade over the one client transport (provider/client/): the
// composer's enclosure channel (routes and messages: provider/api/wire.json). Only over TLS
// unless insecureDev (provider/client/channel.ts); the token goes in the Authorization header only.
import { API_PREFIX } from '../api/contract';
import type { EnclosureAssignments, EnclosureFacts, EnclosureReport, EnclosureStatus } from '../api/contract';
import { ChannelClient, type ChannelConnection } from '../client/channel';
import { secureEndpoints } from '../client/endpoints';
import { ComposerError } from '../client/errors';

export { ComposerError };

export interface EnclosureConnection extends ChannelConnection {
  /** The enclosure this service speaks for (its inventory name). */
  enclosure: string;
}

const CARRIES = 'the enclosure service sends its token';

/** The endpoints an enclosure service may use; throws a ComposerError naming `composer` for a plain URL. */
export function enclosureEndpoints(composer: string, insecureDev = false): string[] {
  return secureEndpoints(composer, 'composer', CARRIES, insecureDev);
}

export class EnclosureClient extends ChannelClient {
  private readonly base: string;
  private readonly enclosure: string;

  constructor(c: EnclosureConnection) {
    super(c, CARRIES);
    this.enclosure = c.enclosure;
    this.base = `${API_PREFIX}/enclosures/${encodeURIComponent(c.enclosure)}`;
  }

  register(facts: EnclosureFacts): Promise<EnclosureStatus> {
    return this.call(`register ${this.enclosure}`, 'POST', `${this.base}/register`, { body: facts });
  }

  async heartbeat(): Promise<void> {
    await this.call(`heartbeat ${this.enclosure}`, 'POST', `${this.base}/heartbeat`);
  }

  /** Long poll: returns when the enclosure's exports change past `since`, or after waitSeconds. */
  assignments(since: number | undefined, waitSeconds: number, signal?: AbortSignal): Promise<EnclosureAssignments> {
    return this.call(`assignments of ${this.enclosure}`, 'GET', `${this.base}/assignments`, { query: { since, waitSeconds }, signal, timeoutMs: (waitSeconds + 15) * 1000 });
  }

  async report(r: EnclosureReport): Promise<void> {
    await this.call(`report of ${this.enclosure}`, 'PUT', `${this.base}/report`, { body: r });
  }
}
