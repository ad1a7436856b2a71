// What every channel to a daemon on the fabric shares: which daemons the inventory knows, and
// when each was last heard from. A channel (./agent.ts, ./enclosure.ts) is a class over the
// composer context that checks its daemon with requireKnown() and records liveness in a
// Heartbeats table; the agent channel writes through the context's commit layer, the enclosure
// channel keeps what it hears in the leader's memory. The service façade forwards their routes.
// docs/agent.md describes both daemons.
import type { ServerStatus } from '../../api/contract';
import { problems } from '../problem';

/** Liveness of one kind of daemon, in the leader's memory only (never stored: docs/api.md). */
export class Heartbeats {
  private readonly last = new Map<string, number>();

  constructor(private readonly graceMs: number) {}

  /** Record that `name` was heard from now. */
  beat(name: string): void {
    this.last.set(name, Date.now());
  }

  /** When `name` was last heard from (ms since the epoch), or undefined since this process leads. */
  lastBeat(name: string): number | undefined {
    return this.last.get(name);
  }

  /** up within the grace period, down after it, unknown when never heard from. */
  health(name: string): ServerStatus['health'] {
    const hb = this.last.get(name);
    return hb === undefined ? 'unknown' : Date.now() - hb <= this.graceMs ? 'up' : 'down';
  }
}

/** Refuse a daemon the inventory does not list (`what` names its kind, e.g. "server"). */
export function requireKnown(what: string, name: string, known: readonly { name: string }[] | undefined): void {
  if (!known?.some((s) => s.name === name)) throw problems.notFound(what, `${name} (not in the inventory)`);
}
