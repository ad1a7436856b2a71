// Create: in a preview, the inputs with every output unknown (the owner is the URN, known);
// else the handlers' create with the URN as owner, waiting for staging within the resource's
// customTimeouts (the engine sends them: no hidden input, unlike the dynamic provider).
import * as pb from '@pulumi/pulumi/proto/provider_pb';
import type { NativeProvider } from '../server';
import { decodeState, encodeState, previewState } from '../state';

/** The engine's timeout in seconds (0: none given) as the handlers' milliseconds. */
export function timeoutOf(seconds: number): number | undefined {
  return seconds > 0 ? Math.round(seconds * 1000) : undefined;
}

export async function create(p: NativeProvider, req: pb.CreateRequest): Promise<pb.CreateResponse> {
  const type = p.typeOf(req.getType());
  const urn = req.getUrn();
  const inputs = decodeState(req.getProperties());
  const h = p.configured ? p.handler(type) : undefined;
  const owner = h?.kind.owner;
  if (req.getPreview() || !h) {
    if (!req.getPreview()) p.connection(); // throws: not configured
    return new pb.CreateResponse().setId('').setProperties(previewState(type, inputs.clean, owner ? { [owner]: urn } : {}, undefined, inputs.secrets));
  }
  const { id, outputs } = await h.create(inputs.clean, urn, { timeoutMs: timeoutOf(req.getTimeout()), signal: p.signal });
  return new pb.CreateResponse().setId(id).setProperties(encodeState(type, outputs, h.composerId, inputs.secrets));
}
