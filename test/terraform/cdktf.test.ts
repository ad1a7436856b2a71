// CDKTF bindings: generated from schema.json and committed (stale check), from the same blocks
// the provider serves (provider/terraform/schema.ts), type-correct for the example app, and
// synthesizing the platform stack.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, TerraformStack, Testing } from 'cdktf';
import ts from 'typescript';
import { KafkaPlatform } from '../../examples/cdktf-platform/main';
import { ScaleOutCluster } from '../../sdk/cdktf';
import { PROVIDER_FQPN, staleFiles } from '../../scripts/gen/cdktf';

const ROOT = path.join(__dirname, '..', '..');

test('the committed bindings under sdk/cdktf/.gen are what schema.json generates', async () => {
  expect(await staleFiles()).toEqual([]);
}, 120_000);

test('the example CDKTF app and the ScaleOut construct type-check against the bindings', () => {
  const files = [path.join(ROOT, 'examples', 'cdktf-platform', 'main.ts'), path.join(ROOT, 'sdk', 'cdktf', 'index.ts')];
  const cfg = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, ROOT);
  const program = ts.createProgram(files, { ...parsed.options, noEmit: true });
  const diags = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(diags).toEqual([]);
}, 120_000);

type Json = Record<string, Record<string, Record<string, Record<string, unknown>>>>;

test('the platform stack synthesizes: mirrored encrypted logs per broker, slice caches, provider source', () => {
  const app = Testing.app();
  const stack = new KafkaPlatform(app, 'kafka-platform', { brokers: ['k1', 'k2'], attach: true, cacheType: 'slice', cacheSizeGiB: 100 });
  const out = JSON.parse(Testing.synth(stack)) as Json;
  const volumes = Object.values(out.resource.tessera_volume);
  const logs = volumes.filter((v) => v.type === 'ssd');
  const caches = volumes.filter((v) => v.type === 'slice');
  expect(logs).toHaveLength(2);
  expect(caches).toHaveLength(2);
  for (const v of logs) {
    expect(v).toMatchObject({ size_gib: 1000, redundancy: true, sg_resiliency: true, jbod_resiliency: true, encrypt: true, required_tags: ['nvme'], fs_type: 'xfs' });
    expect(v.key_policy).toBe('${tessera_key_policy.kafka-keys.id}');
    expect(v.mount_path).toBe('/srv/kafka/data');
  }
  expect(logs.map((l) => [l.name, l.server])).toEqual([['k1-log', 'k1'], ['k2-log', 'k2']]);
  expect(caches.map((c) => [c.name, c.server, c.size_gib, c.mount_path])).toEqual([['k1-cache', 'k1', 100, '/srv/kafka/cache'], ['k2-cache', 'k2', 100, '/srv/kafka/cache']]);
  expect(Object.values(out.resource.tessera_cluster)[0]).toMatchObject({ name: 'kafka', servers: ['k1', 'k2'] });
  // The documented path: an ephemeral variable into the write-only secret (never in state).
  expect(Object.values(out.resource.tessera_key_policy)[0]).toMatchObject({ secret_wo: '${var.kafka_secret}', secret_wo_version: '${var.kafka_secret_version}' });
  expect(Object.values(out.resource.tessera_key_policy)[0].secret).toBeUndefined();
  expect((out as unknown as { variable: Record<string, unknown> }).variable.kafka_secret).toMatchObject({ sensitive: true, ephemeral: true });
  expect((out as unknown as { terraform: { required_providers: Record<string, unknown> } }).terraform.required_providers.tessera).toMatchObject({ source: PROVIDER_FQPN });
});

test('ScaleOutCluster: N servers x M volumes (+ slices) named <server>-<template>; bad input names the field', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-cdktf-'));
  try {
    const app = new App({ outdir: dir });
    const stack = new TerraformStack(app, 's');
    const so = new ScaleOutCluster(stack, 'db', {
      servers: ['k4', 'k5', 'k6'],
      keyPolicy: 'kp-1',
      stage: false,
      volumes: [
        { name: 'data', type: 'hdd', sizeGib: 500, mountPath: '/data' },
        { name: 'wal', type: 'ssd', sizeGib: 100, encrypt: true },
      ],
      slices: [{ name: 'scratch', sizeGib: 10 }],
    });
    expect(Object.values(so.volumes).map((row) => row.length)).toEqual([2, 2, 2]);
    expect(Object.values(so.slices).map((row) => row.length)).toEqual([1, 1, 1]);
    const json = JSON.parse(Testing.synth(stack)) as Json;
    expect(Object.values(json.resource.tessera_cluster)[0]).toMatchObject({ name: 'db', servers: ['k4', 'k5', 'k6'], key_policy: 'kp-1' });
    const vols = Object.values(json.resource.tessera_volume).map((v) => [v.name, v.server ?? null, v.mount_path ?? null, v.size_gib, v.key_policy ?? null]);
    expect(vols).toEqual([
      ['k4-data', null, null, 500, null], ['k4-wal', null, null, 100, 'kp-1'],
      ['k5-data', null, null, 500, null], ['k5-wal', null, null, 100, 'kp-1'],
      ['k6-data', null, null, 500, null], ['k6-wal', null, null, 100, 'kp-1'],
    ]);
    expect(Object.values(json.resource.tessera_slice).map((v) => v.name)).toEqual(['k4-scratch', 'k5-scratch', 'k6-scratch']);
    const bad = (props: Partial<ConstructorParameters<typeof ScaleOutCluster>[2]>, id: string) => () =>
      new ScaleOutCluster(stack, id, { servers: ['k1'], volumes: [{ name: 'v', sizeGib: 1 }], ...props });
    expect(bad({ clusterName: 'Bad' }, 'b1')).toThrow(/^ScaleOutCluster: clusterName: "Bad" must match/);
    expect(bad({ servers: [] }, 'b2')).toThrow(/^ScaleOutCluster: servers: needs at least one server/);
    expect(bad({ servers: ['k1', 'k1'] }, 'b3')).toThrow(/^ScaleOutCluster: servers\[1\]: duplicate name "k1"/);
    expect(bad({ volumes: [{ name: 'v', sizeGib: 1 }, { name: 'v', sizeGib: 2 }] }, 'b4')).toThrow(/^ScaleOutCluster: volumes\[1\]\.name: duplicate template name "v"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
