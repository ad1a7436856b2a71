// The etcd test helper itself: servers die with their cluster, and servers orphaned by a test
// process that was killed -9 are reaped by the next start.
import * as fs from 'node:fs';
import { reapOrphanedEtcd, startEtcdCluster } from '../helpers/etcd';
import { startTsChild } from './child';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('stop() kills every member and removes the data directories', async () => {
  const cluster = await startEtcdCluster(3);
  const pids = cluster.members.map((m) => m.pid()!);
  const dirs = cluster.members.map((m) => m.dataDir);
  expect(pids.every(alive)).toBe(true);
  expect(dirs.every((d) => fs.existsSync(d))).toBe(true);
  await cluster.stop();
  expect(pids.some(alive)).toBe(false);
  expect(dirs.some((d) => fs.existsSync(d))).toBe(false);
}, 60_000);

test('an etcd orphaned by a killed test process is reaped', async () => {
  const child = startTsChild('test/store/fixtures/etcd-starter.ts', []);
  let pid = 0;
  try {
    const line = await child.waitForLine(/^etcd \d+ http:/, 30_000);
    pid = Number(line.split(' ')[1]);
    await child.kill9();
    expect(alive(pid)).toBe(true); // orphaned: nobody cleaned up
    reapOrphanedEtcd();
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
  } finally {
    await child.kill9();
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
  }
}, 60_000);
