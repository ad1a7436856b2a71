// Glue between the generated resource classes and the dynamic provider: one provider object per
// resource type (so Pulumi serializes it once), the props every resource registers (all outputs,
// the owner URN, secrets wrapped), and the options that keep secrets out of the checkpoint.
import * as pulumi from '@pulumi/pulumi';
import { TIMEOUTS_KEY } from '../../provider/pulumi/provider';
import { serializableProvider } from '../../provider/pulumi/serializable';
import { pulumiAttributes } from '../../provider/pulumi-native/package-schema';
import { resourceSpec } from '../../provider/schema';

const providers = new Map<string, pulumi.dynamic.ResourceProvider>();

export function providerFor(type: string): pulumi.dynamic.ResourceProvider {
  let p = providers.get(type);
  if (!p) {
    p = serializableProvider(type);
    providers.set(type, p);
  }
  return p;
}

/** Attributes a Pulumi resource carries (one definition for both providers). */
export { pulumiAttributes };

export function secretAttributes(type: string): string[] {
  const spec = resourceSpec(type);
  return pulumiAttributes(type).filter((f) => spec.attributes[f].sensitive);
}

export function dynamicResourceProps(
  type: string,
  token: string,
  name: string,
  args: Record<string, unknown>,
  opts: pulumi.CustomResourceOptions | undefined,
): pulumi.Inputs {
  const props: pulumi.Inputs = {};
  // Every attribute is registered (outputs as undefined) so Pulumi resolves each Output.
  for (const f of pulumiAttributes(type)) props[f] = args?.[f] as pulumi.Input<unknown>;
  if (opts?.id !== undefined) return props;
  // Names are the composer's identity within a cluster; default to the Pulumi name.
  if (props.name === undefined) props.name = name;
  for (const f of secretAttributes(type)) if (props[f] !== undefined) props[f] = pulumi.secret(props[f]);
  // owner = this resource's URN, so the composer shows who made each object.
  props.owner = ownerUrn(name, token, opts?.parent);
  // Pulumi does not give a dynamic provider the customTimeouts option: pass it as an input.
  const t = opts?.customTimeouts;
  if (t && (t.create || t.update || t.delete)) props[TIMEOUTS_KEY] = { create: t.create, update: t.update, delete: t.delete };
  return props;
}

/**
 * This resource's URN as a plain string input. The parent's URN is taken through a promise so
 * the owner carries no dependency on the parent: depending on a component means waiting for
 * all its children, this resource included (a deadlock).
 */
export function ownerUrn(name: string, token: string, parent: pulumi.Resource | undefined): pulumi.Input<string> {
  if (!parent) return pulumi.createUrn(name, token);
  const parentUrn = new Promise<string>((resolve) => parent.urn.apply((u) => resolve(u)));
  return pulumi.createUrn(name, token, pulumi.output(parentUrn));
}

export function dynamicResourceOptions(type: string, opts: pulumi.CustomResourceOptions | undefined): pulumi.CustomResourceOptions {
  const secrets = secretAttributes(type);
  if (secrets.length === 0) return opts ?? {};
  return { ...opts, additionalSecretOutputs: [...new Set([...(opts?.additionalSecretOutputs ?? []), ...secrets])] };
}
