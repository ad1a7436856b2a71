// Lab enclosures: every drive of the inventory is a sparse file <labDir>/<enclosure>/<serial>.img
// of the drive's size, so the real Linux path (losetup, mkfs, mount) runs on an ordinary machine.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Inventory } from '../model/inventory';
import { GiB, labDriveFile } from './names';

/** Create missing drive files (sparse; existing files are never truncated or rewritten). */
export function provisionLabDrives(labDir: string, inventory: Inventory, only?: (serial: string) => boolean): string[] {
  const made: string[] = [];
  for (const sg of inventory.storageGroups) {
    for (const enc of sg.enclosures) {
      for (const d of enc.drives) {
        if (only && !only(d.serial)) continue;
        const file = labDriveFile(labDir, enc.name, d.serial);
        if (path.relative(labDir, file).startsWith('..')) throw new Error(`enclosure ${enc.name} / drive ${d.serial}: name escapes the lab directory`);
        if (fs.existsSync(file)) continue;
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const fd = fs.openSync(file, 'wx', 0o600);
        try {
          fs.ftruncateSync(fd, d.sizeGiB * GiB);
        } finally {
          fs.closeSync(fd);
        }
        made.push(file);
      }
    }
  }
  return made;
}
