// The acceptance matrix is generated from the e2e tests' names (scripts/gen/matrix.ts); the
// staleness of docs/acceptance-matrix.md is checked with every generator in gen.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkEngineOverrides, coveredCells, ENGINE_OF_TEST, ENGINES, renderMatrix } from '../../scripts/gen/matrix';

const files = (body: string) => (f: string) => (f === Object.keys(ENGINES)[0] ? body : '');

test('tags in test names become cells; unknown kinds, operations and misplaced ones are refused', () => {
  const cells = coveredCells(files("test('grows {Volume: create grow} {KeyPolicy: rotate}', async () => {});"));
  expect(cells.map((c) => [c.engine, c.kind, c.operation, c.test])).toEqual([
    ['pulumi', 'Volume', 'create', 'grows'],
    ['pulumi', 'Volume', 'grow', 'grows'],
    ['pulumi', 'KeyPolicy', 'rotate', 'grows'],
  ]);
  const md = renderMatrix(cells);
  expect(md).toContain('| Volume | grow | [1] |  |  |');
  expect(md).toContain('| Volume | replace |  |  |  |');
  expect(md).not.toContain('| Cluster | grow |');
  expect(() => coveredCells(files("it('x {Tape: create}', () => {});"))).toThrow(/unknown kind Tape/);
  expect(() => coveredCells(files("it('x {Volume: explode}', () => {});"))).toThrow(/unknown operation explode/);
  expect(() => coveredCells(files("it('x {Cluster: grow}', () => {});"))).toThrow(/grow does not apply to Cluster/);
});

test('a test whose title starts with an ENGINE_OF_TEST prefix gets that column; the other tests of its file keep the file column', () => {
  const [file, prefix, engine] = ENGINE_OF_TEST[0];
  const body = `test('${prefix} x {Volume: create}', async () => {});\ntest('another {Volume: destroy}', async () => {});`;
  const cells = coveredCells((f) => (f === file ? body : ''));
  expect(cells.map((c) => [c.engine, c.operation])).toEqual([
    [engine, 'create'],
    [ENGINES[file], 'destroy'],
  ]);
  expect(engine).not.toBe(ENGINES[file]);
  expect(renderMatrix(cells)).toContain(`| ${engine} |`);
  expect(() => checkEngineOverrides((f) => (f === file ? body : ''))).not.toThrow();
  expect(() => checkEngineOverrides((f) => (f === file ? "test('renamed {Volume: create}', async () => {});" : ''))).toThrow(/ENGINE_OF_TEST names no test starting/);
});

test('the committed matrix lists the cells the e2e tests name', () => {
  const md = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'acceptance-matrix.md'), 'utf8');
  expect(md).toBe(renderMatrix(coveredCells()));
  expect(md).toMatch(/\| Volume \| data-loss-refused \| \[\d+\] \| \[\d+\] \|/);
  // HashiCorp terraform has its own column, filled by test/e2e/terraform-matrix.test.ts.
  expect(md).toContain('| kind | operation | pulumi | pulumi (native) | tofu (HCL) | terraform (HCL) | tofu (CDKTF) |');
  expect(md).toMatch(/\| Slice \| create \| [^|]* \| [^|]* \| \[\d+\] \|/);
});
