// The literal-name check: schema.json's attribute names are spelled in schema.json, the generated
// files and the schema module (provider/schema/), nowhere else as an untyped string. Code names an
// attribute through the kinds registry (KINDS[type].owner, PLACEMENT_ATTRIBUTES, ...), a property
// access, or a string literal the compiler checks against a schema-derived type (a `keyof` or a
// literal union, e.g. `const SIZE: PlacementAttribute = 'sizeGiB'`): renaming an attribute in
// schema.json then fails `npm run gen` + tsc instead of drifting. test/gen/literal-names.test.ts
// runs it in `npm test`; `tsx scripts/literal-names.ts` prints what it finds.
// docs/schema-format.md ("Names in code") explains the rule and the homonym table below.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { ATTRIBUTE_NAMES, schema } from '../provider/schema';

export const REPO_ROOT = path.resolve(__dirname, '..');

/** Trees the check reads. test/ is not among them: tests state the contract from outside, by name. */
export const CHECKED_DIRS = ['provider', 'sdk', 'scripts', 'bench'];

/** Where the names may be spelled: the schema module and every generated file. */
export function exempt(rel: string): boolean {
  // This module too: its homonym table lists literals by design.
  return rel.startsWith('provider/schema/') || /\.generated\.[a-z]+$/.test(rel) || rel.startsWith('sdk/cdktf/.gen/') || rel === 'scripts/literal-names.ts';
}

/**
 * Literals that are not attribute names but other things spelled the same: fields of the
 * inventory document (docs/inventory.md), store records, CLI flags, agent step names, file
 * names, key-derivation labels, object names in benchmark workloads. Each entry lists exactly the
 * literals its file may hold; an attribute name new to the file still fails.
 */
export const HOMONYMS: Record<string, { literals: string[]; why: string }> = {
  'provider/inventory/validate.ts': { literals: ['name', 'type', 'sizeGiB', 'rpm', 'storageGroups', 'servers', 'server'], why: 'fields of the inventory document (docs/inventory.md)' },
  'provider/cli/commands/inventory-local.ts': { literals: ['servers'], why: 'a CLI flag and the inventory synthesizer option' },
  'provider/cli/commands/agent.ts': { literals: ['token', 'server'], why: 'CLI flags of `tessera agent`' },
  'provider/cli/commands/enclosure.ts': { literals: ['token'], why: 'a CLI flag of `tessera enclosure start`' },
  'provider/cli/commands/csi.ts': { literals: ['endpoint', 'owner', 'cluster', 'server'], why: 'CLI flags of `tessera csi controller|node` (--endpoint is the CSI socket)' },
  'provider/composer/index.ts': { literals: ['type', 'state', 'cluster', 'health', 'server'], why: 'Prometheus label names of /metrics (docs/api.md "Metrics")' },
  'provider/enclosure/configfs.ts': { literals: ['state'], why: 'a sysfs attribute file of a block device' },
  'provider/cli/commands/client.ts': { literals: ['endpoint', 'servers'], why: 'CLI flags and a table column' },
  'provider/cli/commands/demo.ts': { literals: ['state'], why: 'a directory name' },
  'provider/cli/commands/version.ts': { literals: ['version'], why: 'the CLI command name' },
  'provider/client/endpoints.ts': { literals: ['endpoint'], why: "the default name of the setting being parsed, for its error (callers pass '--composer' and others)" },
  'sdk/cdktf/index.ts': { literals: ['cluster'], why: 'the construct id of the component\'s cluster' },
  'provider/pulumi-native/rpc/construct.ts': { literals: ['servers', 'keyPolicy', 'networkTransportsAllowed'], why: "inputs of the ScaleOutCluster component (its own interface, sdk/pulumi/scaleout.ts's ScaleOutClusterArgs), read from the Construct request" },
  'provider/pulumi-native/package-schema.ts': { literals: ['name', 'servers', 'networkTransportsAllowed'], why: "the ScaleOutCluster component's own inputs and its templates' `name` (the template name), in its package-schema entry" },
  'sdk/common/scaleout.ts': { literals: ['name', 'cluster', 'server'], why: "a word in a duplicate-name error message; PER_SERVER, the fields the layout sets per server (sdk/common has no type import of either SDK's generated args, so the cdktf package's declarations stand alone)" },
  'provider/store/leader.ts': { literals: ['name'], why: 'a field of the election request' },
  'provider/agent/steps.ts': { literals: ['encrypt'], why: 'a verb in a refusal message' },
  'provider/composer/channels/agent.ts': { literals: ['server'], why: "the daemon's kind in words, for a not-found answer (\"server x not found\")" },
  'provider/composer/state.ts': { literals: ['servers'], why: 'a store table of the key layout (provider/composer/layout.ts, /tessera/servers/<name>)' },
  'provider/keys/crypto.ts': { literals: ['fingerprint'], why: 'a key-derivation label (changing it changes every fingerprint)' },
  'provider/terraform/schema.ts': { literals: ['id'], why: "Terraform's own id attribute, added to data sources (not in schema.json)" },
  'bench/alloc.ts': { literals: ['servers'], why: 'a benchmark flag' },
  'bench/composer.ts': { literals: ['servers'], why: 'a benchmark flag' },
  'bench/ui.ts': { literals: ['servers'], why: 'a benchmark flag' },
  'bench/chaos/etcd-faults.ts': { literals: ['members'], why: 'a cluster name in the workload' },
  'bench/chaos/fuzz.ts': { literals: ['secret'], why: 'a volume name in the workload' },
  'sdk/pulumi/datasources.ts': { literals: ['endpoint', 'token'], why: "pulumi.Config('tessera') keys, the settings' config suffixes" },
};

