// The acceptance matrix (docs/acceptance-matrix.md) from the names of the end-to-end tests that
// run the real engines (test/e2e/): a test says which cells it covers with tags in its name,
// `{Volume: create replan grow}`, one per resource kind. The table shows, per kind and operation,
// which engine's tests cover it, so a reader sees the gaps. A tag naming an unknown kind or
// operation fails the generation; `npm test` fails while the document is stale (test/gen).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GeneratedFile } from './types';

const ROOT = path.resolve(__dirname, '..', '..');

/** Engine of each end-to-end file: what runs the test. */
export const ENGINES: Record<string, string> = {
  'test/e2e/pulumi.test.ts': 'pulumi',
  'test/e2e/pulumi-matrix.test.ts': 'pulumi',
  // The native provider (pulumi-resource-tessera): what the dynamic one cannot do, import, is here.
  'test/e2e/pulumi-native.test.ts': 'pulumi (native)',
  'test/e2e/tofu.test.ts': 'tofu (HCL)',
  'test/e2e/tofu-matrix.test.ts': 'tofu (HCL)',
  'test/e2e/terraform.test.ts': 'terraform (HCL)',
  'test/e2e/terraform-matrix.test.ts': 'terraform (HCL)',
  'test/e2e/cdktf.test.ts': 'tofu (CDKTF)',
  'test/e2e/cdktf-terraform.test.ts': 'terraform (CDKTF)',
  // The release install test: only its CDKTF test carries tags, and it goes through the real
  // cdktf CLI (synth, deploy, diff, destroy) with tofu as the engine (docs/terraform.md).
  'test/e2e/install.test.ts': 'tofu (cdktf CLI)',
};

/** A test whose title starts so runs on another engine than its file's: [file, title prefix, engine]. */
export const ENGINE_OF_TEST: [string, string, string][] = [
  // The app that imports cdktn under its own name, driven by the fork's CLI (docs/terraform.md "cdktn").
  ['test/e2e/install.test.ts', 'a CDKTF app importing the maintained fork under its own name', 'tofu (cdktn CLI)'],
];

/** The columns of the table, in order. */
export const engineColumns = (): string[] => [...new Set([...Object.values(ENGINES), ...ENGINE_OF_TEST.map((e) => e[2])])];

export const KINDS = ['Cluster', 'Volume', 'Slice', 'KeyPolicy'] as const;

/** The operations of the matrix, in the order of the table, with what each means. */
export const OPERATIONS: Record<string, string> = {
  create: 'created from nothing',
  replan: 'an empty plan right after (detailed exit code / expect-no-changes)',
  update: 'an in-place update (e.g. cluster servers, reclaim policy)',
  rotate: 'key rotation in place',
  grow: 'size growth in place',
  move: 'a move to another server',
  replace: 'a replacement (opted in with allowDataLoss for volumes and slices)',
  'data-loss-refused': 'a replacement refused at plan time without the opt-in',
  'drift-changed': 'refresh shows a change made out of band',
  'drift-deleted': 'refresh drops an object deleted out of band',
  import: 'import of an existing object',
  'saved-plan': 'plan -out, then apply the plan',
  destroy: 'destroy restores the pool exactly',
  'infeasible-create': 'a create the pool cannot hold fails the plan',
  'infeasible-growth': 'a growth that cannot extend fails the plan',
  'infeasible-replacement': 'a replacement that will not fit fails the plan',
  'infeasible-plan-wide': 'objects that fit one by one but not together fail the plan',
};

const COMMON = ['create', 'replan', 'replace', 'drift-changed', 'drift-deleted', 'import', 'saved-plan', 'destroy'];
const PLACED = [...COMMON, 'update', 'grow', 'move', 'data-loss-refused', 'infeasible-create', 'infeasible-growth', 'infeasible-replacement', 'infeasible-plan-wide'];
/** The operations that apply to each kind (a cluster does not grow, a volume does not rotate). */
export const APPLIES: Record<(typeof KINDS)[number], string[]> = {
  Cluster: [...COMMON, 'update'],
  Volume: PLACED,
  Slice: PLACED,
  KeyPolicy: [...COMMON, 'rotate'],
};

