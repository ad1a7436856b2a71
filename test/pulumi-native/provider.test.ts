// The native provider's gRPC service (provider/pulumi-native) over a real gRPC connection,
// against a real composer on SQLite (no agents: the volumes here name no server, so nothing
// waits for staging). The engine's side is a grpc-js client on @pulumi/pulumi's generated stubs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as providerRpc from '@pulumi/pulumi/proto/provider_grpc_pb';
import * as pb from '@pulumi/pulumi/proto/provider_pb';
import { Empty } from 'google-protobuf/google/protobuf/empty_pb';
import type { Struct } from 'google-protobuf/google/protobuf/struct_pb';
import { packageSchema } from '../../provider/pulumi-native/package-schema';
import { NativeProvider } from '../../provider/pulumi-native/server';
import { providerService } from '../../provider/pulumi-native/service';
import { decode, encode, isSecret, secret, UNKNOWN } from '../../provider/pulumi-native/values';
import { OPERATOR_TOKEN, REPO, startTestComposer, type TestComposer } from '../helpers/composer';

type Unary = (req: unknown, cb: (err: grpc.ServiceError | null, res: unknown) => void) => unknown;
/** The engine's side of each RPC used here, typed. */
function engineSide(client: providerRpc.ResourceProviderClient) {
  const unary =
    <Req, Res>(name: keyof providerRpc.ResourceProviderClient) =>
    (req: Req): Promise<Res> =>
      new Promise((resolve, reject) => (client[name] as unknown as Unary).call(client, req, (err, res) => (err ? reject(err) : resolve(res as Res))));
  return {
    getSchema: unary<pb.GetSchemaRequest, pb.GetSchemaResponse>('getSchema'),
    getPluginInfo: unary<Empty, { getVersion(): string }>('getPluginInfo'),
    checkConfig: unary<pb.CheckRequest, pb.CheckResponse>('checkConfig'),
    diffConfig: unary<pb.DiffRequest, pb.DiffResponse>('diffConfig'),
    configure: unary<pb.ConfigureRequest, pb.ConfigureResponse>('configure'),
    check: unary<pb.CheckRequest, pb.CheckResponse>('check'),
    diff: unary<pb.DiffRequest, pb.DiffResponse>('diff'),
    create: unary<pb.CreateRequest, pb.CreateResponse>('create'),
    read: unary<pb.ReadRequest, pb.ReadResponse>('read'),
    update: unary<pb.UpdateRequest, pb.UpdateResponse>('update'),
    delete: unary<pb.DeleteRequest, Empty>('delete'),
    invoke: unary<pb.InvokeRequest, pb.InvokeResponse>('invoke'),
  };
}

const URN = (type: string, name: string) => `urn:pulumi:dev::proj::tessera:index:${type}::${name}`;

