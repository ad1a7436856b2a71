// The provider executable as Terraform starts it: handshake, AutoMTLS, health, controller,
// schema from schema.json, validation with unknowns. No composer needed here.
import { existsSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceClientConstructor } from '@grpc/grpc-js';
import { unknown } from '../../provider/terraform/cty';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { makeServerCertificate } from '../../provider/terraform/tls';
import { derToPem, ProviderProcess, runToExit } from './harness';

describe('terraform-provider-tessera handshake', () => {
  test('the server certificate: self-signed ECDSA P-256 CA for localhost and 127.0.0.1, valid now, DER as parsed by OpenSSL', () => {
    const now = new Date();
    const c = makeServerCertificate(now);
    const x = new X509Certificate(c.certPem);
    expect(x.subject).toBe('O=Tessera\nCN=localhost');
    expect(x.issuer).toBe(x.subject);
    expect(x.ca).toBe(true);
    expect(x.checkHost('localhost')).toBe('localhost');
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x.checkHost('example.com')).toBeUndefined();
    expect(x.publicKey.asymmetricKeyType).toBe('ec');
    expect(x.publicKey.asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.checkPrivateKey(createPrivateKey(c.keyPem))).toBe(true);
    expect(x.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
    expect(new Date(x.validFrom).getTime()).toBeLessThanOrEqual(now.getTime());
    expect(new Date(x.validTo).getTime()).toBeGreaterThan(now.getTime() + 29 * 24 * 3600 * 1000);
    expect(Buffer.from(c.handshakeCert, 'base64').equals(x.raw)).toBe(true);
    // Two processes never share a key or a serial.
    expect(new X509Certificate(makeServerCertificate().certPem).serialNumber).not.toBe(x.serialNumber);
  });

  test('the serial is minimal DER whatever the random bytes (a leading zero byte made OpenSSL refuse 1 certificate in 256)', () => {
    for (const first of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
      // The random bytes that broke it: a zero byte after masking, then a byte below 0x80.
      const c = makeServerCertificate(new Date(), (n) => Buffer.concat([Buffer.from([first, 0x01]), Buffer.alloc(n - 2, 0x22)]));
      expect(() => createSecureContext({ cert: c.certPem, key: c.keyPem })).not.toThrow();
      expect(new X509Certificate(c.certPem).serialNumber).toMatch(/^[4-7]/);
    }
  });

  test('refuses to run without the magic cookie, printing nothing on stdout', async () => {
    const r = await runToExit({ cookie: false });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/This binary is a plugin/);
  });

  test('refuses a client that does not offer protocol 6', async () => {
    const r = await runToExit({ versions: '4,5' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/PLUGIN_PROTOCOL_VERSIONS: .*protocol 6, the client offered 4,5/);
  });

  test('negotiates 6 over a unix socket with mTLS; health, schema, shutdown', async () => {
    const p = await ProviderProcess.start({ versions: '5,6' });
    try {
      expect(p.handshakeLine).toMatch(/^1\|6\|unix\|\/.+\|grpc\|[A-Za-z0-9+/]+\n$/);
      expect(p.handshake.cert).not.toMatch(/=$/);
      expect(existsSync(p.handshake.address)).toBe(true);
      expect(await p.healthCheck('plugin')).toEqual({ status: 1 });
      expect((await p.healthCheck('nope')).status).toBe(3);
      const md = await p.call('GetMetadata');
      expect(md.resources.map((r: { type_name: string }) => r.type_name).sort()).toEqual(
        ['tessera_cluster', 'tessera_key_policy', 'tessera_slice', 'tessera_volume'],
      );
      const t = await p.types();
      const vol = (t.raw.resource_schemas as Record<string, { block: { attributes: Record<string, unknown>[] } }>).tessera_volume.block.attributes;
      const attr = (n: string) => vol.find((a) => a.name === n)!;
      expect(attr('size_gib')).toMatchObject({ required: true, optional: false, computed: false });
      expect(attr('type')).toMatchObject({ optional: true, computed: true });
      expect(attr('raid_level')).toMatchObject({ computed: true, optional: false, required: false });
      expect(JSON.parse(Buffer.from(attr('members').type as Buffer).toString())).toEqual([
        'list',
        ['object', { serial: 'string', enclosure: 'string', storage_group: 'string', offset_gib: 'number', size_gib: 'number', mirror: 'number', stripe: 'number' }],
      ]);
      const kp = (t.raw.resource_schemas as Record<string, { block: { attributes: Record<string, unknown>[] } }>).tessera_key_policy.block.attributes;
      expect(kp.find((a) => a.name === 'secret')).toMatchObject({ sensitive: true, write_only: false });
      expect(kp.find((a) => a.name === 'secret_wo')).toMatchObject({ sensitive: true, write_only: true, computed: false });
      const prov = (t.raw.provider as { block: { attributes: Record<string, unknown>[] } }).block.attributes;
      expect(prov.find((a) => a.name === 'token')).toMatchObject({ sensitive: true, optional: true });
    } finally {
      const t0 = Date.now();
      await p.stop();
      // The open broker/stdio streams do not hold the shutdown up.
      expect(Date.now() - t0).toBeLessThan(1500);
    }
    expect(p.child.exitCode).toBe(0);
    expect(existsSync(p.handshake.address)).toBe(false);
  });

  test('the wrapper execs Node: the started pid is node itself, and SIGTERM stops it cleanly', async () => {
    const p = await ProviderProcess.start();
    const exe = readlinkSync(`/proc/${p.child.pid}/exe`);
    expect(exe).toBe(realpathSync(join(__dirname, '..', '..', 'node_modules', '.bin', 'node')));
    const exited = p.exited();
    p.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(p.handshake.address)).toBe(false);
  });

  test('a client without the right certificate cannot connect', async () => {
    const p = await ProviderProcess.start();
    try {
      const { makeServerCertificate } = await import('../../provider/terraform/tls');
      const grpc = await import('@grpc/grpc-js');
      const { loadProtos } = await import('../../provider/terraform/plugin');
      const stranger = makeServerCertificate();
      const serverPem = derToPem(p.handshake.cert);
      const Health = ((loadProtos().grpc as never as Record<string, Record<string, Record<string, ServiceClientConstructor>>>).health.v1.Health);
      const c = new Health(`unix://${p.handshake.address}`, grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(stranger.keyPem), Buffer.from(stranger.certPem)), {
        'grpc.ssl_target_name_override': 'localhost',
      });
      const err = await new Promise<Error | null>((resolve) =>
        (c as unknown as { Check: (r: unknown, o: unknown, cb: (e: Error | null) => void) => void }).Check({ service: 'plugin' }, { deadline: Date.now() + 5000 }, (e) => resolve(e)),
      );
      c.close();
      expect(err).not.toBeNull();
      expect(await p.healthCheck('plugin')).toEqual({ status: 1 });
    } finally {
      await p.stop();
    }
  });

  test('validation: schema.json rules, unknowns skipped, write-only needs client support', async () => {
    const p = await ProviderProcess.start();
    try {
      const vol = await p.object('tessera_volume', { cluster: unknown, name: 'Bad_Name', size_gib: 0, type: 'slice', rpm: 7200, redundancy: true, storage_group: unknown });
      const v = await p.call('ValidateResourceConfig', { type_name: 'tessera_volume', config: await p.dv('tessera_volume', vol) });
      const byPath = v.diagnostics.map((d: { attribute: { steps: { attribute_name: string }[] }; detail: string }) => [d.attribute.steps[0].attribute_name, d.detail]);
      expect(byPath).toEqual(
        expect.arrayContaining([
          ['name', expect.stringMatching(/does not match/)],
          ['size_gib', 'size_gib: must be >= 1, got 0'],
          ['rpm', expect.stringMatching(/^rpm: only applies to/)],
          ['redundancy', expect.stringMatching(/cannot be mirrored/)],
        ]),
      );
      expect(v.diagnostics.every((d: { severity: number }) => d.severity === 1)).toBe(true);
      const ok = await p.object('tessera_volume', { cluster: unknown, name: 'data', size_gib: unknown });
      expect((await p.call('ValidateResourceConfig', { type_name: 'tessera_volume', config: await p.dv('tessera_volume', ok) })).diagnostics).toEqual([]);
      // A list with one unknown element is unknown as a whole: not "storage_group[1]: must be a string".
      const partly = await p.object('tessera_volume', { cluster: 'c', name: 'data', size_gib: 1, storage_group: ['a', unknown] });
      expect((await p.call('ValidateResourceConfig', { type_name: 'tessera_volume', config: await p.dv('tessera_volume', partly) })).diagnostics).toEqual([]);
      const list = await p.object('tessera_volume', { cluster: 'c', name: 'data', size_gib: 1, storage_group: ['a', 'a'] });
      const dl = await p.call('ValidateResourceConfig', { type_name: 'tessera_volume', config: await p.dv('tessera_volume', list) });
      expect(dl.diagnostics[0].attribute.steps).toEqual([
        { attribute_name: 'storage_group', selector: 'attribute_name' },
        { element_key_int: 1, selector: 'element_key_int' },
      ]);
      const wo = await p.object('tessera_key_policy', { name: 'k', secret_wo: 'abcdefghijklmnopq', secret_wo_version: 1 });
      const old = await p.call('ValidateResourceConfig', { type_name: 'tessera_key_policy', config: await p.dv('tessera_key_policy', wo) });
      expect(old.diagnostics.map((d: { summary: string }) => d.summary)).toEqual(['Write-only attribute not supported: secret_wo']);
      const modern = await p.call('ValidateResourceConfig', {
        type_name: 'tessera_key_policy',
        config: await p.dv('tessera_key_policy', wo),
        client_capabilities: { write_only_attributes_allowed: true },
      });
      expect(modern.diagnostics).toEqual([]);
      const none = await p.object('tessera_key_policy', { name: 'k' });
      const nd = await p.call('ValidateResourceConfig', { type_name: 'tessera_key_policy', config: await p.dv('tessera_key_policy', none) });
      expect(nd.diagnostics[0].detail).toMatch(/^secret: is required.*secret_wo\b/);
      const pc = await p.call('ValidateProviderConfig', { config: await p.dv('provider', { endpoint: 'ftp://x', token: null }) });
      expect(pc.diagnostics[0]).toMatchObject({ severity: 1, summary: 'Invalid provider endpoint' });
      // schema.json's bounds reach plan time too: the provider block, lists, integers, secrets.
      const longToken = 't'.repeat(5000);
      const pt = await p.call('ValidateProviderConfig', { config: await p.dv('provider', { endpoint: 'http://127.0.0.1:1', token: longToken }) });
      expect(pt.diagnostics).toEqual([expect.objectContaining({ severity: 1, summary: 'Invalid provider token', detail: 'token: must be at most 1024 characters, got 5000' })]);
      const bounded = await p.object('tessera_volume', { cluster: 'c', name: 'v', size_gib: 10, min_volume_size: 1e300, required_tags: Array.from({ length: 10_000 }, (_, i) => `t${i}`) });
      const bd = await p.call('ValidateResourceConfig', { type_name: 'tessera_volume', config: await p.dv('tessera_volume', bounded) });
      expect(bd.diagnostics.map((d: { detail: string }) => d.detail).sort()).toEqual(['min_volume_size: must be <= 1048576, got 1e+300', 'required_tags: must have at most 64 items, got 10000']);
      // An unknown type name is a protocol error, not a crash.
      await expect(p.call('ValidateResourceConfig', { type_name: 'tessera_nope', config: { msgpack: Buffer.from([0xc0]) } })).rejects.toMatchObject({ code: 3 });
      // Data sources validate against schema.json too.
      const ds = await p.object('tessera_capacity', { type: 'tape', raid_max_drives: 1 });
      const dsd = await p.call('ValidateDataResourceConfig', { type_name: 'tessera_capacity', config: await p.dv('tessera_capacity', ds) });
      expect(dsd.diagnostics.map((d: { detail: string }) => d.detail).sort()).toEqual([
        'raid_max_drives: must be >= 2, got 1',
        'type: must be one of hdd, ssd, slice, got "tape"',
      ]);
      // The RPCs a client may call besides the lifecycle ones answer sensibly.
      expect(await p.call('GetFunctions')).toEqual({ diagnostics: [] });
      // Resource identity (Terraform >= 1.12): one schema per resource type (identity.test.ts).
      expect(Object.keys((await p.call('GetResourceIdentitySchemas')).identity_schemas).sort()).toEqual(['tessera_cluster', 'tessera_key_policy', 'tessera_slice', 'tessera_volume']);
      expect(await p.call('StopProvider')).toEqual({ Error: '' });
      // Configure without endpoint anywhere: a diagnostic naming the attribute.
      const cfg = await p.call('ConfigureProvider', { config: await p.dv('provider', { endpoint: null, token: null }), terraform_version: 'test' });
      expect(cfg.diagnostics[0]).toMatchObject({ summary: 'Missing composer endpoint' });
    } finally {
      await p.stop();
    }
  });
});
