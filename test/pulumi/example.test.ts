// examples/pulumi-platform type-checks, and its program fits examples/inventory/lab.yaml: the
// program runs under pulumi.runtime.setMocks (no pulumi CLI here; test/e2e and `npm run demo`
// run it with the real engine) where every resource registration is created for real through
// the shared handlers against a real composer with simulated agents.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { handlerFor } from '../../provider/handlers';
import { poolSnapshot, startLabEnv, LabEnv } from '../../provider/demo/lab-env';
import { ComposerClient } from '../../provider/client';
import { schema } from '../../provider/schema';
import { drainRegistrations, valueOf } from './outputs';

const SECRET_SIG = '4dabf18193072939515e22adb298388d';

/** The engine hands dynamic providers plain values; mocks see secrets wrapped: unwrap them. */
function unwrapSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o[SECRET_SIG] !== undefined && 'value' in o) return unwrapSecrets(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

const EXAMPLE = path.resolve(__dirname, '../../examples/pulumi-platform');
const TYPE_OF_TOKEN = Object.fromEntries(Object.entries(schema.resources).map(([t, s]) => [`pulumi-nodejs:dynamic/tessera:${s.kind}`, t]));

describe('examples/pulumi-platform', () => {
  it('type-checks with its own tsconfig', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts = require('typescript') as typeof import('typescript');
    const cfg = ts.readConfigFile(path.join(EXAMPLE, 'tsconfig.json'), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, EXAMPLE);
    const program = ts.createProgram(parsed.fileNames, { ...parsed.options, noEmit: true });
    const diags = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diags).toEqual([]);
  }, 120_000);

  describe('on the lab inventory', () => {
    let env: LabEnv;
    let dir: string;
    const created: { type: string; id: string; outputs: Record<string, unknown> }[] = [];

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-example-'));
      env = await startLabEnv({ dir });
      const conn = { endpoint: env.url, token: env.token };
      pulumi.runtime.setMocks(
        {
          async newResource(args) {
            const type = TYPE_OF_TOKEN[args.type];
            if (!type) return { id: undefined as unknown as string, state: {} };
            const h = handlerFor(type, conn, { pollMs: 50 });
            const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
            delete inputs.__provider;
            const checked = await h.check(inputs, { preview: true });
            if (checked.failures.length) throw new Error(`${args.name}: ${JSON.stringify(checked.failures)}`);
            const { id, outputs } = await h.create(checked.inputs, String(inputs.owner));
            created.push({ type, id, outputs });
            return { id, state: outputs };
          },
          call: () => ({}),
        },
        'kafka-platform',
        'test',
        false,
      );
      // The stack config the demo sets.
      pulumi.runtime.setAllConfig({ 'kafka-platform:kafkaKeySecret': 'a-test-secret-for-the-example' }, ['kafka-platform:kafkaKeySecret']);
    }, 60_000);

    afterAll(async () => {
      try {
        // Registrations still in flight must finish while the composer is up.
        await drainRegistrations();
      } finally {
        await env?.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('composes 6 brokers with encrypted RAID1 logs across storage groups, rack-local, plus slices', async () => {
      const client = new ComposerClient({ endpoint: env.url, token: env.token });
      const before = await poolSnapshot(client);
      type Row = { kind: string; name: string; server: string; raidLevel: string; state: string; members: { storageGroup: string; enclosure: string }[] };
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const stack = require(path.join(EXAMPLE, 'index.ts')) as { composition: pulumi.Output<Row[]> };
      const rows = await valueOf(stack.composition);
      expect(rows).toHaveLength(18);
      const rack = Object.fromEntries(env.inventory.servers.map((s) => [s.name, s.bandwidthDomain]));
      const domainOf = Object.fromEntries(env.inventory.storageGroups.flatMap((g) => g.enclosures.map((e) => [e.name, e.bandwidthDomain])));
      for (const r of rows) {
        expect(r.state).toBe('staged');
        for (const m of r.members) expect(domainOf[m.enclosure]).toBe(rack[r.server]);
      }
      const logs = rows.filter((r) => r.name.endsWith('-log'));
      expect(logs).toHaveLength(6);
      for (const l of logs) {
        expect(l.raidLevel).toBe('raid1');
        expect(new Set(l.members.map((m) => m.storageGroup)).size).toBe(2);
        expect(new Set(l.members.map((m) => m.enclosure)).size).toBe(2);
      }
      const volumes = (await client.request<{ items: { name: string; encrypt: boolean; fsType: string; observed?: { mountedAt?: string } }[] }>('GET', '/v1/volumes')).data.items;
      expect(volumes.filter((v) => v.name.endsWith('-log')).every((v) => v.encrypt && v.fsType === 'xfs')).toBe(true);
      expect(created.filter((c) => c.type === 'tessera_slice')).toHaveLength(6);
      // Clean up in reverse, as the engine would (with each object's state: its owner), and check the pool is back.
      for (const c of [...created].reverse()) await handlerFor(c.type, { endpoint: env.url, token: env.token }, { pollMs: 50 }).delete(c.id, c.outputs);
      const after = await poolSnapshot(client);
      expect(after.objects).toEqual({ clusters: 0, volumes: 0, slices: 0, 'key-policies': 0 });
      expect(before.objects.volumes).toBe(0);
    }, 180_000);
  });
});