const TITLE = /^\s*(?:test|it)\(\s*(['"`])((?:(?!\1).)*)\1/gm;
const TAG = /\{(\w+):\s*([^}]*)\}/g;

export interface Covered {
  engine: string;
  kind: string;
  operation: string;
  test: string;
}

/** The cells each end-to-end test names, from its title. Throws on an unknown kind or operation. */
export function coveredCells(read: (file: string) => string = (f) => fs.readFileSync(path.join(ROOT, f), 'utf8')): Covered[] {
  const out: Covered[] = [];
  for (const [file, fileEngine] of Object.entries(ENGINES)) {
    for (const m of read(file).matchAll(TITLE)) {
      const title = m[2];
      const engine = ENGINE_OF_TEST.find(([f, prefix]) => f === file && title.startsWith(prefix))?.[2] ?? fileEngine;
      for (const t of title.matchAll(TAG)) {
        const kind = t[1];
        if (!(KINDS as readonly string[]).includes(kind)) throw new Error(`${file}: test "${title}": unknown kind ${kind} (known: ${KINDS.join(', ')})`);
        for (const operation of t[2].split(/\s+/).filter(Boolean)) {
          if (OPERATIONS[operation] && !APPLIES[kind as (typeof KINDS)[number]].includes(operation)) throw new Error(`${file}: test "${title}": ${operation} does not apply to ${kind}`);
          if (!OPERATIONS[operation]) throw new Error(`${file}: test "${title}": unknown operation ${operation} (known: ${Object.keys(OPERATIONS).join(', ')})`);
          out.push({ engine, kind, operation, test: title.replace(TAG, '').trim() });
        }
      }
    }
  }
  return out;
}

/**
 * Throws when an ENGINE_OF_TEST prefix matches no test of its file: a renamed title would
 * otherwise put its cells back in the file's column without a word.
 */
export function checkEngineOverrides(read: (file: string) => string = (f) => fs.readFileSync(path.join(ROOT, f), 'utf8')): void {
  for (const [file, prefix] of ENGINE_OF_TEST) {
    if (![...read(file).matchAll(TITLE)].some((m) => m[2].startsWith(prefix))) throw new Error(`${file}: ENGINE_OF_TEST names no test starting "${prefix}"`);
  }
}

export function renderMatrix(cells: Covered[]): string {
  const engines = engineColumns();
  const lines = [
    '# Acceptance matrix',
    '',
    '<!-- GENERATED by `npm run gen` from the names of the tests in test/e2e (scripts/gen/matrix.ts); do not edit. -->',
    '',
    'Which end-to-end tests (real engines against a real composer with agents) cover each resource',
    'kind and operation. A test names its cells with tags such as `{Volume: create grow}` in its',
    'title; an empty cell is not covered by an end-to-end test yet. The numbers point at the tests',
    'listed below the table. Only the operations that apply to a kind are listed.',
    '',
    `| kind | operation | ${engines.join(' | ')} |`,
    `|---|---|${engines.map(() => '---').join('|')}|`,
  ];
  const tests = [...new Set(cells.map((c) => `${c.engine}: ${c.test}`))];
  for (const kind of KINDS) {
    for (const op of Object.keys(OPERATIONS)) {
      if (!APPLIES[kind].includes(op)) continue;
      const row = engines.map((e) => {
        const refs = [...new Set(cells.filter((c) => c.engine === e && c.kind === kind && c.operation === op).map((c) => tests.indexOf(`${c.engine}: ${c.test}`) + 1))];
        return refs.length ? refs.map((r) => `[${r}]`).join(' ') : '';
      });
      lines.push(`| ${kind} | ${op} | ${row.join(' | ')} |`);
    }
  }
  lines.push('', '## Operations', '');
  for (const [op, what] of Object.entries(OPERATIONS)) lines.push(`- \`${op}\`: ${what}`);
  lines.push('', '## Tests', '');
  tests.forEach((t, i) => lines.push(`${i + 1}. ${t}`));
  return `${lines.join('\n')}\n`;
}

export function generate(): GeneratedFile[] {
  checkEngineOverrides();
  return [{ path: 'docs/acceptance-matrix.md', content: renderMatrix(coveredCells()) }];
}
