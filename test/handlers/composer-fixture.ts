// A real composer for handler and Pulumi tests: the harness (test/helpers/composer.ts) over the
// lab inventory, with its tokens and a 500 ms reconciler. Log lines are captured so tests can
// assert that no secret is ever logged.
import type { RunningComposer } from '../../provider/composer';
import { ADMIN_TOKEN, LAB_INVENTORY, OPERATOR_TOKEN, agentToken, startTestComposer } from '../helpers/composer';

export { LAB_INVENTORY };
export interface ComposerFixture {
  composer: RunningComposer;
  url: string;
  /** Operator token (clusters, volumes, slices, key policies). */
  token: string;
  adminToken: string;
  /** Token for one agent's server name. */
  agentToken(server: string): string;
  dir: string;
  logs: string[];
  close(): Promise<void>;
}

export async function startComposerFixture(opts: { servers?: string[]; dbFile?: string } = {}): Promise<ComposerFixture> {
  const servers = new Set(opts.servers ?? []);
  const h = await startTestComposer({ inventory: LAB_INVENTORY, dbFile: opts.dbFile, reconcileIntervalMs: 500 });
  return {
    composer: h.composer,
    url: h.url,
    token: OPERATOR_TOKEN,
    adminToken: ADMIN_TOKEN,
    agentToken(server) {
      if (!servers.has(server)) throw new Error(`no agent token for ${server}: pass it in servers`);
      return agentToken(server);
    },
    dir: h.dir,
    logs: h.logs,
    close: () => h.close(),
  };
}
