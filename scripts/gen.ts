// Regenerates every file derived from schema.json: runs each scripts/gen/*.ts module that
// exports generate(). `npm run gen` writes them; `npm run gen -- --check` only reports stale
// ones (exit 1), which test/gen runs so a stale derived file fails the tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GeneratedFile, GeneratorModule } from './gen/types';

export const REPO_ROOT = path.resolve(__dirname, '..');

export interface GenResult {
  /** Repo-relative paths that differ from (or are missing on) disk, or are extra in an owned dir. */
  stale: string[];
  files: GeneratedFile[];
}

export function generatorModules(dir = path.join(__dirname, 'gen')): { name: string; mod: GeneratorModule }[] {
  const out: { name: string; mod: GeneratorModule }[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    if (!/\.ts$/.test(file) || file.endsWith('.d.ts')) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(dir, file)) as Partial<GeneratorModule>;
    if (typeof mod.generate === 'function') out.push({ name: file.replace(/\.ts$/, ''), mod: mod as GeneratorModule });
  }
  return out;
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

function safePath(rel: string): string {
  const abs = path.resolve(REPO_ROOT, rel);
  if (!abs.startsWith(REPO_ROOT + path.sep)) throw new Error(`generator path escapes the repo: ${rel}`);
  return abs;
}

export async function runGenerators(opts: { check: boolean; only?: string[]; log?: (s: string) => void }): Promise<GenResult> {
  const stale: string[] = [];
  const files: GeneratedFile[] = [];
  for (const { name, mod } of generatorModules()) {
    if (opts.only && !opts.only.includes(name)) continue;
    // Self-writing generators (generate() writes and returns paths) bring their own staleFiles().
    if (opts.check && typeof mod.staleFiles === 'function') {
      stale.push(...(await mod.staleFiles()));
      continue;
    }
    const result = await mod.generate();
    if (result.every((f) => typeof f === 'string')) {
      if (!opts.check) opts.log?.(`gen ${name}: wrote ${result.length} files`);
      else stale.push(`${name}: generate() writes files itself and has no staleFiles() to check with`);
      continue;
    }
    const produced = result as GeneratedFile[];
    files.push(...produced);
    const producedAbs = new Set(produced.map((f) => safePath(f.path)));
    for (const f of produced) {
      const abs = safePath(f.path);
      const current = fs.existsSync(abs) ? fs.readFileSync(abs, 'utf8') : undefined;
      if (current === f.content) continue;
      stale.push(f.path);
      if (!opts.check) {
        fs.mkdirSync(path.dirname(abs), { recursive: true });
        fs.writeFileSync(abs, f.content);
        opts.log?.(`gen ${name}: wrote ${f.path}`);
      }
    }
    for (const dir of mod.ownedDirs ?? []) {
      for (const abs of listFiles(safePath(dir))) {
        if (producedAbs.has(abs)) continue;
        const rel = path.relative(REPO_ROOT, abs);
        stale.push(rel);
        if (!opts.check) {
          fs.unlinkSync(abs);
          opts.log?.(`gen ${name}: removed ${rel}`);
        }
      }
    }
  }
  return { stale, files };
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  runGenerators({ check, log: (s) => console.log(s) }).then(
    ({ stale, files }) => {
      if (check && stale.length) {
        console.error(`stale derived files (run \`npm run gen\`):\n  ${stale.join('\n  ')}`);
        process.exitCode = 1;
      } else {
        console.log(check ? `${files.length} derived files up to date` : `${files.length} derived files, ${stale.length} rewritten`);
      }
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
