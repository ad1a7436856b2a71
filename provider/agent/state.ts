// What the agent remembers per volume between runs: the assignment it is converging to (written
// before the first step, so a volume can be unstaged after a crash even if the composer no
// longer lists it), the key version on the LUKS header and the mountPath it
// bound. Written after every step; never holds key material.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Assignment } from '../api/contract';
import type { Member } from '../model/placement';
import { checkVolumeId } from './names';

export interface VolumeRecord {
  assignment: Assignment;
  /** Key version the LUKS header is known to accept. */
  keyVersion?: number;
  /** mountPath currently bind-mounted (may differ from the assignment's during a change). */
  boundPath?: string;
  /** Generation that was last fully staged. */
  stagedGeneration?: number;
  /** A format this agent started and has not seen finish (`md` create, `luks` format with the key
   * version it used, `fs` mkfs): a kill in the middle can leave that layer torn, and only a torn
   * layer of this volume's own interrupted format is made again (docs/agent.md, Ownership). */
  formatting?: { layer: 'md' | 'luks' | 'fs'; keyVersion?: number };
  /** Members a new placement replaced (a rebuild): still to be disconnected once out of the array (docs/failure.md). */
  detach?: Member[];
}

export interface StateStore {
  load(): Promise<Map<string, VolumeRecord>>;
  put(volumeId: string, rec: VolumeRecord): Promise<void>;
  remove(volumeId: string): Promise<void>;
}

/** In memory: simulated agents. Pass the same instance to a restarted agent to model a disk that survives. */
export class MemoryStateStore implements StateStore {
  readonly records = new Map<string, VolumeRecord>();
  async load() {
    return new Map([...this.records].map(([k, v]) => [k, structuredClone(v)]));
  }
  async put(id: string, rec: VolumeRecord) {
    this.records.set(id, structuredClone(rec));
  }
  async remove(id: string) {
    this.records.delete(id);
  }
}

/** One JSON file per volume under <stateDir>/volumes, replaced atomically (write + rename). */
export class FileStateStore implements StateStore {
  private readonly dir: string;
  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'volumes');
  }
  async load() {
    const out = new Map<string, VolumeRecord>();
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (const f of await fs.promises.readdir(this.dir)) {
      if (!f.endsWith('.json')) continue;
      const id = f.slice(0, -5);
      out.set(id, JSON.parse(await fs.promises.readFile(path.join(this.dir, f), 'utf8')) as VolumeRecord);
    }
    return out;
  }
  async put(id: string, rec: VolumeRecord) {
    checkVolumeId(id);
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = path.join(this.dir, `${id}.json`);
    const tmp = `${file}.tmp`;
    const fh = await fs.promises.open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(rec, null, 2));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, file);
  }
  async remove(id: string) {
    checkVolumeId(id);
    await fs.promises.rm(path.join(this.dir, `${id}.json`), { force: true });
  }
}