describe('pulumi-resource-tessera: the ResourceProvider service', () => {
  let composer: TestComposer;
  let server: grpc.Server;
  let client: providerRpc.ResourceProviderClient;
  let call: ReturnType<typeof engineSide>;
  const logs: string[] = [];
  const engineLogs: string[] = [];

  beforeAll(async () => {
    composer = await startTestComposer();
    server = new grpc.Server();
    const provider = new NativeProvider({}, (l) => logs.push(l), async (sev, msg) => void engineLogs.push(`${sev}: ${msg}`));
    server.addService(providerRpc.ResourceProviderService, providerService(provider) as unknown as grpc.UntypedServiceImplementation);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    client = new providerRpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    call = engineSide(client);
  });

  afterAll(async () => {
    client?.close();
    server?.forceShutdown();
    await composer?.close();
  });

  const check = (type: string, name: string, news: Record<string, unknown>, olds: Record<string, unknown> = {}) =>
    call.check(new pb.CheckRequest().setUrn(URN(type, name)).setName(name).setType(`tessera:index:${type}`).setNews(encode(news)).setOlds(encode(olds)));
  const create = (type: string, name: string, props: Struct, preview = false) =>
    call.create(new pb.CreateRequest().setUrn(URN(type, name)).setName(name).setType(`tessera:index:${type}`).setProperties(props).setPreview(preview));
  const diff = (type: string, id: string, olds: Struct, news: Record<string, unknown>) =>
    call.diff(new pb.DiffRequest().setId(id).setUrn(URN(type, 'x')).setType(`tessera:index:${type}`).setOlds(olds).setNews(encode(news)));

  it('answers GetSchema with the schema npm run gen writes, and GetPluginInfo with the version', async () => {
    const res = await call.getSchema(new pb.GetSchemaRequest());
    const doc = JSON.parse(res.getSchema()) as { resources: Record<string, { isComponent?: boolean; properties: Record<string, { secret?: boolean }> }>; functions: Record<string, unknown>; config: { variables: Record<string, { secret?: boolean }> } };
    expect(doc).toEqual(packageSchema());
    expect(doc).toEqual(JSON.parse(fs.readFileSync(path.join(REPO, 'provider/pulumi-native/schema.generated.json'), 'utf8')));
    expect(Object.keys(doc.resources).sort()).toEqual(['tessera:index:Cluster', 'tessera:index:KeyPolicy', 'tessera:index:ScaleOutCluster', 'tessera:index:Slice', 'tessera:index:Volume']);
    // The component is served by Construct, not Create (docs/pulumi.md).
    expect(doc.resources['tessera:index:ScaleOutCluster'].isComponent).toBe(true);
    expect(Object.keys(doc.functions).sort()).toEqual(['tessera:index:getCapacity', 'tessera:index:getInventory']);
    expect(doc.resources['tessera:index:KeyPolicy'].properties.secret.secret).toBe(true);
    expect(doc.resources['tessera:index:KeyPolicy'].properties.secretWo).toBeUndefined(); // Terraform-only
    expect(doc.resources['tessera:index:Volume'].properties.id).toBeUndefined(); // Pulumi keeps the id apart
    expect(doc.config.variables.token.secret).toBe(true);
    const info = await call.getPluginInfo(new Empty());
    expect(info.getVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('CheckConfig names a bad endpoint and returns the token as a secret', async () => {
    const bad = await call.checkConfig(new pb.CheckRequest().setNews(encode({ endpoint: 'ftp://composer' })));
    expect(bad.getFailuresList().map((f) => f.getProperty())).toEqual(['endpoint']);
    expect(bad.getFailuresList()[0].getReason()).toMatch(/^endpoint: /);
    const ok = await call.checkConfig(new pb.CheckRequest().setNews(encode({ endpoint: composer.url, token: OPERATOR_TOKEN })));
    expect(ok.getFailuresList()).toEqual([]);
    const inputs = ok.getInputs()?.toJavaScript() as Record<string, unknown>;
    expect(isSecret(inputs.token)).toBe(true);
    expect(inputs.endpoint).toBe(composer.url);
    const d = await call.diffConfig(new pb.DiffRequest().setOlds(encode({ endpoint: composer.url })).setNews(encode({ endpoint: 'http://other:7420' })));
    expect(d.getChanges()).toBe(pb.DiffResponse.DiffChanges.DIFF_SOME);
    expect(d.getDiffsList()).toEqual(['endpoint']);
    expect(d.getReplacesList()).toEqual([]);
  });

  it('Configure refuses a bad endpoint, then connects (secrets accepted, previews supported)', async () => {
    await expect(call.configure(new pb.ConfigureRequest().setArgs(encode({ endpoint: 'nope' })))).rejects.toThrow(/endpoint/);
    const res = await call.configure(new pb.ConfigureRequest().setArgs(encode({ endpoint: composer.url, token: secret(OPERATOR_TOKEN) })));
    expect(res.getAcceptsecrets()).toBe(true);
    expect(res.getSupportspreview()).toBe(true);
    expect(logs.join('\n')).not.toContain(OPERATOR_TOKEN);
  });

  it('Check validates against schema.json, names the property, defaults the name, leaves unknowns alone', async () => {
    const bad = await check('Volume', 'v1', { cluster: 'c1', type: 'hdd' });
    expect(bad.getFailuresList().map((f) => f.getProperty())).toContain('sizeGiB');
    const preview = await check('Volume', 'v1', { cluster: UNKNOWN, type: 'hdd', sizeGiB: 10 });
    expect(preview.getFailuresList().map((f) => f.getReason())).toEqual([]);
    const inputs = decode(preview.getInputs()).props;
    expect(inputs).toMatchObject({ name: 'v1', cluster: UNKNOWN, fsType: 'ext4' });
  });

  it('creates, diffs (replaces, delete-before-replace, stables), reads, imports and deletes', async () => {
    const cl = await create('Cluster', 'c1', (await check('Cluster', 'c1', { servers: ['k1'] })).getInputs()!);
    expect(cl.getId()).toMatch(/^cls-/);
    const volIn = (await check('Volume', 'v1', { cluster: cl.getId(), type: 'hdd', sizeGiB: 10 })).getInputs()!;
    // A preview's create: outputs unknown, the owner known (the URN).
    const pre = decode((await create('Volume', 'v1', volIn, true)).getProperties()).props;
    expect(pre).toMatchObject({ owner: URN('Volume', 'v1'), raidLevel: UNKNOWN, members: UNKNOWN, sizeGiB: 10 });
    const v = await create('Volume', 'v1', volIn);
    const state = decode(v.getProperties()).props;
    expect(state).toMatchObject({ owner: URN('Volume', 'v1'), name: 'v1', sizeGiB: 10 });
    expect(state.id).toBeUndefined();
    expect(state.__composer).toEqual(expect.any(String));

    const same = await diff('Volume', v.getId(), v.getProperties()!, decode(volIn).props);
    expect(same.getChanges()).toBe(pb.DiffResponse.DiffChanges.DIFF_NONE);
    expect(same.getStablesList()).toEqual(expect.arrayContaining(['owner', 'raidLevel', 'members']));
    expect(same.getStablesList()).not.toContain('id');
    const retype = await diff('Volume', v.getId(), v.getProperties()!, { ...decode(volIn).props, type: 'ssd', allowDataLoss: true });
    expect(retype.getReplacesList()).toEqual(['type']);
    expect(retype.getDeletebeforereplace()).toBe(true);
    expect(retype.getDetaileddiffMap().get('type')?.getKind()).toBe(pb.PropertyDiff.Kind.UPDATE_REPLACE);
    const remount = await diff('Volume', v.getId(), v.getProperties()!, { ...decode(volIn).props, mountPath: '/srv/x' });
    expect(remount.getReplacesList()).toEqual([]);
    expect(remount.getChanges()).toBe(pb.DiffResponse.DiffChanges.DIFF_SOME);
    // The preview of that update keeps the stable outputs known.
    const upPre = decode(
      (await call.update(new pb.UpdateRequest().setId(v.getId()).setUrn(URN('Volume', 'v1')).setType('tessera:index:Volume').setOlds(v.getProperties()).setNews(encode({ ...decode(volIn).props, mountPath: '/srv/x' })).setPreview(true))).getProperties(),
    ).props;
    expect(upPre).toMatchObject({ mountPath: '/srv/x', raidLevel: state.raidLevel, members: state.members, state: UNKNOWN });

    // Import by CLUSTER/NAME: the composer id, the state and the inputs.
    const imp = await call.read(new pb.ReadRequest().setId('c1/v1').setUrn(URN('Volume', 'v1')).setType('tessera:index:Volume'));
    expect(imp.getId()).toBe(v.getId());
    expect(decode(imp.getInputs()).props).toMatchObject({ name: 'v1', sizeGiB: 10, type: 'hdd' });
    await expect(call.read(new pb.ReadRequest().setId('c1/nope').setUrn(URN('Volume', 'v1')).setType('tessera:index:Volume'))).rejects.toThrow(/no Volume named "nope"/);

    await call.delete(new pb.DeleteRequest().setId(v.getId()).setUrn(URN('Volume', 'v1')).setType('tessera:index:Volume').setProperties(v.getProperties()));
    const gone = await call.read(new pb.ReadRequest().setId(v.getId()).setUrn(URN('Volume', 'v1')).setType('tessera:index:Volume').setProperties(v.getProperties()).setInputs(volIn));
    expect(gone.getId()).toBe('');
    await call.delete(new pb.DeleteRequest().setId(cl.getId()).setUrn(URN('Cluster', 'c1')).setType('tessera:index:Cluster').setProperties(cl.getProperties()));
  });

  it('keeps the key policy secret a secret in the state and out of the logs', async () => {
    const SECRET = 'a-customer-secret-of-some-length';
    const ins = (await check('KeyPolicy', 'kp', { secret: secret(SECRET) })).getInputs()!;
    expect(isSecret((ins.toJavaScript() as Record<string, unknown>).secret)).toBe(true);
    const kp = await create('KeyPolicy', 'kp', ins);
    const raw = kp.getProperties()!.toJavaScript() as Record<string, unknown>;
    expect(isSecret(raw.secret)).toBe(true);
    expect(raw.fingerprint).toEqual(expect.any(String));
    expect([...logs, ...engineLogs].join('\n')).not.toContain(SECRET);
    await call.delete(new pb.DeleteRequest().setId(kp.getId()).setUrn(URN('KeyPolicy', 'kp')).setType('tessera:index:KeyPolicy').setProperties(kp.getProperties()));
  });

  it('Invoke serves the data sources; an unknown token is a clear error', async () => {
    const cap = await call.invoke(new pb.InvokeRequest().setTok('tessera:index:getCapacity').setArgs(encode({ type: 'ssd' })));
    const out = decode(cap.getReturn()).props;
    expect(out.availableGiB).toEqual(expect.any(Number));
    expect(out.availableGiB as number).toBeGreaterThan(0);
    await expect(call.invoke(new pb.InvokeRequest().setTok('tessera:index:getNothing'))).rejects.toThrow(/unknown function tessera:index:getNothing/);
    await expect(check('Disk', 'd', {})).rejects.toThrow(/unknown resource type tessera:index:Disk/);
  });
});

test('the plugin process shuts down on the SIGINT the engine sends its process group when done (the engine SIGKILLs it 5 s later otherwise)', async () => {
  const { spawn } = await import('node:child_process');
  // As the engine starts a plugin: its own process group, the engine's address as the argument, the port on stdout's first line.
  const child = spawn(path.join(REPO, 'bin', 'pulumi-resource-tessera'), ['127.0.0.1:1'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`the plugin exited (${code}) before printing its port: ${stderr}`)));
  });
  expect(port).toMatch(/^\d+$/);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  process.kill(-child.pid!, 'SIGINT');
  // Without the handler's exit the process lives on after SIGINT; 4.5 s stays under the engine's 5 s grace.
  const result = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 4500))]);
  if (result === 'still running') process.kill(-child.pid!, 'SIGKILL');
  expect({ result, stderr: stderr.includes('fatal') ? stderr : '' }).toEqual({ result: { code: 0, signal: null }, stderr: '' });
}, 30_000);
