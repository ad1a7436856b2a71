// DiffConfig: which provider settings changed. A new endpoint or token is an update of the
// provider (its resources keep their ids): never a replacement, which would replace every
// object it manages.
import * as pb from '@pulumi/pulumi/proto/provider_pb';
import { PROVIDER_SETTINGS } from '../../handlers';
import { decode } from '../values';
import { settingsOf } from './check-config';

export function diffConfig(req: pb.DiffRequest): pb.DiffResponse {
  const olds = settingsOf(decode(req.getOldInputs() ?? req.getOlds()).props);
  const news = settingsOf(decode(req.getNews()).props);
  const changed = (Object.keys(PROVIDER_SETTINGS) as (keyof typeof PROVIDER_SETTINGS)[]).filter((k) => news.unknown.includes(k) || olds[k] !== news[k]);
  return new pb.DiffResponse()
    .setChanges(changed.length ? pb.DiffResponse.DiffChanges.DIFF_SOME : pb.DiffResponse.DiffChanges.DIFF_NONE)
    .setDiffsList(changed)
    .setReplacesList([])
    .setDeletebeforereplace(false);
}
