// Read, for refresh and for import (`pulumi import tessera:index:Volume NAME ID`, the `import`
// resource option, `.get`). An import has no state: its id may be the composer id or the
// natural key (NAME, or CLUSTER/NAME for volumes and slices, as for Terraform), and the answer
// carries the object's inputs so the program's next preview is empty when it matches. A
// refresh keeps what the composer never returns (the key policy secret: handlers' carryOver);
// an object gone is answered with an empty id (the engine drops it from the state). What needs
// attention (degraded, rebuilding, retained) is a warning in the engine's log.
import * as pb from '@pulumi/pulumi/proto/provider_pb';
import type { Props } from '../../handlers';
import type { NativeProvider } from '../server';
import { decodeState, encodeState, inputsOf, recordedComposer, sensitiveOf } from '../state';
import { encode } from '../values';

export async function read(p: NativeProvider, req: pb.ReadRequest): Promise<pb.ReadResponse> {
  const type = p.typeOf(req.getType());
  const urn = req.getUrn();
  const h = p.handler(type);
  const state = decodeState(req.getProperties());
  const oldInputs = decodeState(req.getInputs());
  const importing = Object.keys(state.clean).length === 0;
  const id = importing ? await h.resolveImportId(req.getId()) : req.getId();
  const attention: string[] = [];
  const current = await h.read(id, { expectComposer: importing ? undefined : recordedComposer(state.props), onAttention: (summary, detail) => attention.push(`${summary}: ${detail}`) });
  for (const line of attention) await p.engineLog('warning', line, urn);
  if (!current) {
    if (importing) throw new Error(`import ${req.getId()}: no ${h.spec.label ?? h.spec.kind} with this id exists in the composer`);
    return new pb.ReadResponse().setId('');
  }
  const props = h.carryOver(current, importing ? oldInputs.clean : state.clean);
  const secrets = [...state.secrets, ...oldInputs.secrets];
  let inputs: Props;
  if (importing) inputs = inputsOf(type, props);
  else {
    // The old inputs, with the composer's current value of each (drift shows in the next diff).
    inputs = { ...oldInputs.clean };
    const sensitive = new Set(sensitiveOf(type));
    for (const k of Object.keys(inputs)) if (props[k] !== undefined && !sensitive.has(k)) inputs[k] = props[k];
  }
  return new pb.ReadResponse()
    .setId(id)
    .setProperties(encodeState(type, props, h.composerId ?? recordedComposer(state.props), secrets))
    .setInputs(encode(inputs, [...oldInputs.secrets, ...sensitiveOf(type)]));
}
