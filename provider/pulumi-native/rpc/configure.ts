// Configure: connect this provider instance to its composer. Endpoint and token come from the
// provider's inputs (the default provider: stack config tessera:endpoint and secret
// tessera:token; an explicit provider: its own arguments), else TESSERA_ENDPOINT/TESSERA_TOKEN.
// The answer: secrets accepted (values.ts wraps sensitive outputs), previews supported (Create
// and Update answer with the outputs a preview can know: docs/pulumi.md "Previews").
import * as pb from '@pulumi/pulumi/proto/provider_pb';
import { PROVIDER_SETTINGS, validateConnection } from '../../handlers';
import { formatFailures } from '../../schema';
import type { NativeProvider } from '../server';
import { decode } from '../values';
import { settingsOf } from './check-config';

/** The setting whose value may be unknown until another resource exists. */
const ENDPOINT: keyof typeof PROVIDER_SETTINGS = 'endpoint';

export function configure(p: NativeProvider, req: pb.ConfigureRequest): pb.ConfigureResponse {
  // Old engines send only the variables map (tessera:config:endpoint = value).
  const args = req.getArgs() ? decode(req.getArgs()).props : {};
  if (!req.getArgs()) for (const [k, v] of req.getVariablesMap().toArray()) args[k.replace(/^tessera:config:/, '')] = v;
  const settings = settingsOf(args);
  const failures = validateConnection({ endpoint: settings.endpoint, token: settings.token });
  if (failures.length) throw new Error(`tessera provider config: ${formatFailures(failures)}`);
  // An endpoint known only after another resource is created: the engine configures again before applying.
  if (!settings.unknown.includes(ENDPOINT)) {
    const conn = p.connect({ endpoint: settings.endpoint, token: settings.token });
    p.log(`configured for ${conn.endpoint}`);
  }
  return new pb.ConfigureResponse().setAcceptsecrets(true).setSupportspreview(true).setAcceptresources(false).setAcceptoutputs(false);
}
