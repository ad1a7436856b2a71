// Construct: the ScaleOutCluster component (tessera:index:ScaleOutCluster) for every language.
// The layout is sdk/common/scaleout.ts's expand(), the one the TypeScript SDK's component and the
// CDKTF construct use. The engine hands a multi-language component's inputs to its provider
// with the address of its resource monitor; the provider registers the component and its
// children there (RegisterResource, parent = the component), waits for each child, records the
// component's outputs (RegisterResourceOutputs) and answers with its URN and state
// (docs/pulumi.md "ScaleOutCluster from any language"). The children are this package's own
// custom resources (Cluster, Volume, Slice): the engine runs them through Check/Diff/Create of
// the provider instance the program chose for the package.
import * as grpc from '@grpc/grpc-js';
import * as pb from '@pulumi/pulumi/proto/provider_pb';
import * as resRpc from '@pulumi/pulumi/proto/resource_grpc_pb';
import * as resPb from '@pulumi/pulumi/proto/resource_pb';
import { Struct } from 'google-protobuf/google/protobuf/struct_pb';
import { expand, type ScaleOutProps, type Template } from '../../../sdk/common/scaleout';
import type { Props } from '../../handlers';
import { COMPONENT_TOKEN, PACKAGE, resourceToken } from '../package-schema';
import { ProtocolError } from '../server';
import { encode, isSecret, UNKNOWN } from '../values';
import { VERSION } from '../../version';

/** A template with secret values unwrapped, the names of its secret fields remembered. */
function template(field: string, raw: unknown): Template & { secretFields: string[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ProtocolError(`ScaleOutCluster: ${field}: must be an object`);
  const out: Record<string, unknown> = {};
  const secretFields: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (isSecret(v)) secretFields.push(k);
    out[k] = isSecret(v) ? v.value : v;
  }
  if (typeof out.name !== 'string' || out.name === UNKNOWN) throw new ProtocolError(`ScaleOutCluster: ${field}.name: must be a known string (it names the objects)`);
  return { ...(out as unknown as Template), secretFields };
}

/** The component's inputs as expand() takes them, or an error naming the field. */
export function scaleOutInputs(inputs: Struct | undefined): { props: ScaleOutProps<Template & { secretFields: string[] }, Template & { secretFields: string[] }, unknown, unknown, unknown>; secrets: Set<string> } {
  const raw = (inputs?.toJavaScript() ?? {}) as Record<string, unknown>;
  const secrets = new Set<string>();
  const plain = (k: string): unknown => {
    const v = raw[k];
    if (isSecret(v)) secrets.add(k);
    return isSecret(v) ? v.value : v;
  };
  const servers = plain('servers');
  if (!Array.isArray(servers) || servers.some((s) => typeof s !== 'string' || s === UNKNOWN)) throw new ProtocolError('ScaleOutCluster: servers: must be a known list of server names');
  const list = (k: string, required: boolean) => {
    const v = plain(k);
    if (v === undefined || v === null) {
      if (required) throw new ProtocolError(`ScaleOutCluster: ${k}: required (a list of templates)`);
      return [];
    }
    if (!Array.isArray(v)) throw new ProtocolError(`ScaleOutCluster: ${k}: must be a known list of templates`);
    return v.map((t, i) => template(`${k}[${i}]`, t));
  };
  const stage = plain('stage');
  if (stage !== undefined && typeof stage !== 'boolean') throw new ProtocolError('ScaleOutCluster: stage: must be a known boolean');
  const props = {
    clusterName: plain('clusterName'),
    servers: servers as string[],
    keyPolicy: plain('keyPolicy'),
    networkTransportsAllowed: plain('networkTransportsAllowed'),
    volumes: list('volumes', true),
    slices: list('slices', false),
    stage: stage as boolean | undefined,
  };
  return { props, secrets };
}

function call<Req, Res>(fn: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(new Error(err.details || err.message)) : resolve(res))));
}

