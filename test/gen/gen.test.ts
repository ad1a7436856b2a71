import * as fs from 'node:fs';
import * as path from 'node:path';
import { runGenerators, generatorModules } from '../../scripts/gen';
import { PROVIDER_SOURCE, providerSchemaJson } from '../../provider/terraform/schema';
import { schema, tfName } from '../../provider/schema';

describe('derived files (npm run gen)', () => {
  it('are up to date with schema.json: run `npm run gen` when this fails', async () => {
    const { stale, files } = await runGenerators({ check: true });
    expect(files.length).toBeGreaterThanOrEqual(10);
    expect(stale).toEqual([]);
  }, 300_000);

  it('discovers every scripts/gen module that exports generate()', () => {
    const names = generatorModules().map((g) => g.name);
    expect(names).toEqual(expect.arrayContaining(['docs', 'kinds', 'pulumi-types', 'terraform-schema', 'wire']));
    expect(names).not.toContain('types');
  });

  it('--check reports a stale file and a stray file in an owned dir, and gen rewrites/removes them', async () => {
    // A scratch generator dir is not supported by runGenerators, so exercise the real files:
    // corrupt one derived file and add a stray page, check, then regenerate.
    const target = path.join(__dirname, '../../docs/reference/slice.md');
    const stray = path.join(__dirname, '../../docs/reference/zz-stray.md');
    const original = fs.readFileSync(target, 'utf8');
    try {
      fs.writeFileSync(target, original + '\nedited by hand\n');
      fs.writeFileSync(stray, 'old page\n');
      const { stale } = await runGenerators({ check: true, only: ['docs'] });
      expect(stale.sort()).toEqual(['docs/reference/slice.md', 'docs/reference/zz-stray.md']);
      await runGenerators({ check: false, only: ['docs'] });
      expect(fs.readFileSync(target, 'utf8')).toBe(original);
      expect(fs.existsSync(stray)).toBe(false);
    } finally {
      fs.writeFileSync(target, original);
      fs.rmSync(stray, { force: true });
    }
  });
});

// provider/terraform/schema.ts is the one derivation: the provider serves its blocks and the
// derived file is its rendering (kept current by the stale check above).
describe('Terraform provider schema', () => {
  type JsonBlock = { version: number; block: { attributes: Record<string, Record<string, unknown>> } };
  type ProviderJson = { provider: JsonBlock; resource_schemas: Record<string, JsonBlock>; data_source_schemas: Record<string, JsonBlock> };
  const ps = (providerSchemaJson() as { provider_schemas: Record<string, ProviderJson> }).provider_schemas[PROVIDER_SOURCE];

  it('has every resource and data source with snake_case attributes', () => {
    expect(Object.keys(ps.resource_schemas).sort()).toEqual(Object.keys(schema.resources).sort());
    expect(Object.keys(ps.data_source_schemas).sort()).toEqual(Object.keys(schema.dataSources).sort());
    const vol = ps.resource_schemas.tessera_volume.block.attributes;
    for (const name of Object.keys(schema.resources.tessera_volume.attributes)) expect(vol[tfName(name)]).toBeDefined();
    expect(vol.size_gib).toMatchObject({ type: 'number', required: true });
    expect(vol.network_transports_allowed).toMatchObject({ type: ['list', 'string'], optional: true, computed: true });
    expect(vol.members.type).toEqual(['list', ['object', { serial: 'string', enclosure: 'string', storage_group: 'string', offset_gib: 'number', size_gib: 'number', mirror: 'number', stripe: 'number' }]]);
    expect(vol.members).toMatchObject({ computed: true });
    expect(vol.members.optional).toBeUndefined();
    expect(vol.server).toEqual(expect.objectContaining({ optional: true }));
    expect(vol.server.computed).toBeUndefined();
  });

  it('marks the key policy secret sensitive and secret_wo write-only', () => {
    const kp = ps.resource_schemas.tessera_key_policy.block.attributes;
    expect(kp.secret).toMatchObject({ sensitive: true, optional: true });
    expect(kp.secret_wo).toMatchObject({ sensitive: true, write_only: true });
    expect(kp.secret.write_only).toBeUndefined();
    const prov = ps.provider.block.attributes;
    expect(prov.token).toMatchObject({ sensitive: true, optional: true });
  });

  it('versions resources and data sources with schema.json, and gives data sources a computed id', () => {
    for (const b of [...Object.values(ps.resource_schemas), ...Object.values(ps.data_source_schemas)]) expect(b.version).toBe(schema.version);
    for (const b of Object.values(ps.data_source_schemas)) expect(b.block.attributes.id).toMatchObject({ type: 'string', computed: true });
    expect(ps.provider.block.attributes.endpoint.computed).toBeUndefined();
  });
});

describe('generated Pulumi types', () => {
  it('type-check a program using them, and reject a wrong one', () => {
    // Compile tiny programs against sdk/pulumi with the TypeScript compiler API.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts = require('typescript') as typeof import('typescript');
    // Inside the repo (git-ignored tmp/) so @pulumi/pulumi resolves from its node_modules.
    const scratch = path.join(__dirname, '../../tmp');
    fs.mkdirSync(scratch, { recursive: true });
    const dir = fs.mkdtempSync(path.join(scratch, 'types-'));
    const sdk = path.resolve(__dirname, '../../sdk/pulumi');
    const good = path.join(dir, 'good.ts');
    const bad = path.join(dir, 'bad.ts');
    fs.writeFileSync(good, `import * as t from ${JSON.stringify(sdk)};
const c = new t.Cluster('c', { servers: ['k1'] });
const v = new t.Volume('v', { cluster: c.id, sizeGiB: 10, type: 'slice', networkTransportsAllowed: ['roce'] });
const k = new t.KeyPolicy('k', { secret: 'abcdefghijklmnopq' });
const n: import('@pulumi/pulumi').Output<number> = v.capacityGiB;
export { n, k };
`);
    fs.writeFileSync(bad, `import * as t from ${JSON.stringify(sdk)};
new t.Volume('v', { cluster: 'c', sizeGiB: 10, type: 'tape' });
new t.Volume('w', { cluster: 'c' });
new t.KeyPolicy('k', { secretWo: 'x' });
`);
    const options = { strict: true, noEmit: true, esModuleInterop: true, skipLibCheck: true, resolveJsonModule: true, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, types: [] as string[] };
    const diag = (file: string) => ts.getPreEmitDiagnostics(ts.createProgram([file], options)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diag(good)).toEqual([]);
    const errors = diag(bad).join('\n');
    expect(errors).toMatch(/"tape"/);
    expect(errors).toMatch(/sizeGiB/);
    expect(errors).toMatch(/secretWo/);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
