// Handlers with simulated agents attached to a real composer: create waits until the agent has
// staged the volume, a move re-stages it on the new server, delete waits for the release.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { handlersFor } from '../../provider/handlers';
import { startLabEnv, LabEnv } from '../../provider/demo/lab-env';

describe('handlers with simulated agents', () => {
  let env: LabEnv;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-staging-'));
    env = await startLabEnv({ dir, servers: ['k1', 'k2'] });
  });
  afterAll(async () => {
    await env?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('create waits for staging, a move restages, delete releases the drives', async () => {
    const h = handlersFor({ endpoint: env.url, token: env.token }, { pollMs: 50, stageTimeoutMs: 30_000 });
    const c = await h.tessera_cluster.create({ name: 'stage', servers: ['k1', 'k2'] }, 'o');
    const spec = { cluster: c.id, name: 'data', type: 'ssd', sizeGiB: 1000, redundancy: true, server: 'k1', mountPath: '/data' };
    const { id, outputs } = await h.tessera_volume.create(spec, 'o');
    expect(outputs).toMatchObject({ state: 'staged', raidLevel: 'raid1', server: 'k1' });
    expect(outputs.devicePath).toEqual(expect.any(String));
    const members = outputs.members as { storageGroup: string; enclosure: string }[];
    expect(new Set(members.map((m) => m.storageGroup)).size).toBe(2);
    const moved = await h.tessera_volume.update(id, { ...spec, ...outputs }, { ...spec, server: 'k2' });
    expect(moved).toMatchObject({ state: 'staged', server: 'k2' });
    expect(moved.members).toEqual(outputs.members);
    await h.tessera_volume.delete(id, moved);
    expect(await h.tessera_volume.read(id)).toBeUndefined();
    await h.tessera_cluster.delete(c.id, c.outputs);
  }, 90_000);
});
