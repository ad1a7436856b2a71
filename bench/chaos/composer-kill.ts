// Chaos: kill -9 the composer (a real CLI child) under load, again and again, on one store.
// 32 clients run a mix of creates, deletes, slice growth, moves and key rotations; each client
// owns its objects, so every object has one linear history. A request whose answer was lost
// (in flight at the kill) is sent again after the restart until it gets a definite answer — every
// request here is idempotent, as IaC and CSI callers make them — so what each object must look
// like is always known exactly. After every restart: each acknowledged change is there, no
// extent is allocated twice, free capacity equals what the allocations imply, nothing is left
// pending. At the end the leader's memory (its answers) is compared with a fresh load of the store.
import * as path from 'node:path';
import { ComposerState } from '../../provider/composer/state';
import { AllocationEngine } from '../../provider/engine';
import { synthesizeInventory } from '../../provider/inventory';
import { openStore } from '../../provider/store/open';
import { startEtcdCluster, type EtcdCluster } from '../../test/helpers/etcd';
import { call, chaosDir, checkPool, kill9, listAll, sleep, startComposerChild, waitLeader, type Child, type ChaosOptions, type ChaosResult, type Reply } from './lib';

interface Expect {
  kind: 'volumes' | 'slices';
  id: string;
  name: string;
  deleted: boolean;
  sizeGiB: number;
  server?: string;
}

