// Real loop devices and mounts for lab tests, and their clean-up: every mount under the test's
// root and every loop device over a file under it is removed, even when a test failed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

export function labRoot(prefix = 'tessera-lab-'): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/** Mount points under `root`, deepest first (from /proc/self/mountinfo). */
export function mountsUnder(root: string): string[] {
  const out: string[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    if (f.length < 5) continue;
    const mp = f[4].replace(/\\040/g, ' ');
    if (mp === root || mp.startsWith(`${root}/`)) out.push(mp);
  }
  return out.reverse();
}

/** Loop devices over files under `root`, and those stacked on them (the lab stand-ins for md
 * arrays and dm mappings, provider/agent/lab-standin.ts), the top of each stack first. */
export function loopsUnder(root: string): string[] {
  const r = execFileSync('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE'], { encoding: 'utf8' });
  if (!r.trim()) return [];
  const list = (JSON.parse(r) as { loopdevices: { name: string; 'back-file': string | null }[] }).loopdevices;
  const ours = new Set(list.filter((l) => (l['back-file'] ?? '').startsWith(`${root}/`)).map((l) => l.name));
  const out = [...ours];
  for (let grew = true; grew; ) {
    grew = false;
    for (const l of list) {
      if (!ours.has(l.name) && ours.has(l['back-file'] ?? '')) {
        ours.add(l.name);
        out.unshift(l.name);
        grew = true;
      }
    }
  }
  return out;
}

export function cleanupLab(root: string, removeDir = true): void {
  for (let pass = 0; pass < 3; pass++) {
    for (const mp of mountsUnder(root)) {
      try {
        execFileSync('umount', [mp], { stdio: 'ignore' });
      } catch {
        try {
          execFileSync('umount', ['--lazy', mp], { stdio: 'ignore' });
        } catch {
          /* next pass */
        }
      }
    }
  }
  for (const dev of loopsUnder(root)) {
    try {
      execFileSync('losetup', ['--detach', dev], { stdio: 'ignore' });
    } catch {
      /* reported below */
    }
  }
  const leftMounts = mountsUnder(root);
  const leftLoops = loopsUnder(root);
  if (removeDir && leftMounts.length === 0) fs.rmSync(root, { recursive: true, force: true });
  if (leftMounts.length || leftLoops.length) throw new Error(`lab clean-up left mounts ${leftMounts.join(', ')} loops ${leftLoops.join(', ')}`);
}

export function blkidUuid(dev: string): string {
  return execFileSync('blkid', ['-p', '-o', 'value', '-s', 'UUID', dev], { encoding: 'utf8' }).trim();
}
