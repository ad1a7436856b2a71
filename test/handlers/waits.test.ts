// The waits of create/update against a real composer whose agent never stages (none runs, or it
// reports a step and stays there): the wait ends in an error naming the server, the step and the
// agent's message, after the per-call timeout; an aborted signal (Terraform's StopProvider)
// ends it at once. The agent's reports are sent over the real agent channel with its token.
import { ComposerError, handlersFor, WAIT_CODES } from '../../provider/handlers';
import { AgentClient } from '../../provider/client/agent';
import { startComposerFixture, type ComposerFixture } from './composer-fixture';

describe('waiting for staging', () => {
  let fx: ComposerFixture;
  let clusterId: string;
  beforeAll(async () => {
    fx = await startComposerFixture({ servers: ['k1'] });
    const h = handlersFor({ endpoint: fx.url, token: fx.token });
    clusterId = (await h.tessera_cluster.create({ name: 'waits', servers: ['k1'] }, 'o')).id;
  });
  afterAll(async () => fx?.close());

  it('fails after the timeout, naming the server, when no agent reports', async () => {
    const h = handlersFor({ endpoint: fx.url, token: fx.token }, { pollMs: 20 });
    const err = (await h.tessera_volume.create({ cluster: clusterId, name: 'nobody', type: 'slice', sizeGiB: 5, server: 'k1' }, 'o', { timeoutMs: 300 }).catch((e) => e)) as ComposerError;
    expect(err).toBeInstanceOf(ComposerError);
    expect(err.code).toBe(WAIT_CODES.stageTimeout);
    expect(err.message).toMatch(/^Volume vol-[0-9a-f]+: not staged on k1 after 0 s \(state pending\): the agent of k1 has not reported on it \(is it running\?\)\. The object exists/);
  });

  it("names the agent's step and message when it reports one and does not finish", async () => {
    const h = handlersFor({ endpoint: fx.url, token: fx.token }, { pollMs: 20 });
    const agent = new AgentClient({ composer: fx.url, token: fx.agentToken('k1'), server: 'k1', insecureDev: true });
    const creating = h.tessera_volume.create({ cluster: clusterId, name: 'stuck', type: 'slice', sizeGiB: 5, server: 'k1' }, 'o', { timeoutMs: 1500 }).catch((e) => e);
    // The agent sees the assignment and reports the step it is stuck in.
    let volumeId: string | undefined;
    let generation = 0;
    for (let i = 0; i < 50 && !volumeId; i++) {
      const a = await agent.assignments(undefined, 0);
      const mine = a.assignments.find((x) => x.name === 'stuck');
      if (mine) {
        volumeId = mine.volumeId;
        generation = mine.generation;
      } else await new Promise((r) => setTimeout(r, 20));
    }
    expect(volumeId).toBeDefined();
    await agent.report(volumeId!, { state: 'staging', generation, step: 'connect', error: 'nvme connect: no route to 10.0.0.9' });
    const err = (await creating) as ComposerError;
    expect(err.code).toBe(WAIT_CODES.stageTimeout);
    expect(err.message).toContain(`Volume ${volumeId}: not staged on k1 after 2 s (state pending): step connect: nvme connect: no route to 10.0.0.9.`);
  });

  it('ends at once when the provider is stopped', async () => {
    const stop = new AbortController();
    const h = handlersFor({ endpoint: fx.url, token: fx.token }, { pollMs: 50, signal: stop.signal });
    const creating = h.tessera_volume.create({ cluster: clusterId, name: 'stopped', type: 'slice', sizeGiB: 5, server: 'k1' }, 'o', { timeoutMs: 600_000 }).catch((e) => e);
    setTimeout(() => stop.abort(), 200);
    const started = Date.now();
    const err = (await creating) as ComposerError;
    expect(err.code).toBe(WAIT_CODES.cancelled);
    expect(err.message).toMatch(/waiting for staging on k1: cancelled/);
    // A generous bound: the wait would otherwise run for ten minutes.
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
