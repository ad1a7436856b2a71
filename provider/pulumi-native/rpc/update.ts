// Update: in a preview, the new inputs with the outputs the plan keeps (schema.json `stable`,
// unless a resize reshapes the placement) known from the state and the rest unknown; else the
// handlers' update (PATCH of the changed inputs, then the wait for staging).
import * as pb from '@pulumi/pulumi/proto/provider_pb';
import { modelFor, type Props } from '../../handlers';
import type { NativeProvider } from '../server';
import { decodeState, encodeState, previewState, recordedComposer } from '../state';
import { unknownFields } from '../values';
import { timeoutOf } from './create';

export async function update(p: NativeProvider, req: pb.UpdateRequest): Promise<pb.UpdateResponse> {
  const type = p.typeOf(req.getType());
  const state = decodeState(req.getOlds());
  const news = decodeState(req.getNews());
  const composer = recordedComposer(state.props);
  const secrets = [...state.secrets, ...news.secrets];
  if (req.getPreview() || !p.configured) {
    if (!req.getPreview()) p.connection(); // throws: not configured
    const plan = (p.configured ? p.handler(type) : modelFor(type)).plan(state.clean, news.clean, { unknown: unknownFields(news.clean) });
    const known: Props = {};
    for (const f of plan.kept) known[f] = state.clean[f];
    return new pb.UpdateResponse().setProperties(previewState(type, news.clean, known, composer, secrets));
  }
  const h = p.handler(type);
  // An imported key policy's state holds no secret (the composer never returns one), so its
  // first update sends the program's secret: with adopt, the composer takes it only if it is the
  // current one (409 secret_mismatch otherwise), never rotating the key by surprise. The
  // Terraform provider does the same after an import (docs/pulumi.md "The native provider").
  const model = modelFor(type);
  const { updates } = model.plan(state.clean, news.clean);
  const adopt = updates.length > 0 && updates.every((f) => model.spec.attributes[f]?.sensitive && (state.clean[f] === undefined || state.clean[f] === null));
  const outs = await h.update(req.getId(), state.clean, news.clean, { timeoutMs: timeoutOf(req.getTimeout()), signal: p.signal, adopt });
  return new pb.UpdateResponse().setProperties(encodeState(type, outs, composer ?? h.composerId, secrets));
}