export async function run(opts: ChaosOptions & { store: 'sqlite' | 'etcd'; cycles?: number }): Promise<ChaosResult> {
  const cycles = opts.cycles ?? (opts.short ? 5 : 100);
  const clients = 32;
  const inventory = synthesizeInventory({ servers: 8, drives: 600, seed: 7 });
  const servers = inventory.servers.map((s) => s.name);
  const dir = chaosDir(`tessera-chaos-${opts.store}-`, inventory);
  let etcd: EtcdCluster | undefined;
  let storeUrl = `sqlite:${path.join(dir, 'tessera.db')}`;
  if (opts.store === 'etcd') {
    etcd = await startEtcdCluster(3);
    storeUrl = etcd.storeUrl;
  }
  const violations: string[] = [];
  const expects = new Map<string, Expect>(); // by name
  let child: Child | undefined;
  let url = '';
  let acked = 0;
  let resent = 0;
  /** Journal entries the last recovery check found audited (checkAudit). */
  let audited = 0;
  let inFlightAtKill = 0;
  const recoveryMs: number[] = [];
  const start = async () => {
    const t0 = Date.now();
    child = await startComposerChild(dir, storeUrl, ['--lease-ttl', '1']);
    url = child.url;
    await waitLeader(url, 60_000);
    recoveryMs.push(Date.now() - t0);
  };
  try {
    await start();
    const cluster = (await call(url, 'POST', '/v1/clusters', { name: 'chaos', servers })).body.id as string;
    const policy = (await call(url, 'POST', '/v1/key-policies', { name: 'chaos-kp', secret: 'chaos-secret-0' })).body.id as string;
    let rotation = 0;

    /** Send until a definite answer (not 0, not 503); counts the resends. */
    const definite = async (method: string, p: string, body?: unknown): Promise<Reply> => {
      for (let attempt = 0; ; attempt++) {
        const r = await call(url, method, p, body);
        if (r.status !== 0 && r.status !== 503) return r;
        if (attempt > 0) resent++;
        await sleep(100);
      }
    };

    let seq = 0;
    for (let cycle = 0; cycle < cycles; cycle++) {
      let stop = false;
      const worker = async (w: number) => {
        const mine: Expect[] = [];
        while (!stop) {
          const n = seq++;
          const roll = n % 10;
          const live = mine.filter((e) => !e.deleted);
          let req: { method: string; path: string; body?: unknown; apply: (r: Reply) => void } | undefined;
          if (roll < 4 || live.length === 0) {
            const slice = roll % 2 === 0;
            const name = `${slice ? 's' : 'v'}${n}`;
            const body = slice
              ? { cluster, name, type: 'slice', sizeGiB: 20 + (n % 5) * 10, softDomains: true, sgResiliency: false, jbodResiliency: false }
              : { cluster, name, type: n % 3 === 0 ? 'ssd' : 'hdd', sizeGiB: 100, server: servers[n % servers.length], softDomains: true, sgResiliency: false, jbodResiliency: false, encrypt: n % 4 === 1, ...(n % 4 === 1 ? { keyPolicy: policy, server: undefined } : {}) };
            req = {
              method: 'POST',
              path: '/v1/volumes',
              body,
              apply: (r) => {
                if (r.status !== 200 && r.status !== 201) return;
                const e: Expect = { kind: 'volumes', id: r.body.id, name, deleted: false, sizeGiB: r.body.sizeGiB, server: r.body.server };
                mine.push(e);
                expects.set(name, e);
              },
            };
          } else {
            const e = live[(n * 7 + w) % live.length];
            if (roll === 4) req = { method: 'DELETE', path: `/v1/volumes/${e.id}`, apply: (r) => void (r.status === 204 && (e.deleted = true)) };
            else if ((roll === 5 || roll === 6) && e.name.startsWith('s')) {
              const size = e.sizeGiB + 10;
              req = { method: 'PATCH', path: `/v1/volumes/${e.id}`, body: { sizeGiB: size }, apply: (r) => void (r.status === 200 && (e.sizeGiB = size)) };
            } else if ((roll === 7 || roll === 8) && e.server) {
              const to = servers[(servers.indexOf(e.server) + 1) % servers.length];
              req = { method: 'PATCH', path: `/v1/volumes/${e.id}`, body: { server: to }, apply: (r) => void (r.status === 200 && (e.server = to)) };
            } else if (roll === 9 && w === 0) {
              const secret = `chaos-secret-${++rotation}`;
              req = { method: 'PATCH', path: `/v1/key-policies/${policy}`, body: { secret }, apply: () => undefined };
            }
          }
          if (!req) continue;
          const r = await call(url, req.method, req.path, req.body);
          if (r.status === 0 || r.status === 503) {
            // Lost answer: resend after the restart until it is definite.
            inFlightAtKill++;
            while (!stop) await sleep(20);
            const again = await definite(req.method, req.path, req.body);
            resent++;
            req.apply(again);
            if (again.status >= 200 && again.status < 300) acked++;
            else if (again.status >= 500 && !/capacity/.test(again.body?.code ?? '')) violations.push(`${req.method} ${req.path} after restart: ${again.status} ${JSON.stringify(again.body)}`);
            return;
          }
          req.apply(r);
          if (r.status >= 200 && r.status < 300) acked++;
          else if (r.status >= 500 && !/capacity/.test(r.body?.code ?? '')) violations.push(`${req.method} ${req.path}: ${r.status} ${JSON.stringify(r.body)}`);
        }
      };
      const workers = Array.from({ length: clients }, (_, w) => worker(w));
      await sleep(opts.short ? 800 + ((cycle * 337) % 700) : 400 + ((cycle * 337) % 1200));
      await kill9(child);
      stop = true;
      await start();
      await Promise.all(workers);

      // Every acknowledged change is there.
      for (const e of expects.values()) {
        const r = await call(url, 'GET', `/v1/${e.kind}/${e.id}`);
        if (e.deleted) {
          if (r.status !== 404) violations.push(`cycle ${cycle}: ${e.name} was deleted (acknowledged) but answers ${r.status}`);
        } else if (r.status !== 200) violations.push(`cycle ${cycle}: ${e.name} was created (acknowledged) but answers ${r.status}`);
        else {
          if (r.body.sizeGiB !== e.sizeGiB) violations.push(`cycle ${cycle}: ${e.name} sizeGiB ${r.body.sizeGiB}, acknowledged ${e.sizeGiB}`);
          if ((r.body.server ?? undefined) !== e.server) violations.push(`cycle ${cycle}: ${e.name} server ${r.body.server}, acknowledged ${e.server}`);
        }
      }
      audited = (await checkPool(url, inventory, violations, `cycle ${cycle}`)).audited;
      opts.log(`composer-kill ${opts.store}: cycle ${cycle + 1}/${cycles}, ${expects.size} objects, ${violations.length} violations`);
      if (violations.length > 20) break;
    }

    // The leader's memory against a fresh load of the store (the leader stopped first).
    const answered = new Map<string, unknown>();
    for (const kind of ['volumes', 'slices', 'clusters', 'key-policies'])
      for (const o of await listAll(url, kind)) answered.set(o.id, { members: o.members, server: o.server, sizeGiB: o.sizeGiB, state: o.state, version: o.version });
    child!.proc.kill('SIGTERM');
    await new Promise((r) => child!.proc.once('exit', r));
    child = undefined;
    const store = await openStore(storeUrl);
    try {
      const fresh = await ComposerState.load(store, (inv) => new AllocationEngine(inv));
      const loaded = new Map<string, unknown>();
      for (const table of [fresh.volumes, fresh.slices, fresh.clusters, fresh.policies])
        for (const [id, o] of table as unknown as Map<string, Record<string, unknown>>)
          if (o.state !== 'deleting') loaded.set(id, { members: o.members, server: o.server, sizeGiB: o.sizeGiB, state: o.state, version: o.version });
      for (const [id, o] of answered) if (JSON.stringify(loaded.get(id)) !== JSON.stringify(o)) violations.push(`leader memory differs from the store for ${id}`);
      for (const id of loaded.keys()) if (!answered.has(id)) violations.push(`the store holds ${id}, the leader did not list it`);
    } finally {
      await store.close();
    }
    return {
      figures: {
        store: opts.store,
        cycles,
        clients,
        acknowledged: acked,
        inFlightAtKill,
        resends: resent,
        objects: expects.size,
        recoveryP50Ms: recoveryMs.sort((a, b) => a - b)[Math.floor(recoveryMs.length / 2)],
        recoveryMaxMs: Math.max(...recoveryMs),
        lost: violations.filter((v) => /acknowledged/.test(v)).length,
        doubleAllocated: violations.filter((v) => /allocated twice/.test(v)).length,
        leaked: violations.filter((v) => /leaked or double-counted/.test(v)).length,
        pendingLeft: violations.filter((v) => /pending/.test(v)).length,
        auditedEntries: audited,
        unaudited: violations.filter((v) => /audit/.test(v)).length,
      },
      violations,
    };
  } finally {
    await kill9(child);
    await etcd?.stop();
  }
}
