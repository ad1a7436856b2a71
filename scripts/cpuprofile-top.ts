// Summarises V8 .cpuprofile files (bench/iac.ts with BENCH_CPU_PROF=<dir>): self time per
// function and per file, summed over every profile given, so a benchmark's time can be put on the
// code that spends it (bench/RESULTS-iac.md).
//   npx tsx scripts/cpuprofile-top.ts <dir-or-file>... [--top 25]
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const args = process.argv.slice(2);
const topIdx = args.indexOf('--top');
const top = topIdx >= 0 ? Number(args.splice(topIdx, 2)[1]) : 25;
if (args.length === 0) throw new Error('usage: cpuprofile-top.ts <dir-or-file>... [--top N]');
const files = args.flatMap((a) => (fs.statSync(a).isDirectory() ? fs.readdirSync(a).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(a, f)) : [a]));

const byFn = new Map<string, number>();
// Inclusive time: each function counted once per sample, over its whole stack.
const inclusive = new Map<string, number>();
const byFile = new Map<string, number>();
let totalMs = 0;
let wallMs = 0;
for (const file of files) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  wallMs += (p.endTime - p.startTime) / 1000;
  p.samples.forEach((id, i) => {
    const ms = (p.timeDeltas[i] ?? 0) / 1000;
    const n = nodes.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    const short = url.replace(/^.*node_modules\//, 'nm/').replace(/^file:\/\//, '');
    const fnKey = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
    byFn.set(fnKey, (byFn.get(fnKey) ?? 0) + ms);
    const fileKey = url ? short.replace(/^(nm\/(@[^/]+\/)?[^/]+).*$/, '$1') : `(${functionName})`;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + ms);
    if (functionName !== '(idle)' && functionName !== '(program)') totalMs += ms;
    const names = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const f = nodes.get(at)!.callFrame;
      if (f.functionName && !f.url.startsWith('node:')) names.add(f.functionName);
    }
    for (const k of names) inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
  });
}
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${v.toFixed(0).padStart(8)} ms  ${k}`);
};
console.log(`${files.length} profiles, ${wallMs.toFixed(0)} ms wall, ${totalMs.toFixed(0)} ms on CPU (not idle/program)`);
print('self time by package/file', byFile);
print('self time by function', byFn);
print('inclusive time by function name (not node: internals)', inclusive);
