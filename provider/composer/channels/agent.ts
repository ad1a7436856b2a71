// The agent channel: what the agent on each server calls — register (its facts), heartbeat, the
// assignments long poll, status reports (which end the moves, deletes and rotations waiting on
// the agent) and the derived key of a volume assigned to it. Registrations are metered as
// resource `servers` and stored, not journaled (docs/api.md "Journal, reservations and recovery").
import { type Caller, seesCluster } from '../callers';
import {
  PROBLEM,
  validateAgentFacts,
  validateObservedState,
  type AssignmentsResponse,
  type ListPage,
  type ServerStatus,
  type VolumeKey,
  type VolumeState,
} from '../../api/contract';
import { deriveVolumeKey, unseal } from '../../keys/crypto';
import type { ComposerContext } from '../context';
import type { VolumeKind } from '../kinds';
import { keys, sealAad } from '../layout';
import { table } from '../lookups';
import { keyRotation, type Operations } from '../operations';
import { maybeFinishRotation } from '../operations/key-rotation';
import { rebuildDone } from '../operations/volume-rebuild';
import { finishMove } from '../operations/volume-update';
import type { Drives } from '../resources/drives';
import { type PageRequest, takePage } from '../paging';
import { accepted, HttpProblem, problems } from '../problem';
import type { StoredVolume } from '../state';
import { requireKnown } from './channel';

const now = () => new Date().toISOString();

export class AgentChannel {
  constructor(
    private readonly ctx: ComposerContext,
    private readonly ops: Operations,
    private readonly requireMasterKey: () => Buffer,
    private readonly drives: Drives,
  ) {}

  /** One page of the servers (the inventory's and any that registered) in name order. */
  /** Every server (a scoped caller: the members of its clusters), by name. */
  servers(page: PageRequest, caller: Caller): ListPage<ServerStatus> {
    const s = this.ctx.state;
    const names = new Set([...(s.inventory?.servers ?? []).map((x) => x.name), ...s.servers.keys()]);
    const members = caller.scope ? new Set([...s.clusters.values()].filter((c) => seesCluster(caller, c)).flatMap((c) => c.servers)) : undefined;
    return takePage([...names].map((n) => [n, n] as const), page, (n) => !members || members.has(n), (n) => this.status(n));
  }

  status(name: string): ServerStatus {
    const rec = this.ctx.state.servers.get(name);
    const hb = this.ctx.agents.lastBeat(name);
    return { name, health: this.ctx.agents.health(name), lastHeartbeat: hb ? new Date(hb).toISOString() : undefined, facts: rec?.facts };
  }

  private requireKnownServer(server: string): void {
    requireKnown('server', server, this.ctx.state.inventory?.servers);
  }

  async register(server: string, body: unknown): Promise<ServerStatus> {
    this.requireKnownServer(server);
    const facts = accepted(validateAgentFacts(body));
    await this.ctx.writes.mutate(keys.server(server), 'update', 'servers', async () => {
      await this.ctx.writes.commit([{ key: keys.server(server), value: { name: server, facts, registeredAt: now() } }]);
    });
    this.ctx.agents.beat(server);
    this.ctx.log.info('agent registered', { server, backend: facts.backend, agentVersion: facts.agentVersion });
    return this.status(server);
  }

  heartbeat(server: string): void {
    this.requireKnownServer(server);
    this.ctx.agents.beat(server);
  }

  async assignments(server: string, since: number | undefined, waitSeconds: number): Promise<AssignmentsResponse> {
    this.requireKnownServer(server);
    if (since !== undefined && waitSeconds > 0) await this.ctx.state.waitAssignments(server, since, waitSeconds * 1000);
    const s = this.ctx.state;
    const m = s.assigns.get(server);
    return {
      revision: s.assignRevision.get(server) ?? 0, // 0 until the server has assignments: the global revision would wake idle agents on every write
      assignments: m ? [...m.values()].sort((a, b) => (a.volumeId < b.volumeId ? -1 : 1)) : [],
    };
  }

