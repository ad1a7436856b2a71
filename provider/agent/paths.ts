// mountPath validation: refused before any step runs (issue 4, Security).
import * as path from 'node:path';

const FORBIDDEN = ['/proc', '/sys', '/dev', '/boot'];

function inside(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** Throws `mountPath: ...` unless the path is absolute, normalised and outside system and agent directories. */
export function checkMountPath(mountPath: string, stateDir: string, field = 'mountPath'): string {
  if (typeof mountPath !== 'string' || mountPath.length === 0) throw new Error(`${field}: must be a non-empty string`);
  if (mountPath.includes('\0')) throw new Error(`${field}: must not contain NUL bytes`);
  if (!path.isAbsolute(mountPath)) throw new Error(`${field}: "${mountPath}" must be an absolute path`);
  const norm = path.posix.normalize(mountPath);
  if (norm !== mountPath || (mountPath.length > 1 && mountPath.endsWith('/'))) {
    throw new Error(`${field}: "${mountPath}" must be normalised (no '.', '..', '//' or trailing '/'; did you mean "${norm.replace(/\/$/, '') || '/'}"?)`);
  }
  if (mountPath === '/') throw new Error(`${field}: "/" cannot be a mount path`);
  for (const f of FORBIDDEN) {
    if (inside(mountPath, f)) throw new Error(`${field}: "${mountPath}" is inside ${f}, which is refused`);
  }
  const state = path.resolve(stateDir);
  if (inside(mountPath, state) || inside(state, mountPath)) {
    throw new Error(`${field}: "${mountPath}" overlaps the agent's state directory ${state}, which is refused`);
  }
  return mountPath;
}
