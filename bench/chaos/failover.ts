// Chaos: leader failover of an HA composer. Three replicas (real CLI children, default 3 s lease)
// on a real 3-member etcd, under a steady create load. The leader is killed (-9) or frozen
// (SIGSTOP) again and again; each time: how long until the first acknowledged write on the new
// leader (target <= 5 s). A frozen leader that wakes up must not acknowledge anything: it lost
// its lease, and the fence refuses its writes. Afterwards every acknowledged create is there and
// the pool invariants hold.
import { synthesizeInventory } from '../../provider/inventory';
import { startEtcdCluster, type EtcdCluster } from '../../test/helpers/etcd';
import { call, chaosDir, checkPool, kill9, percentile, sleep, startComposerChild, type Child, type ChaosOptions, type ChaosResult } from './lib';

export async function run(opts: ChaosOptions): Promise<ChaosResult> {
  const kills = opts.short ? 3 : 20;
  const freezes = opts.short ? 3 : 20;
  const inventory = synthesizeInventory({ servers: 4, drives: 400, seed: 3 });
  const dir = chaosDir('tessera-chaos-failover-', inventory);
  const violations: string[] = [];
  let etcd: EtcdCluster | undefined;
  const replicas: (Child | undefined)[] = [];
  const frozen = new Set<Child>();
  try {
    etcd = await startEtcdCluster(3);
    const store = etcd.storeUrl;
    for (let i = 0; i < 3; i++) replicas.push(await startComposerChild(dir, store));
    const live = () => replicas.filter((r): r is Child => !!r && r.proc.exitCode === null && r.proc.signalCode === null && !frozen.has(r));
    const leaderOf = async (): Promise<Child | undefined> => {
      for (const r of live()) {
        const s = await call(r.url, 'GET', '/readyz', undefined, 1_000);
        if (s.status === 200 && s.body?.role === 'leader') return r;
      }
      return undefined;
    };
    for (let i = 0; i < 300 && !(await leaderOf()); i++) await sleep(100);
    const first = await leaderOf();
    if (!first) throw new Error('no leader among the three replicas');
    const cluster = (await call(first.url, 'POST', '/v1/clusters', { name: 'failover', servers: [] })).body.id as string;

    // Steady load: two clients creating slices on whichever replica leads (following 503s).
    const acked = new Map<string, string>();
    const ackedBy = new Map<string, Child>();
    let n = 0;
    let stopLoad = false;
    const loader = async () => {
      while (!stopLoad) {
        const name = `f${n++}`;
        const body = { cluster, name, type: 'slice', sizeGiB: 1, softDomains: true, sgResiliency: false, jbodResiliency: false };
        for (let attempt = 0; attempt < 400 && !stopLoad; attempt++) {
          const targets = live();
          const r = targets.length ? targets[attempt % targets.length] : undefined;
          const res = r ? await call(r.url, 'POST', '/v1/volumes', body, 2_000) : { status: 0, body: undefined };
          if (res.status === 200 || res.status === 201) {
            acked.set(name, res.body.id);
            ackedBy.set(name, r!);
            break;
          }
          if (res.status !== 0 && res.status !== 503) {
            violations.push(`create ${name}: ${res.status} ${JSON.stringify(res.body)}`);
            break;
          }
          await sleep(50);
        }
      }
    };
    const loaders = [loader(), loader()];

    /** After the leader is gone: time until some other replica acknowledges a write. */
    const firstWrite = async (gone: Child, tag: string): Promise<number> => {
      const t0 = Date.now();
      for (let i = 0; Date.now() - t0 < 60_000; i++) {
        for (const r of live()) {
          if (r === gone) continue;
          const res = await call(r.url, 'POST', '/v1/volumes', { cluster, name: `${tag}-${i}`, type: 'slice', sizeGiB: 1, softDomains: true, sgResiliency: false, jbodResiliency: false }, 2_000);
          if (res.status === 201 || res.status === 200) {
            acked.set(`${tag}-${i}`, res.body.id);
            return Date.now() - t0;
          }
        }
        await sleep(25);
      }
      violations.push(`${tag}: no replica acknowledged a write within 60 s`);
      return 60_000;
    };

    const killTimes: number[] = [];
    const freezeTimes: number[] = [];
    // Kills and freezes alternate.
    const events: ('kill' | 'freeze')[] = [];
    for (let i = 0; i < Math.max(kills, freezes); i++) {
      if (i < kills) events.push('kill');
      if (i < freezes) events.push('freeze');
    }
    for (let e = 0; e < events.length; e++) {
      const freeze = events[e] === 'freeze';
      let leader: Child | undefined;
      for (let i = 0; i < 300 && !(leader = await leaderOf()); i++) await sleep(100);
      if (!leader) {
        violations.push(`event ${e}: no leader to fail`);
        break;
      }
      await sleep(500); // let the load reach the leader
      if (freeze) {
        frozen.add(leader);
        leader.proc.kill('SIGSTOP');
        freezeTimes.push(await firstWrite(leader, `freeze${e}`));
        // Wake it: it must step down and acknowledge nothing as leader.
        const before = [...ackedBy.entries()].filter(([, r]) => r === leader).length;
        leader.proc.kill('SIGCONT');
        frozen.delete(leader);
        let role = '';
        for (let i = 0; i < 100; i++) {
          const s = await call(leader.url, 'GET', '/readyz', undefined, 1_000);
          role = s.body?.role ?? '';
          if (role === 'standby') break;
          await sleep(100);
        }
        if (role !== 'standby') violations.push(`event ${e}: the woken leader is '${role}', not a standby`);
        const probe = await call(leader.url, 'POST', '/v1/volumes', { cluster, name: `woken${e}`, type: 'slice', sizeGiB: 1, softDomains: true, sgResiliency: false, jbodResiliency: false }, 5_000);
        if (probe.status === 201) violations.push(`event ${e}: the woken old leader acknowledged a create`);
        const after = [...ackedBy.entries()].filter(([, r]) => r === leader).length;
        if (after > before) violations.push(`event ${e}: ${after - before} create(s) acknowledged by the frozen leader after it woke`);
      } else {
        const idx = replicas.indexOf(leader);
        await kill9(leader);
        killTimes.push(await firstWrite(leader, `kill${e}`));
        replicas[idx] = await startComposerChild(dir, store);
      }
      opts.log(`failover: event ${e + 1}/${events.length} (${events[e]}): first write after ${(freeze ? freezeTimes : killTimes).slice(-1)[0]} ms`);
    }
    stopLoad = true;
    await Promise.all(loaders);

    const leader = await leaderOf();
    if (!leader) violations.push('no leader at the end');
    else {
      for (const [name, id] of acked) {
        const r = await call(leader.url, 'GET', `/v1/volumes/${id}`);
        if (r.status !== 200 || r.body.name !== name) violations.push(`acknowledged ${name} (${id}) lost: ${r.status}`);
      }
      await checkPool(leader.url, inventory, violations, 'after failovers');
    }
    const all = [...killTimes, ...freezeTimes];
    for (const [what, times] of [
      ['kill', killTimes],
      ['freeze', freezeTimes],
    ] as const)
      if (times.length && Math.max(...times) > 5_000) violations.push(`${what}: worst time to the first acknowledged write ${Math.max(...times)} ms > 5,000 ms`);
    return {
      figures: {
        kills: killTimes.length,
        freezes: freezeTimes.length,
        acknowledged: acked.size,
        killWorstMs: Math.max(0, ...killTimes),
        killP99Ms: percentile(killTimes, 99),
        freezeWorstMs: Math.max(0, ...freezeTimes),
        freezeP99Ms: percentile(freezeTimes, 99),
        worstMs: Math.max(0, ...all),
        p99Ms: percentile(all, 99),
      },
      violations,
    };
  } finally {
    for (const r of replicas) {
      if (r && frozen.has(r)) r.proc.kill('SIGCONT');
      await kill9(r);
    }
    await etcd?.stop();
  }
}