export async function construct(req: pb.ConstructRequest): Promise<pb.ConstructResponse> {
  if (req.getType() !== COMPONENT_TOKEN) throw new ProtocolError(`unknown component ${req.getType()} (known: ${COMPONENT_TOKEN})`);
  const name = req.getName();
  const { props, secrets } = scaleOutInputs(req.getInputs());
  let layout;
  try {
    layout = expand(props, name);
  } catch (e) {
    throw new ProtocolError((e as Error).message);
  }
  const monitor = new resRpc.ResourceMonitorClient(req.getMonitorendpoint(), grpc.credentials.createInsecure());
  const register = (r: resPb.RegisterResourceRequest) => call<resPb.RegisterResourceRequest, resPb.RegisterResourceResponse>(monitor.registerResource.bind(monitor), r);
  try {
    // What the component's inputs came from: every child waits for it (a key policy's id).
    const inputDeps = new Set<string>(req.getDependenciesList());
    for (const [, deps] of req.getInputdependenciesMap().entries()) for (const u of deps.getUrnsList()) inputDeps.add(u);
    const provider = req.getProvidersMap().get(PACKAGE);

    const component = await register(
      new resPb.RegisterResourceRequest()
        .setType(COMPONENT_TOKEN)
        .setName(name)
        .setParent(req.getParent())
        .setCustom(false)
        .setProtect(req.getProtect() ?? false)
        .setDependenciesList(req.getDependenciesList())
        .setAcceptsecrets(true)
        .setObject(new Struct()),
    );
    const parent = component.getUrn();

    const child = (kind: string, childName: string, args: Props, secretFields: Iterable<string>, extraDeps: Record<string, string> = {}) => {
      const r = new resPb.RegisterResourceRequest()
        .setType(resourceToken(kind))
        .setName(childName)
        .setParent(parent)
        .setCustom(true)
        .setProtect(req.getProtect() ?? false)
        .setObject(encode(args, secretFields))
        .setDependenciesList([...inputDeps, ...Object.values(extraDeps)])
        .setAcceptsecrets(true)
        .setSupportspartialvalues(true)
        .setVersion(VERSION);
      if (provider) r.setProvider(provider);
      if (req.getCustomtimeouts()) {
        const t = req.getCustomtimeouts()!;
        r.setCustomtimeouts(new resPb.RegisterResourceRequest.CustomTimeouts().setCreate(t.getCreate()).setUpdate(t.getUpdate()).setDelete(t.getDelete()));
      }
      for (const [field, urn] of Object.entries(extraDeps)) r.getPropertydependenciesMap().set(field, new resPb.RegisterResourceRequest.PropertyDependencies().setUrnsList([urn]));
      return register(r);
    };

    // Names as the TypeScript component gives them, so a stack can move between the two (docs/pulumi.md).
    const clusterSecrets = [...secrets].filter((k) => k === 'keyPolicy' || k === 'networkTransportsAllowed');
    const cluster = await child('tessera_cluster', name, layout.cluster as Props, clusterSecrets);
    const clusterId = cluster.getId() || UNKNOWN;
    const clusterUrn = cluster.getUrn();
    const rows = (kind: string, list: { server: string; template: string; args: Props & { secretFields?: string[] } }[]): Promise<[string, string, string]>[] =>
      list.map(async ({ server, template: t, args }) => {
        const { secretFields = [], ...rest } = args;
        const inherited = [...secrets].filter((k) => k === 'keyPolicy' && rest.keyPolicy !== undefined);
        const res = await child(kind, `${name}-${server}-${t}`, { ...rest, cluster: clusterId }, [...secretFields, ...inherited], { cluster: clusterUrn });
        return [String(rest.name), res.getId() || UNKNOWN, res.getUrn()] as [string, string, string];
      });
    const volumes = await Promise.all(rows('tessera_volume', layout.volumes as never));
    const slices = await Promise.all(rows('tessera_slice', layout.slices as never));

    const outputs = { clusterId, volumeIds: Object.fromEntries(volumes.map(([n, id]) => [n, id])), sliceIds: Object.fromEntries(slices.map(([n, id]) => [n, id])) };
    const state = encode(outputs);
    await call<resPb.RegisterResourceOutputsRequest, unknown>(monitor.registerResourceOutputs.bind(monitor), new resPb.RegisterResourceOutputsRequest().setUrn(parent).setOutputs(state));
    const res = new pb.ConstructResponse().setUrn(parent).setState(state);
    const deps = (urns: string[]) => new pb.ConstructResponse.PropertyDependencies().setUrnsList(urns);
    res.getStatedependenciesMap().set('clusterId', deps([clusterUrn]));
    res.getStatedependenciesMap().set('volumeIds', deps(volumes.map(([, , u]) => u)));
    res.getStatedependenciesMap().set('sliceIds', deps(slices.map(([, , u]) => u)));
    return res;
  } finally {
    monitor.close();
  }
}
