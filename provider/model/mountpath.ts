// The mountPath rule: where on a server a volume may be bind-mounted. One pure function, used by
// the composer's validation (and the providers' checks) and by the agent before it touches the
// host; the agent also applies it to the path's real location (provider/agent/paths.ts). The
// rule and the default roots are documented in docs/agent.md.

/**
 * Where volumes may be mounted unless the composer and agents are configured otherwise: the
 * trees a storage admin keeps for data (/mnt, /srv, /data) and one reserved for Tessera under
 * /var/lib. Everything else (/opt, /home, /var/lib/<other app>, ...) needs an explicit root.
 */
export const DEFAULT_MOUNT_ROOTS: readonly string[] = ['/mnt', '/srv', '/data', '/var/lib/tessera'];

/**
 * Trees the operating system lives in: a volume mounted there (or over them) would replace
 * binaries, libraries, configuration, devices or kernel interfaces. Refused as a mountPath, as a
 * mount root, and as the real location of either, whatever the configuration.
 */
export const SYSTEM_TREES: readonly string[] = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/root', '/run', '/sbin', '/sys', '/usr'];

/** Directories that hold system trees or per-application state: never a mountPath or a root themselves. */
const SHARED_PARENTS: readonly string[] = ['/', '/var', '/var/lib'];

/** Linux NAME_MAX: bytes in one path component. */
export const MAX_COMPONENT_BYTES = 255;
/** Linux PATH_MAX is 4096 bytes including the terminating NUL. */
export const MAX_PATH_BYTES = 4095;

export interface MountPathRule {
  /**
   * Trees a mountPath must be in (at or under). Default DEFAULT_MOUNT_ROOTS. `null`: any tree
   * outside the system directories, for a front end that does not know the deployment's roots
   * (the providers' plan-time check; the composer then applies its own).
   */
  roots?: readonly string[] | null;
  /** Directories a mountPath may be neither in nor above, e.g. the agent's state directory. */
  reserved?: readonly { dir: string; what: string }[];
}

function inside(p: string, dir: string): boolean {
  return dir === '/' || p === dir || p.startsWith(`${dir}/`);
}

/** A path in a message: quoted (control characters escaped) and cut short. */
function show(p: string): string {
  return JSON.stringify(p.length > 80 ? `${p.slice(0, 80)}...` : p);
}

/** The normal form of an absolute path: no '.', '..', empty components or trailing '/'. */
function normalise(p: string): string {
  const parts: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') parts.pop();
    else parts.push(c);
  }
  return `/${parts.join('/')}`;
}

/** Shape only: a string, absolute, normalised, printable, within the kernel's length limits. */
function shapeProblem(p: unknown): string | undefined {
  if (typeof p !== 'string' || p.length === 0) return 'must be a non-empty absolute path';
  // Control characters (C0, DEL, C1) break fstab-style listings, logs and shell tools reading mounts.
  const ctl = /[\u0000-\u001f\u007f-\u009f]/.exec(p);
  if (ctl) {
    const code = ctl[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `${show(p)} must not contain control characters (control character U+${code} at character ${ctl.index + 1})`;
  }
  if (/\p{Cs}/u.test(p)) return 'must be valid Unicode (it has an unpaired surrogate)';
  if (!p.startsWith('/')) return `${show(p)} must be an absolute path`;
  const norm = normalise(p);
  if (norm !== p) return `${show(p)} must be normalised (no '.', '..', '//' or trailing '/'; did you mean ${show(norm)}?)`;
  const bytes = Buffer.byteLength(p, 'utf8');
  if (bytes > MAX_PATH_BYTES) return `is ${bytes} bytes long; at most ${MAX_PATH_BYTES} bytes (PATH_MAX) are allowed`;
  for (const c of p.split('/')) {
    const n = Buffer.byteLength(c, 'utf8');
    if (n > MAX_COMPONENT_BYTES) return `component ${show(c)} is ${n} bytes long; at most ${MAX_COMPONENT_BYTES} bytes (NAME_MAX) are allowed`;
  }
  return undefined;
}

/** Why `p` may not be (or hold) mounts: in a system tree, or a directory that holds them. */
function systemProblem(p: string): string | undefined {
  const tree = SYSTEM_TREES.find((t) => inside(p, t));
  if (tree) return `${show(p)} is inside ${tree}, a system directory`;
  if (SHARED_PARENTS.includes(p)) return `${show(p)} would hide system directories or other applications' state`;
  return undefined;
}

/**
 * Why `p` is not an acceptable mountPath under `rule`, or undefined when it is. The reason reads
 * after the field name (`mountPath: <reason>`).
 */
export function checkMountPath(p: unknown, rule: MountPathRule = {}): string | undefined {
  const shape = shapeProblem(p);
  if (shape) return shape;
  const path = p as string;
  for (const r of rule.reserved ?? []) {
    if (inside(path, r.dir) || inside(r.dir, path)) return `${show(path)} overlaps ${r.what} ${r.dir}, which is refused`;
  }
  const system = systemProblem(path);
  if (system) return system;
  const roots = rule.roots === undefined ? DEFAULT_MOUNT_ROOTS : rule.roots;
  if (roots !== null && !roots.some((r) => inside(path, r))) return `${show(path)} is outside the allowed mount roots (${roots.join(', ')}); see docs/agent.md`;
  return undefined;
}

/**
 * Why `root` cannot be a mount root (the composer's and the agent's `mountRoots` setting), or
 * undefined. A root may narrow or move the allowed trees, never open a system tree or a parent
 * of one: the production rule holds whatever a test or lab configures.
 */
export function checkMountRoot(root: unknown): string | undefined {
  return shapeProblem(root) ?? systemProblem(root as string);
}

/** Throws `<field>[i]: <reason>` for the first bad root; returns the roots. */
export function mountRootsOrThrow(roots: readonly string[], field = 'mountRoots'): readonly string[] {
  if (!Array.isArray(roots) || roots.length === 0) throw new Error(`${field}: must list at least one directory`);
  roots.forEach((r, i) => {
    const why = checkMountRoot(r);
    if (why) throw new Error(`${field}[${i}]: ${why}`);
  });
  return roots;
}
