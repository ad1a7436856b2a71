// Kill -9 at random moments under load: a real composer child process (the CLI) on a real SQLite
// file. After each restart: every acknowledged create is there with the same placement, every
// acknowledged delete is gone, no operation is left pending, no two volumes share an extent, and
// once everything is deleted the pool is whole again (no leaked reservation).
import * as fs from 'node:fs';
import { synthesizeInventory } from '../../provider/inventory';
import { spawnComposer, writeComposerFiles } from '../helpers/composer';
import { client, tempDir, TOKENS, tok } from './fixtures';

jest.setTimeout(180_000);

/** A restarted composer is a standby until the dead one's lease expires: wait until it leads. */
const startChild = (dir: string) => spawnComposer(dir, { args: ['--lease-ttl', '1'], waitLeader: true });

interface Acked {
  id: string;
  kind: 'volumes' | 'slices';
  members: unknown;
}

test('kill -9 mid-load loses no acknowledged change and leaks no reservation', async () => {
  const dir = tempDir('tessera-crash-');
  writeComposerFiles(dir, { tokens: TOKENS, inventory: synthesizeInventory({ servers: 8, drives: 1500, seed: 11 }) });
  let child = await startChild(dir);
  try {
    let api = client(child.url, tok('ops'));
    const capacity = async () => {
      const out: number[] = [];
      for (const type of ['hdd', 'ssd']) out.push((await api.get(`/v1/capacity?type=${type}&sgResiliency=false&jbodResiliency=false&softDomains=true`)).body.availableGiB);
      return out;
    };
    const pristine = await capacity();
    const cluster = (await api.post('/v1/clusters', { name: 'crash', servers: [] })).body.id as string;
    const created = new Map<string, Acked>();
    const deleted = new Set<string>();
    const uncertain = new Set<string>();
    let seq = 0;

    for (let round = 0; round < 3; round++) {
      let stop = false;
      const worker = async (w: number) => {
        while (!stop) {
          const n = seq++;
          const roll = n % 5;
          try {
            if (roll === 4 && created.size > 0) {
              const victims = [...created.values()].filter((a) => !deleted.has(a.id) && !uncertain.has(a.id));
              const v = victims[(n * 7 + w) % Math.max(1, victims.length)];
              if (!v) continue;
              uncertain.add(v.id);
              const r = await api.del(`/v1/${v.kind}/${v.id}`);
              if (r.status === 204) {
                deleted.add(v.id);
                uncertain.delete(v.id);
              }
            } else {
              const kind = roll === 3 ? 'slices' : 'volumes';
              const body = kind === 'slices' ? { cluster, name: `s${n}`, sizeGiB: 5 + (n % 40), softDomains: true } : { cluster, name: `v${n}`, sizeGiB: 50 + (n % 7) * 300, type: roll === 2 ? 'ssd' : 'hdd', redundancy: n % 3 === 0, sgResiliency: false, softDomains: true };
              const r = await api.post(`/v1/${kind}`, body);
              if (r.status === 201) created.set(r.body.id, { id: r.body.id, kind, members: r.body.members });
              else if (r.status !== 409 || r.body.code !== 'insufficient_capacity') throw new Error(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
            }
          } catch (e) {
            if (!stop) throw e;
          }
        }
      };
      const workers = Array.from({ length: 8 }, (_, w) => worker(w).catch((e) => (stop ? undefined : Promise.reject(e))));
      await new Promise((r) => setTimeout(r, 700 + Math.random() * 1500));
      stop = true;
      child.proc.kill('SIGKILL');
      await Promise.allSettled(workers);
      child = await startChild(dir);
      api = client(child.url, tok('ops'));

      // Nothing pending after recovery; acknowledged state intact.
      expect((await api.get('/v1/operations?state=pending')).body.items).toEqual([]);
      for (const a of created.values()) {
        const r = await api.get(`/v1/${a.kind}/${a.id}`);
        if (deleted.has(a.id)) expect(r.status).toBe(404);
        else if (!uncertain.has(a.id)) {
          expect(r.status).toBe(200);
          expect(r.body.members).toEqual(a.members);
        }
      }
    }
    expect(created.size).toBeGreaterThan(30);

    // No extent is given out twice.
    // Every page (lists are paged: docs/api.md "Lists and pages").
    const pages = async (p: string) => {
      const out = [];
      for (let cursor: string | undefined, more = true; more; ) {
        const body = (await api.get(`${p}?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body;
        out.push(...body.items);
        cursor = body.nextCursor;
        more = cursor !== undefined;
      }
      return out;
    };
    const all = [...(await pages('/v1/volumes')), ...(await pages('/v1/slices'))];
    const extents = new Map<string, [number, number, string][]>();
    for (const v of all)
      for (const m of v.members) {
        const list = extents.get(m.serial) ?? [];
        for (const [o, s, id] of list)
          if (!(m.offsetGiB >= o + s || o >= m.offsetGiB + m.sizeGiB)) {
            const ops = (await api.get('/v1/operations')).body.items.filter((x: { objectId: string }) => x.objectId === id || x.objectId === v.id);
            console.log(JSON.stringify({ a: all.find((x) => x.id === id), b: v, ops }, null, 1));
          }
        for (const [o, s, id] of list) expect(m.offsetGiB >= o + s || o >= m.offsetGiB + m.sizeGiB ? 'disjoint' : `${id} overlaps ${v.id} on ${m.serial}`).toBe('disjoint');
        list.push([m.offsetGiB, m.sizeGiB, v.id]);
        extents.set(m.serial, list);
      }
    // Delete everything: the pool must be whole again.
    for (const v of all) expect((await api.del(`/v1/${v.members && v.raidLevel === undefined ? 'slices' : 'volumes'}/${v.id}`)).status).toBe(204);
    expect(await capacity()).toEqual(pristine);
  } finally {
    child.proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
