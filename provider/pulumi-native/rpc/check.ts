// Check: a resource's inputs validated against schema.json with the handlers' check (defaults
// applied, preview-time unknowns left alone, refused shrinks and un-opted data-losing
// replacements, and for a new object a placement dry-run against the pool: docs/pulumi.md
// "Preview-time feasibility"). Failures name the property; warnings go to the engine's log.
import * as pb from '@pulumi/pulumi/proto/provider_pb';
import { modelFor, type Props } from '../../handlers';
import type { NativeProvider } from '../server';
import { decodeState, sensitiveOf } from '../state';
import { encode, unknownFields } from '../values';

export async function check(p: NativeProvider, req: pb.CheckRequest): Promise<pb.CheckResponse> {
  const type = p.typeOf(req.getType());
  const urn = req.getUrn();
  const news = decodeState(req.getNews());
  const olds = decodeState(req.getOlds()).clean;
  const hasOlds = Object.keys(olds).length > 0;
  // Names default to the Pulumi resource name (kept from the state once created), as in the dynamic SDK.
  const nameAttr = modelFor(type).kind.name;
  if (news.clean[nameAttr] === undefined) news.clean[nameAttr] = olds[nameAttr] ?? req.getName();
  const unknown = unknownFields(news.clean);
  const opts = { preview: !hasOlds, olds: hasOlds ? olds : undefined, unknown, owner: urn };
  // Not connected yet (an endpoint known only after apply): validation without the pool.
  const result = p.configured ? await p.handler(type).check(news.clean, opts) : modelFor(type).validate(news.clean, { unknown });
  for (const w of result.warnings ?? []) await p.engineLog('warning', w, urn);
  const inputs: Props = { ...result.inputs };
  for (const u of unknown) inputs[u] = news.clean[u];
  const failures = result.failures.map((f) => {
    const property = f.field.replace(/[[.].*$/, '');
    return new pb.CheckFailure().setProperty(property).setReason(property === f.field ? f.reason : `${f.field}: ${f.reason}`);
  });
  return new pb.CheckResponse().setInputs(encode(inputs, [...news.secrets, ...sensitiveOf(type)])).setFailuresList(failures);
}
