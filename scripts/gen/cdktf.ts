// CDKTF bindings for the tessera provider, generated from schema.json through
// provider/terraform/schema.ts (the blocks GetProviderSchema answers with, rendered as the
// `providers schema -json` document) by @cdktf/provider-generator's TerraformProviderGenerator
// and CodeMaker: no terraform binary, no registry.
//   generate()            writes sdk/cdktf/.gen/providers/tessera (run by scripts/gen.ts)
//   npx tsx scripts/gen/cdktf.ts [--check]   alone; --check fails when the committed files are stale
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PROVIDER_SOURCE, providerSchemaJson } from '../../provider/terraform/schema';

/** The provider's source address, as the bindings' required_providers names it. */
export const PROVIDER_FQPN = PROVIDER_SOURCE;
export const PROVIDER_VERSION = '0.1.0';
const ROOT = join(__dirname, '..', '..');
export const OUT_DIR = join(ROOT, 'sdk', 'cdktf', '.gen');

/**
 * The generator's output predates `noImplicitOverride` (on in this repo's strict tsconfig):
 * mark the members it overrides. Exact-line rewrites, so a new generator shape fails tsc loudly.
 */
export function withOverrides(src: string): string {
  return src
    .replace(/^(  )protected (synthesizeAttributes|synthesizeHclAttributes)\(\)/gm, '$1protected override $2()')
    .replace(/^(  )public (get|set) alias\(/gm, '$1public override $2 alias(')
    .replace(
      /^(  )constructor\(protected terraformResource: cdktf\.IInterpolatingParent, protected terraformAttribute: string, protected wrapsSet: boolean\)/gm,
      '$1constructor(protected override terraformResource: cdktf.IInterpolatingParent, protected override terraformAttribute: string, protected override wrapsSet: boolean)',
    );
}

/** Generate into `outDir` (default sdk/cdktf/.gen): providers/tessera/... */
export async function generateInto(outDir: string): Promise<string[]> {
  // Importing @cdktf/commons runs `terraform version` as a side effect (and may report
  // telemetry); generation needs neither, so point it at a binary that does not exist.
  process.env.CHECKPOINT_DISABLE ??= '1';
  process.env.TERRAFORM_BINARY_NAME ??= 'tessera-generation-needs-no-terraform';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CodeMaker, TerraformProviderGenerator } = require('@cdktf/provider-generator') as typeof import('@cdktf/provider-generator');
  const code = new CodeMaker();
  const gen = new TerraformProviderGenerator(code, providerSchemaJson({ providerVersion: PROVIDER_VERSION }) as never);
  gen.generateAll();
  const tmp = mkdtempSync(join(tmpdir(), 'tessera-cdktf-gen-'));
  try {
    await gen.save(tmp);
    rmSync(join(outDir, 'providers'), { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    for (const f of listFiles(join(tmp, 'providers'))) if (f.endsWith('.ts')) writeFileSync(f, withOverrides(readFileSync(f, 'utf8')));
    cpSync(join(tmp, 'providers'), join(outDir, 'providers'), { recursive: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return listFiles(outDir).map((f) => relative(ROOT, f));
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

/** Files under `a` and `b` that differ (by relative path and content). */
export function diffTrees(a: string, b: string): string[] {
  const rel = (d: string) => listFiles(d).map((f) => relative(d, f));
  const fa = new Set(rel(a));
  const fb = new Set(rel(b));
  const out: string[] = [];
  for (const f of new Set([...fa, ...fb])) {
    if (!fa.has(f) || !fb.has(f)) out.push(f);
    else if (!readFileSync(join(a, f)).equals(readFileSync(join(b, f)))) out.push(f);
  }
  return out.sort();
}

/** Entry for scripts/gen.ts. */
export async function generate(): Promise<string[]> {
  return generateInto(OUT_DIR);
}

/** Stale check: regenerate into a temp dir and compare with the committed tree. */
export async function staleFiles(): Promise<string[]> {
  const tmp = mkdtempSync(join(tmpdir(), 'tessera-cdktf-check-'));
  try {
    await generateInto(tmp);
    return diffTrees(join(tmp, 'providers'), join(OUT_DIR, 'providers'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  (check ? staleFiles() : generate()).then(
    (files) => {
      if (check && files.length) {
        process.stderr.write(`stale CDKTF bindings (run npm run gen): ${files.join(', ')}\n`);
        process.exit(1);
      }
      process.stdout.write(`${check ? 'up to date' : `wrote ${files.length} files`}\n`);
    },
    (e: Error) => {
      process.stderr.write(`${e.stack ?? e.message}\n`);
      process.exit(1);
    },
  );
}
