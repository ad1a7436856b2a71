// mountPath on the host: the shared rule (provider/model/mountpath.ts) with the agent's state
// directory reserved, checked before any step runs; and the same rule applied to where the path
// really leads on this host (symlinks resolved) right before a bind mount is made or removed, so
// a symlinked parent cannot carry a volume into /etc (docs/agent.md, "Safety checks").
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_MOUNT_ROOTS, checkMountPath } from '../model/mountpath';
import type { VolumeAttribute } from '../schema';

/** What the agent holds a mountPath to: its mount roots and its own state directory. */
export interface MountPolicy {
  stateDir: string;
  /** Trees a mountPath must be in (default DEFAULT_MOUNT_ROOTS). */
  roots?: readonly string[];
}

function reserved(stateDir: string) {
  return [{ dir: path.resolve(stateDir), what: "the agent's state directory" }];
}

/** Throws `mountPath: <reason>` unless the path passes the rule; returns it. */
export function assertMountPath(mountPath: string, policy: MountPolicy, field: string = 'mountPath' satisfies VolumeAttribute): string {
  const why = checkMountPath(mountPath, { roots: policy.roots ?? DEFAULT_MOUNT_ROOTS, reserved: reserved(policy.stateDir) });
  if (why) throw new Error(`${field}: ${why}`);
  return mountPath;
}

/**
 * Where `p` really is: the real path of its deepest existing ancestor (every symlink resolved)
 * followed by the components that do not exist yet. Only reads the filesystem.
 */
export async function realLocation(p: string): Promise<string> {
  const rest: string[] = [];
  let cur = p;
  for (;;) {
    try {
      const real = await fs.promises.realpath(cur);
      return rest.length ? path.posix.join(real, ...rest.reverse()) : real;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || cur === '/') throw e;
      // ENOENT for something that is there: a symlink to a missing target. Where `mkdir -p`
      // would create it is not known here, so it is refused rather than guessed.
      const st = await fs.promises.lstat(cur).catch(() => undefined);
      if (st?.isSymbolicLink()) throw new Error(`${JSON.stringify(cur)} is a symbolic link to a missing target (${await fs.promises.readlink(cur)})`);
      rest.push(path.posix.basename(cur));
      cur = path.posix.dirname(cur);
    }
  }
}

/**
 * Throws `mountPath: ...` unless the path, resolved on this host, still passes the rule under the
 * roots resolved the same way. Returns the real location.
 */
export async function assertRealMountPath(mountPath: string, policy: MountPolicy, field: string = 'mountPath' satisfies VolumeAttribute): Promise<string> {
  assertMountPath(mountPath, policy, field);
  const real = await realLocation(mountPath);
  if (real === mountPath) return real;
  // Roots are compared where they really are too (an admin's /data may be a link to /srv/data).
  const roots = await Promise.all((policy.roots ?? DEFAULT_MOUNT_ROOTS).map(realLocation));
  const stateDir = await realLocation(path.resolve(policy.stateDir));
  const why = checkMountPath(real, { roots, reserved: reserved(stateDir) });
  if (why) throw new Error(`${field}: ${JSON.stringify(mountPath)} leads to ${JSON.stringify(real)} on this host, which is refused: ${why}`);
  return real;
}
