// `tessera composer start` ends on SIGTERM on either store: it resigns, closes its store and
// exits 0 (it used to stay alive on etcd after closing: an ended watch stream kept its gRPC
// channel open, see cancelStream in provider/store/etcd.ts).
import { chaosDir, startComposerChild, waitLeader } from '../../bench/chaos/lib';
import { startEtcd, type EtcdCluster } from '../helpers/etcd';
import { smallInventory } from './fixtures';

jest.setTimeout(180_000);
let etcd: EtcdCluster | undefined;
afterAll(async () => etcd?.stop());

test.each(['etcd', 'sqlite'])('SIGTERM ends a composer on %s with exit code 0', async (kind) => {
  const dir = chaosDir('tessera-shutdown-', smallInventory());
  if (kind === 'etcd') etcd = await startEtcd();
  const child = await startComposerChild(dir, kind === 'etcd' ? etcd!.storeUrl : `sqlite:${dir}/tessera.db`);
  try {
    await waitLeader(child.url);
    const exited = new Promise<number | null>((r) => child.proc.once('exit', (code) => r(code)));
    child.proc.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running 30 s after SIGTERM'), 30_000))]);
    expect(code).toBe(0);
  } finally {
    child.proc.kill('SIGKILL');
  }
});
