// CheckConfig: the provider resource's inputs (endpoint, token) checked against schema.json's
// provider block; the token is returned as a secret even when given in the clear, so the state
// never holds it in plaintext (docs/pulumi.md "Secrets").
import * as pb from '@pulumi/pulumi/proto/provider_pb';
import { PROVIDER_SETTINGS, validateConnection } from '../../handlers';
import { decode, encode, UNKNOWN } from '../values';

/** Provider config keys arrive bare (endpoint) or, from the stack's config, as tessera:endpoint. */
export function settingsOf(props: Record<string, unknown>): { endpoint?: string; token?: string; unknown: (keyof typeof PROVIDER_SETTINGS)[] } {
  const out: { endpoint?: string; token?: string; unknown: (keyof typeof PROVIDER_SETTINGS)[] } = { unknown: [] };
  for (const name of Object.keys(PROVIDER_SETTINGS) as (keyof typeof PROVIDER_SETTINGS)[]) {
    const v = props[name] ?? props[PROVIDER_SETTINGS[name].config];
    if (v === UNKNOWN) out.unknown.push(name);
    else if (typeof v === 'string' && v !== '') out[name] = v;
  }
  return out;
}

export function checkConfig(req: pb.CheckRequest): pb.CheckResponse {
  const { props, secrets } = decode(req.getNews());
  const settings = settingsOf(props);
  const failures = validateConnection({ endpoint: settings.endpoint, token: settings.token }).map((f) =>
    new pb.CheckFailure().setProperty(f.field).setReason(`${f.field}: ${f.reason}`),
  );
  const sensitive = Object.entries(PROVIDER_SETTINGS)
    .filter(([, s]) => s.sensitive)
    .map(([n]) => n);
  return new pb.CheckResponse().setInputs(encode(props, [...secrets, ...sensitive])).setFailuresList(failures);
}
