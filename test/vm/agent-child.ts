// One agent pass in a process of its own, for the VM suite's kill -9 tests (test/vm/suite.ts):
// stages the volume described by the JSON file given as argv[2] with the real Linux runner and
// the agent's file state store, exactly as the daemon would. The test sets the kill point
// (TESSERA_AGENT_TEST_KILL_POINT, provider/agent/kill-point.ts) and kills this process there.
import * as fs from 'node:fs';
import { LinuxRunner } from '../../provider/agent/linux-runner';
import { FileStateStore } from '../../provider/agent/state';
import { stageVolume } from '../../provider/agent/steps';
import type { Assignment } from '../../provider/api/contract';
import { DerivedKeys } from '../agent/helpers';

export interface ChildJob {
  assignment: Assignment;
  stateDir: string;
  portals: Record<string, string>;
  server: string;
}

async function main(): Promise<void> {
  const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as ChildJob;
  const store = new FileStateStore(job.stateDir);
  const a = job.assignment;
  const rec = (await store.load()).get(a.volumeId) ?? { assignment: a };
  rec.assignment = a;
  const res = await stageVolume(
    { runner: new LinuxRunner(), backend: 'linux', stateDir: job.stateDir, portalOf: (e) => job.portals[e], server: job.server, keys: new DerivedKeys() },
    a,
    rec,
    () => store.put(a.volumeId, rec),
  );
  process.stdout.write(`${JSON.stringify({ staged: res.devicePath })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
