// A volume that is not ok, as both providers say it on refresh (docs/failure.md): the handler's
// read() tells it through onAttention, Pulumi logs it as a warning beside the `health` output,
// Terraform returns it as a warning diagnostic beside the computed attribute. One sentence for
// both, from what the composer derived (health, healthReason).
import type { Props } from './types';

/** The warning for a refreshed object, or undefined when it is ok (or carries no health). */
export function healthWarning(what: string, props: Props): { summary: string; detail: string } | undefined {
  const health = props.health;
  if (typeof health !== 'string' || health === 'ok') return undefined;
  const failed = Array.isArray(props.failedMembers) && props.failedMembers.length > 0 ? ` (failed members: ${props.failedMembers.join(', ')})` : '';
  return { summary: `${what} is ${health}${failed}`, detail: typeof props.healthReason === 'string' ? props.healthReason : health };
}