export interface LiteralName {
  /** Repo-relative path. */
  file: string;
  line: number;
  literal: string;
}

/** The names the check looks for: every resource, data-source and provider attribute. */
export function attributeNames(): Set<string> {
  return new Set<string>([...ATTRIBUTE_NAMES, ...Object.keys(schema.provider.attributes)]);
}

function listSources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name.startsWith('.')) return [];
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return listSources(p);
    return /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The checked source files (absolute paths). */
export function checkedFiles(root = REPO_ROOT): string[] {
  return CHECKED_DIRS.flatMap((d) => listSources(path.join(root, d))).filter((f) => !exempt(path.relative(root, f).split(path.sep).join('/')));
}

/** A type that admits only listed strings (a literal or a union of literals, maybe optional). */
function isLiteralSet(t: ts.Type | undefined): boolean {
  if (!t) return false;
  const parts = t.isUnion() ? t.types : [t];
  const strings = parts.filter((u) => !(u.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
  return strings.length > 0 && strings.every((u) => u.isStringLiteral());
}

/** Is this literal checked by the compiler against a declared set of names? */
function compilerChecked(checker: ts.TypeChecker, n: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral): boolean {
  const parent = n.parent;
  // obj['name'] on a type that declares `name` (and has no string index): a typed property access.
  if (ts.isElementAccessExpression(parent) && parent.argumentExpression === n) {
    const t = checker.getTypeAtLocation(parent.expression);
    return !!t.getProperty(n.text) && !checker.getIndexInfoOfType(t, ts.IndexKind.String);
  }
  // x === 'name' and `case 'name':` against a literal-typed x: the compiler refuses a literal outside the set.
  if (ts.isBinaryExpression(parent) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken].includes(parent.operatorToken.kind)) {
    return isLiteralSet(checker.getTypeAtLocation(parent.left === n ? parent.right : parent.left));
  }
  if (ts.isCaseClause(parent) && parent.expression === n) return isLiteralSet(checker.getTypeAtLocation(parent.parent.parent.expression));
  return isLiteralSet(checker.getContextualType(n));
}

/** Positions where a string is not a value: types, module specifiers. */
function notAValue(n: ts.Node): boolean {
  const p = n.parent;
  return ts.isLiteralTypeNode(p) || ts.isImportDeclaration(p) || ts.isExportDeclaration(p) || ts.isExternalModuleReference(p) || ts.isImportTypeNode(p.parent ?? p);
}

/** Every string literal in `files` spelling an attribute name the compiler does not check. */
export function findLiteralNames(files: string[] = checkedFiles(), root = REPO_ROOT): LiteralName[] {
  const names = attributeNames();
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const program = ts.createProgram(files, { ...(parsed?.options ?? {}), noEmit: true });
  const checker = program.getTypeChecker();
  const out: LiteralName[] = [];
  for (const file of files) {
    const src = program.getSourceFile(file);
    if (!src) continue;
    const rel = path.relative(root, file).split(path.sep).join('/');
    const visit = (n: ts.Node): void => {
      if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) && names.has(n.text) && !notAValue(n) && !compilerChecked(checker, n)) {
        out.push({ file: rel, line: src.getLineAndCharacterOfPosition(n.getStart(src)).line + 1, literal: n.text });
      }
      ts.forEachChild(n, visit);
    };
    visit(src);
  }
  return out;
}

/** Findings not explained by HOMONYMS (nor by the extra allowances given). */
export function unexplained(found: LiteralName[], allowed: Record<string, string[]> = {}): LiteralName[] {
  return found.filter((f) => !HOMONYMS[f.file]?.literals.includes(f.literal) && !allowed[f.file]?.includes(f.literal));
}

if (require.main === module) {
  const found = unexplained(findLiteralNames());
  for (const f of found) console.log(`${f.file}:${f.line}: '${f.literal}' names a schema.json attribute (use the kinds registry or a schema-derived type)`);
  console.log(`${found.length} attribute name literal(s) outside schema.json, the schema module and generated files`);
  if (found.length) process.exitCode = 1;
}
