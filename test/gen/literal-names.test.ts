// The literal-name check (scripts/literal-names.ts): no schema.json attribute name is spelled as
// an untyped string outside schema.json, the schema module and the generated files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findLiteralNames, HOMONYMS, type LiteralName, REPO_ROOT, unexplained } from '../../scripts/literal-names';


const where = (fs_: LiteralName[]) => fs_.map((f) => `${f.file}:${f.line}: '${f.literal}'`);

describe('attribute names in code (scripts/literal-names.ts)', () => {
  let found: LiteralName[];
  beforeAll(() => {
    found = findLiteralNames();
  }, 240_000);

  it('are never spelled as untyped strings outside schema.json, the schema module and generated files', () => {
    expect(where(unexplained(found))).toEqual([]);
  });

  it('has no stale allowance: every homonym still occurs', () => {
    const occurs = new Set(found.map((f) => `${f.file} ${f.literal}`));
    const stale = [
      ...Object.entries(HOMONYMS).flatMap(([file, h]) => h.literals.map((l) => `${file} ${l}`)),
    ].filter((k) => !occurs.has(k));
    expect(stale).toEqual([]);
  });

  it('fails on an untyped literal and passes one the compiler checks against a schema-derived type', () => {
    // tmp/ is git-ignored: a fresh clone has none.
    fs.mkdirSync(path.join(REPO_ROOT, 'tmp'), { recursive: true });
    const dir = fs.mkdtempSync(path.join(REPO_ROOT, 'tmp', 'literals-'));
    const file = path.join(dir, 'sample.ts');
    try {
      fs.writeFileSync(
        file,
        `import type { PlacementAttribute, VolumeAttribute } from '../../provider/schema';
declare const field: string;
declare const attr: VolumeAttribute;
export const untyped = ['sizeGiB', 'owner'];
export const asArgument = (f: string) => f;
asArgument('mountPath');
export const compared = field === 'secretWo';
export const typed: PlacementAttribute = 'rpm';
export const typedList: readonly VolumeAttribute[] = ['cluster', 'server'];
export const checked = attr === 'encrypt';
export const notAName = 'sizeGiB!';
export function sw(a: VolumeAttribute): number {
  switch (a) {
    case 'type':
      return 1;
    default:
      return 0;
  }
}
export type Type = 'state';
`,
      );
      const hits = findLiteralNames([file]).map((f) => [f.line, f.literal]);
      expect(hits).toEqual([
        [4, 'sizeGiB'],
        [4, 'owner'],
        [6, 'mountPath'],
        [7, 'secretWo'],
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
