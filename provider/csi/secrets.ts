// CSI secrets (docs/csi.md "Secrets"): a StorageClass with `encrypt: "true"` and `keyPolicy: NAME`
// may carry the key policy's customer secret in the provisioner secret (the external-provisioner
// passes it in CreateVolume's `secrets` map, never in parameters). The controller creates the
// policy when it does not exist yet. The secret is sent to the composer only (which seals it,
// docs/api.md "Key policies") and never appears in a log line, a status message or a response.
import { CsiError } from './errors';

/** The key of CreateVolume's `secrets` map that carries the key policy secret. */
export const KEY_POLICY_SECRET = 'keyPolicySecret';

/** Every secret value replaced in a message: a composer sentence must not carry it back to the CO. */
export function redact(message: string, secrets: Record<string, string> | undefined): string {
  let out = message;
  for (const value of Object.values(secrets ?? {})) if (value) out = out.split(value).join('[secret]');
  return out;
}

/** The same error with every secret value redacted from its message. */
export function redacted(err: CsiError, secrets: Record<string, string> | undefined): CsiError {
  const message = redact(err.message, secrets);
  return message === err.message ? err : new CsiError(err.code, message);
}
