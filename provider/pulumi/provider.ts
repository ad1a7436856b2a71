// The Pulumi dynamic provider: a thin adapter from pulumi.dynamic.ResourceProvider to the shared
// resource handlers (check = validate + plan's refused shrinks, diff = plan, read = carryOver;
// provider/handlers/model.ts). It is serialized into every resource's state (closure serialization) and
// run by the engine in a separate process, so it captures only a type name and a small state
// object; endpoint and token come at run time from the stack config (configure) or the
// environment, never from the serialized text.
import type * as pulumi from '@pulumi/pulumi';
import { connectionFromEnv, handlerFor, PROVIDER_SETTINGS, timeoutFailures, timeoutMs, type Timeouts, validateConnection } from '../handlers';
import type { SchemaResourceHandler } from '../handlers';
import type { Props } from '../handlers/types';
import { formatFailures } from '../schema';

/** The value Pulumi passes for inputs not known yet during a preview. */
export const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
const PROVIDER_KEY = '__provider';
/**
 * The resource's `customTimeouts` option, which Pulumi does not hand to dynamic providers: the
 * SDK passes it as this input (sdk/pulumi/runtime.ts) and the provider keeps it in the outputs
 * so delete sees it too (docs/pulumi.md "Timeouts").
 */
export const TIMEOUTS_KEY = '__timeouts';
/**
 * The identity of the composer that holds the object, kept in the outputs (the state): a 404
 * from another composer is an error, not a deletion (docs/pulumi.md "Composer identity").
 */
export const COMPOSER_KEY = '__composer';
const HIDDEN_KEYS = new Set([PROVIDER_KEY, TIMEOUTS_KEY, COMPOSER_KEY]);

/** Fields whose value (or a part of it) is not known yet. */
export function unknownFields(props: Props): string[] {
  return Object.entries(props)
    .filter(([, v]) => v === UNKNOWN || (typeof v === 'object' && v !== null && JSON.stringify(v).includes(UNKNOWN)))
    .map(([k]) => k);
}

function withoutProviderKey(props: Props | undefined): Props {
  const out: Props = {};
  for (const [k, v] of Object.entries(props ?? {})) if (!HIDDEN_KEYS.has(k)) out[k] = v;
  return out;
}

function timeoutsOf(props: Props | undefined): Timeouts | undefined {
  const t = props?.[TIMEOUTS_KEY];
  return t && typeof t === 'object' ? (t as Timeouts) : undefined;
}

/** Outputs plus the timeouts (so a later delete still has them) and the composer's identity. */
function withHidden(outs: Props, from: Props | undefined, composer: string | undefined): Props {
  const t = timeoutsOf(from);
  const c = composer ?? recordedComposer(from);
  return { ...outs, ...(t ? { [TIMEOUTS_KEY]: t } : {}), ...(c ? { [COMPOSER_KEY]: c } : {}) };
}

function recordedComposer(props: Props | undefined): string | undefined {
  const c = props?.[COMPOSER_KEY];
  return typeof c === 'string' && c ? c : undefined;
}

export interface DynamicProviderState {
  endpoint?: string;
  token?: string;
  handler?: SchemaResourceHandler;
}

/** A warning in the Pulumi engine's log (shown by `pulumi up` / `refresh`); stderr when no engine listens. */
async function warnLog(message: string): Promise<void> {
  try {
    const { log } = await import('@pulumi/pulumi');
    await log.warn(message);
  } catch {
    console.warn(message);
  }
}

