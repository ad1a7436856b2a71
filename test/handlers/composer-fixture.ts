// A real composer for handler and Pulumi tests: SQLite in a temp dir, the lab inventory, an
// operator token, a random master key, on 127.0.0.1 port 0. Log lines are captured so tests
// can assert that no secret is ever logged.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startComposer, RunningComposer } from '../../provider/composer';

export const LAB_INVENTORY = path.resolve(__dirname, '../../examples/inventory/lab.yaml');

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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-composer-'));
  const token = crypto.randomBytes(16).toString('hex');
  const adminToken = crypto.randomBytes(16).toString('hex');
  const agentTokens = new Map((opts.servers ?? []).map((s) => [s, crypto.randomBytes(16).toString('hex')]));
  const logs: string[] = [];
  const composer = await startComposer({
    store: `sqlite:${opts.dbFile ?? path.join(dir, 'tessera.db')}`,
    tokens: [
      { name: 'operator', token, role: 'operator' },
      { name: 'admin', token: adminToken, role: 'admin' },
      ...[...agentTokens].map(([server, t]) => ({ name: `agent-${server}`, token: t, role: 'agent' as const, server })),
    ],
    inventory: LAB_INVENTORY,
    masterKey: crypto.randomBytes(32),
    // One in-process composer: jest compiling TypeScript in this process can stall the event loop
    // for seconds, and a short leadership lease would flap; failover is tested elsewhere.
    leaseTtlSeconds: 30,
    log: (line) => logs.push(line),
    reconcileIntervalMs: 500,
  });
  return {
    composer,
    url: composer.url,
    token,
    adminToken,
    agentToken(server) {
      const t = agentTokens.get(server);
      if (!t) throw new Error(`no agent token for ${server}: pass it in servers`);
      return t;
    },
    dir,
    logs,
    async close() {
      await composer.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
