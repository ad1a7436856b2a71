// Files read from disk at run time: the gRPC protocol definitions of CSI, etcd and the Terraform
// plugin protocol, and the dashboard's built files (dist/ui). In the checkout and in the bundles (dist/) they are files next to
// the code. In the `tessera` single executable (scripts/build-sea.mjs, docs/install.md) there is
// no such directory: they travel as SEA assets, and assetDir() writes each group once into a
// private cache directory named after the content's hash, then answers that path.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type AssetGroup = 'csi' | 'etcd3' | 'terraform' | 'ui';

/** What the single executable carries: asset key `manifest.json` lists, per group, its files. */
export type AssetManifest = Record<AssetGroup, string[]>;

interface Sea {
  isSea(): boolean;
  getAsset(key: string, encoding?: string): string | ArrayBuffer;
}

function sea(): Sea | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const s = require('node:sea') as Sea;
    return s.isSea() ? s : undefined;
  } catch {
    return undefined; // a Node without SEA support is never a single executable
  }
}

/** True inside the single executable. */
export const inSingleExecutable = (): boolean => sea() !== undefined;

let extracted: string | undefined;

/** The directory holding the files of `group`: `bundled` itself unless this is the single executable. */
export function assetDir(group: AssetGroup, bundled: string): string {
  const s = sea();
  if (!s) return bundled;
  return path.join(extracted ?? (extracted = extract(s)), group);
}

function cacheRoot(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'tessera');
  const home = os.homedir();
  // No usable home (a service account): a per-user directory under the temp dir.
  if (home && path.isAbsolute(home) && fs.existsSync(home)) return path.join(home, '.cache', 'tessera');
  return path.join(os.tmpdir(), `tessera-${process.getuid?.() ?? 'user'}`);
}

function extract(s: Sea): string {
  const manifest = JSON.parse(s.getAsset('manifest.json', 'utf8') as string) as AssetManifest;
  const files: { rel: string; data: Buffer }[] = [];
  const hash = crypto.createHash('sha256');
  for (const group of Object.keys(manifest).sort() as AssetGroup[]) {
    for (const rel of manifest[group]) {
      const key = `${group}/${rel}`;
      if (path.isAbsolute(rel) || rel.split('/').includes('..')) throw new Error(`single executable: asset ${key} is not a relative path inside its group`);
      const data = Buffer.from(s.getAsset(key) as ArrayBuffer);
      hash.update(key).update('\0').update(data);
      files.push({ rel: key, data });
    }
  }
  const dir = path.join(cacheRoot(), 'sea-assets', hash.digest('hex').slice(0, 32));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const { rel, data } of files) {
    const target = path.join(dir, rel);
    // A file already there is used only if it is exactly ours (a partial write or an edit is replaced).
    try {
      if (fs.readFileSync(target).equals(data)) continue;
    } catch {
      // absent: written below
    }
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, target);
  }
  return dir;
}
