// Diff: the handlers' plan of the stored state -> the new inputs (provider/handlers/model.ts):
// what changes, what replaces (schema.json `update: replace`, `inPlaceWhen`), delete before
// replace when the name is reused, and the stable outputs a preview keeps (schema.json
// `stable`). A growth or an opted-in replacement is checked against the pool here, where the id
// is known (Check has none), so an infeasible one fails the preview.
import * as pb from '@pulumi/pulumi/proto/provider_pb';
import { modelFor } from '../../handlers';
import { formatFailures } from '../../schema';
import type { NativeProvider } from '../server';
import { decodeState } from '../state';
import { unknownFields } from '../values';

export async function diff(p: NativeProvider, req: pb.DiffRequest): Promise<pb.DiffResponse> {
  const type = p.typeOf(req.getType());
  const id = req.getId();
  const olds = decodeState(req.getOlds()).clean;
  const news = decodeState(req.getNews()).clean;
  const unknown = unknownFields(news);
  const h = p.configured ? p.handler(type) : undefined;
  const model = h ?? modelFor(type);
  const plan = model.plan(olds, news, { unknown });
  if (h && ((plan.replaces.length && !plan.dataLoss.length) || plan.updates.some((f) => model.spec.attributes[f]?.growOnly))) {
    const r = await h.check(news, { olds, id, unknown });
    for (const w of r.warnings ?? []) await p.engineLog('warning', w, req.getUrn());
    if (r.failures.length) throw new Error(`${model.spec.kind} ${id}: ${formatFailures(r.failures)}`);
  }
  const res = new pb.DiffResponse()
    .setChanges(plan.changed.length ? pb.DiffResponse.DiffChanges.DIFF_SOME : pb.DiffResponse.DiffChanges.DIFF_NONE)
    .setReplacesList(plan.replaces)
    // Pulumi keeps the id apart from the outputs: only the other kept outputs are "stable".
    .setStablesList(plan.kept.filter((k) => k !== model.kind.id))
    .setDeletebeforereplace(plan.deleteBeforeReplace)
    .setDiffsList(plan.changed)
    .setHasdetaileddiff(true);
  for (const f of plan.changed) {
    const kind = plan.replaces.includes(f) ? pb.PropertyDiff.Kind.UPDATE_REPLACE : pb.PropertyDiff.Kind.UPDATE;
    res.getDetaileddiffMap().set(f, new pb.PropertyDiff().setKind(kind).setInputdiff(true));
  }
  return res;
}