  async reportStatus(server: string, volumeId: string, body: unknown): Promise<void> {
    const observed = accepted(validateObservedState(body));
    const kind: VolumeKind = this.ctx.state.slices.has(volumeId) ? 'slices' : 'volumes';
    await this.ctx.writes.mutate(keys.object(kind, volumeId), 'update', kind, async () => {
      const s = this.ctx.state;
      const cur = table(s, kind).get(volumeId) as StoredVolume | undefined;
      const assigned = s.assigns.get(server)?.get(volumeId);
      if (cur && cur.state === 'deleting' && (cur.moving?.from ?? cur.server) === server && observed.state === 'unstaged') return this.unstaged(volumeId);
      if (cur?.moving && cur.moving.from === server && observed.state === 'unstaged') return void (await finishMove(this.ctx, kind, volumeId, cur.moving.op, true));
      // Reports about volumes that moved away or are gone are the agent cleaning up: accepted, not stored.
      if (!cur || !assigned || cur.server !== server) return;
      const state: VolumeState =
        observed.generation < assigned.generation ? 'pending' : observed.state === 'staged' ? 'staged' : observed.state === 'failed' ? 'failed' : 'pending';
      const updated: StoredVolume = { ...cur, observed: { ...observed, reportedAt: now() }, state, devicePath: observed.devicePath ?? cur.devicePath };
      await this.ctx.writes.commit([{ key: keys.object(kind, volumeId), value: updated }], [this.ctx.writes.unchanged(keys.object(kind, volumeId))]);
      // A rebuild ends when the agent reports every member working (../operations/volume-rebuild.ts).
      const rebuild = updated.rebuilding && rebuildDone(updated) ? s.ops.get(updated.rebuilding.op) : undefined;
      if (rebuild?.state === 'pending') await this.ops.complete(rebuild);
      if (observed.state === 'failed') {
        this.ctx.log.warn('agent reports a failed volume', { server, volumeId, step: observed.step });
        this.ctx.opts.countStagingFailure?.(observed.step ?? 'unknown');
      }
    });
    if (observed.degraded?.length) {
      const v = table(this.ctx.state, kind).get(volumeId) as StoredVolume | undefined;
      if (v && v.server === server) await this.drives.agentDegraded(server, v, kind, observed);
    }
    if (observed.keyVersion !== undefined) {
      // A reported key version may be the last one a rotation waits for.
      for (const op of this.ops.pendingOf(keyRotation))
        await this.ctx.writes.mutate(keys.object('key-policies', op.objectId), 'rotate', 'key-policies', () => maybeFinishRotation(this.ctx, op)).catch(() => undefined);
    }
  }

  /** The agent reports a deleting volume unstaged: its delete waits no longer (the drives are freed now). */
  private async unstaged(volumeId: string): Promise<void> {
    const op = [...this.ctx.state.ops.values()].find((o) => o.state === 'pending' && o.objectId === volumeId && o.recovery?.action === 'rollforward');
    if (op) await this.ops.complete(op);
  }

  /** The derived drive key, only for the agent of the server the volume is assigned to. */
  volumeKey(server: string, volumeId: string, versionParam: number | undefined): VolumeKey {
    const s = this.ctx.state;
    const vol = s.volumes.get(volumeId);
    const assigned = s.assigns.get(server)?.get(volumeId);
    if (!vol || !assigned || vol.server !== server) throw problems.forbidden(`volume ${volumeId} is not assigned to server ${server}`);
    if (!vol.encrypt || !vol.keyEpochs?.length) throw new HttpProblem(409, PROBLEM.notEncrypted, `volume ${volumeId} is not encrypted`);
    // `version` is the volume's key epoch; it maps to the policy and policy version that derive it.
    const epoch = versionParam === undefined ? vol.keyEpochs[vol.keyEpochs.length - 1] : vol.keyEpochs.find((e) => e.epoch === versionParam);
    if (!epoch) throw problems.notFound('key version', `${versionParam} of volume ${volumeId} (known: ${vol.keyEpochs.map((e) => e.epoch).join(', ')})`);
    const p = s.policies.get(epoch.policy);
    const sealed = p?.sealed[String(epoch.version)];
    if (!p || !sealed) throw problems.notFound('key version', `${epoch.epoch} of volume ${volumeId}: its secret is no longer kept (every agent confirmed a later key)`);
    const mk = this.requireMasterKey();
    const secret = unseal(mk, sealed, sealAad(p.id, epoch.version));
    const key = deriveVolumeKey({ secret, volumeId, policyId: p.id, version: epoch.version, keySizeBits: p.keySizeBits });
    const out = { volumeId, version: epoch.epoch, cipher: p.cipher, keySizeBits: p.keySizeBits, key: key.toString('base64') };
    key.fill(0);
    return out;
  }
}