/** The dynamic provider for one schema.json resource type (tessera_volume, ...). */
export function makeDynamicProvider(type: string): pulumi.dynamic.ResourceProvider {
  const state: DynamicProviderState = {};
  const handler = (): SchemaResourceHandler => {
    if (!state.handler) {
      state.handler = handlerFor(type, connectionFromEnv({ endpoint: state.endpoint, token: state.token }), {
        // Progress on the provider's stderr shows up in `pulumi up -v` logs; no bodies, no secrets.
        log: process.env.TESSERA_DEBUG ? (line) => console.error(line) : undefined,
      });
    }
    return state.handler;
  };
  return {
    async configure(req) {
      // Stack config `tessera:endpoint` / secret `tessera:token`; environment as fallback.
      state.endpoint = req.config.get(PROVIDER_SETTINGS.endpoint.config) || undefined;
      state.token = req.config.get(PROVIDER_SETTINGS.token.config) || undefined;
      const failures = validateConnection({ endpoint: state.endpoint, token: state.token });
      if (failures.length) throw new Error(`tessera provider config: ${formatFailures(failures)}`);
      state.handler = undefined;
    },

    async check(olds, news) {
      const input = withoutProviderKey(news);
      const prior = withoutProviderKey(olds);
      const unknown = unknownFields(input);
      const result = await handler().check(input, { preview: Object.keys(prior).length === 0, olds: Object.keys(prior).length ? prior : undefined, unknown });
      // The dynamic provider has no warning channel: stderr reaches `pulumi ... -v` and the logs.
      for (const w of result.warnings ?? []) console.error(`warning: ${w}`);
      const inputs: Props = { ...result.inputs };
      for (const u of unknown) inputs[u] = input[u];
      const timeouts = timeoutsOf(news);
      if (timeouts) inputs[TIMEOUTS_KEY] = timeouts;
      result.failures.push(...timeoutFailures(timeouts, 'customTimeouts'));
      const owner = handler().kind.owner;
      if (typeof input[owner] === 'string') inputs[owner] = input[owner];
      // Pulumi shows "property X value ... has a problem: <reason>": name nested fields in the reason.
      return {
        inputs,
        failures: result.failures.map((f) => {
          const property = f.field.replace(/[[.].*$/, '');
          return { property, reason: property === f.field ? f.reason : `${f.field}: ${f.reason}` };
        }),
      };
    },

    async diff(id, olds, news) {
      const h = handler();
      const p = h.plan(withoutProviderKey(olds), withoutProviderKey(news));
      // A growth or (opted-in) replacement is claimed plan-wide here, where the id is known
      // (check has none): one that does not fit fails the preview (docs/pulumi.md).
      // (An un-opted replacement was refused by check already.)
      if ((p.replaces.length && !p.dataLoss.length) || p.updates.some((f) => h.spec.attributes[f]?.growOnly)) {
        const input = withoutProviderKey(news);
        const r = await h.check(input, { olds: withoutProviderKey(olds), id, unknown: unknownFields(input) });
        for (const w of r.warnings ?? []) console.error(`warning: ${w}`);
        if (r.failures.length) throw new Error(`${h.spec.kind} ${id}: ${formatFailures(r.failures)}`);
      }
      // Pulumi keeps the id apart from the outputs: only the other kept outputs are "stable".
      const stables = p.kept.filter((k) => k !== h.kind.id);
      return { changes: p.changed.length > 0, replaces: p.replaces, deleteBeforeReplace: p.deleteBeforeReplace, stables };
    },

    async create(inputs) {
      const input = withoutProviderKey(inputs);
      const given = input[handler().kind.owner];
      const owner = typeof given === 'string' ? given : '';
      const { id, outputs } = await handler().create(input, owner, { timeoutMs: timeoutMs(timeoutsOf(inputs), 'create') });
      return { id, outs: withHidden(outputs, inputs, handler().composerId) };
    },

    async read(id, props) {
      const prior = withoutProviderKey(props);
      // What needs attention (deleting, retained, failed; a degraded or rebuilding volume: docs/failure.md) is a warning in the engine's log.
      const attention: string[] = [];
      const current = await handler().read(id, { expectComposer: recordedComposer(props), onAttention: (summary, detail) => attention.push(`${summary}: ${detail}`) });
      for (const line of attention) await warnLog(line);
      // An empty id tells the engine the object is gone (refresh drops it from the state).
      if (!current) return { id: '', props: {} };
      // Sensitive inputs (the key policy secret) are never returned by the composer.
      return { id, props: withHidden(handler().carryOver(current, prior), props, handler().composerId) };
    },

    async update(id, olds, news) {
      const outs = await handler().update(id, withoutProviderKey(olds), withoutProviderKey(news), { timeoutMs: timeoutMs(timeoutsOf(news), 'update') });
      return { outs: withHidden(outs, { ...news, [COMPOSER_KEY]: recordedComposer(olds) }, handler().composerId) };
    },

    async delete(id, props) {
      await handler().delete(id, withoutProviderKey(props), { timeoutMs: timeoutMs(timeoutsOf(props), 'delete'), expectComposer: recordedComposer(props) });
    },
  };
}
