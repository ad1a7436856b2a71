// The release wipe (provider/enclosure/configfs.ts wipeExtent) on a real loop device: the md
// superblock, everything up to 32 MiB past the array's data offset and the last MiB are zeroed;
// the blocks in between are left; a path that is not a block device is refused.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { wipeExtent } from '../../provider/enclosure/configfs';
import { cleanupLab, labRoot } from '../agent/lab-helpers';

const MiB = 1024 * 1024;
let root: string;
beforeAll(() => {
  root = labRoot('tessera-wipe-');
});
afterAll(() => cleanupLab(root));

/** A 128 MiB loop device full of 0xa5, with an md v1.2 superblock at 4 KiB giving `dataOffsetMiB`. */
function drive(dataOffsetMiB: number): { dev: string; file: string } {
  const file = path.join(root, `d${dataOffsetMiB}.img`);
  fs.writeFileSync(file, Buffer.alloc(128 * MiB, 0xa5));
  const sb = Buffer.alloc(136, 0);
  sb.writeUInt32LE(0xa92b4efc, 0);
  sb.writeUInt32LE(1, 4);
  sb.writeBigUInt64LE(BigInt((dataOffsetMiB * MiB) / 512), 128);
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, sb, 0, sb.length, 4096);
  fs.closeSync(fd);
  const dev = execFileSync('losetup', ['--find', '--show', file], { encoding: 'utf8' }).trim();
  return { dev, file };
}
const allZero = (b: Buffer) => b.every((x) => x === 0);
const allA5 = (b: Buffer) => b.every((x) => x === 0xa5);
function read(dev: string, from: number, len: number): Buffer {
  const fd = fs.openSync(dev, 'r');
  try {
    const b = Buffer.alloc(len);
    fs.readSync(fd, b, 0, len, from);
    return b;
  } finally {
    fs.closeSync(fd);
  }
}

test('an array member: superblock and the data offset plus 32 MiB (LUKS2 header, fs superblock) zeroed, the last MiB too, the middle kept', () => {
  const { dev } = drive(8);
  wipeExtent(dev, 128 * MiB);
  expect(allZero(read(dev, 0, 40 * MiB))).toBe(true);
  expect(allA5(read(dev, 40 * MiB, 87 * MiB))).toBe(true);
  expect(allZero(read(dev, 127 * MiB, MiB))).toBe(true);
  // blkid finds nothing to identify.
  const r = (() => {
    try {
      return execFileSync('blkid', ['-p', dev], { encoding: 'utf8' });
    } catch (e) {
      return `exit ${(e as { status: number }).status}`;
    }
  })();
  expect(r).toBe('exit 2');
});

test('no md superblock: the first 32 MiB (a LUKS header or a filesystem right at the start) and the last MiB', () => {
  const { dev, file } = drive(0);
  // Overwrite the fake superblock: this member holds no array.
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, Buffer.alloc(136, 0xa5), 0, 136, 4096);
  fs.closeSync(fd);
  execFileSync('losetup', ['--set-capacity', dev]);
  wipeExtent(dev, 64 * MiB);
  expect(allZero(read(dev, 0, 32 * MiB))).toBe(true);
  expect(allA5(read(dev, 32 * MiB, 31 * MiB))).toBe(true);
  expect(allZero(read(dev, 63 * MiB, MiB))).toBe(true);
  expect(allA5(read(dev, 64 * MiB, MiB))).toBe(true);
});

test.each([
  ['a regular file', () => path.join(root, 'd8.img'), /not a device path under \/dev/],
  ['a character device', () => '/dev/null', /is not a block device/],
  ['a relative path', () => 'dev/loop0', /not a device path under \/dev/],
])('refused: %s', (_what, p, msg) => {
  expect(() => wipeExtent(p(), MiB)).toThrow(msg);
});
