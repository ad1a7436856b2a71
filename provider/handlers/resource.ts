// One ResourceHandler implementation for every resource kind, driven by schema.json and its kinds
// registry: what is an input, an output, sensitive, write-only, replaced or updated in place,
// placed or provider-set all comes from there (docs/schema-format.md).
import { healthWarning } from './health';
import { type BlockSpec, CAPACITY_QUERY, type FieldFailure, isInput, type KindEntry, type PlacedCollection, type PlacementAttribute, type ResourceType, schema } from '../schema';
import { PROBLEM, type VolumeState } from '../api/contract';
import { ComposerClient } from './client';
import { dataLossReason, ResourceModel } from './model';
import type { FeasibilityStep } from '../api/contract';
import type { PlanClaims } from './claims';
import { CallOptions, CheckOptions, ReadOptions, CheckResult, ComposerError, DiffResult, Props, ResourceHandler } from './types';

export interface HandlerOptions {
  /** How long create/update wait for the agent to stage a volume that names a server (ms). */
  stageTimeoutMs?: number;
  /** How long delete waits for the composer to release a volume (ms). */
  deleteTimeoutMs?: number;
  pollMs?: number;
  /** Progress lines (method, path, status: never a body, never a secret). */
  log?: (line: string) => void;
  /** Aborted when the engine stops the provider (Terraform's StopProvider): every wait ends at once. */
  signal?: AbortSignal;
  /** The plan-scoped tentative reservations of this process (./claims.ts); none: no plan-wide check. */
  claims?: PlanClaims;
}

type ClaimAction = FeasibilityStep['action'];

/** The feasibility check is optional: a composer that does not answer soon is skipped, not waited for. */
const FEASIBILITY_ATTEMPTS = 2;

/** The data source a placed kind's plan-time capacity query reads (GET /v1/capacity). */
const CAPACITY = Object.values(schema.dataSources).find((d) => d.api === '/v1/capacity');

/** The requested size: what a capacity shortfall is reported on. */
const SIZE: PlacementAttribute = 'sizeGiB';

/** Fields the composer reports but schema.json does not model stay out of outputs (the id is the object's, not an output). */
function pickSchemaOutputs(spec: BlockSpec, kind: KindEntry, obj: Record<string, unknown>): Props {
  const out: Props = {};
  for (const [field, attr] of Object.entries(spec.attributes)) {
    if (field === kind.id || attr.writeOnly || attr.sensitive) continue;
    if (obj[field] !== undefined && obj[field] !== null) out[field] = obj[field];
  }
  return out;
}

/**
 * States a refresh reports as a warning (docs/terraform.md "Refresh"): the object is still
 * there, but not what the configuration asks for. A table: state -> summary and what to do.
 */
const ATTENTION: Partial<Record<VolumeState, (what: string, data: Record<string, unknown>) => { summary: string; detail: string }>> = {
  deleting: (what) => ({ summary: `${what} is being deleted`, detail: `${what} is being deleted by the composer (state deleting): it will be gone once its agent has unstaged it and the drives are released; the next plan creates it again` }),
  retained: (what) => ({
    summary: `${what} is retained`,
    detail: `${what} was deleted with reclaimPolicy Retain (state retained): its drives and data are kept reserved, but it is no longer served; purge it to free the drives (POST /v1/volumes/<id>/purge)`,
  }),
  failed: (what, data) => {
    const o = data.observed as { step?: string; error?: string } | undefined;
    const why = o?.error ? `: ${o.step ? `step ${o.step}: ` : ''}${o.error}` : '';
    return { summary: `${what} failed`, detail: `${what} is in state failed${why}; the composer keeps it until it is repaired or deleted` };
  },
};

/** The code of a 404 from a composer other than the one the state recorded. */
export const IDENTITY_CODES = { composerMismatch: 'composer_mismatch', badImportId: 'bad_import_id' } as const;

/** Codes of the waits' own failures (the composer's are in provider/composer/problem.ts). */
export const WAIT_CODES = { stageTimeout: 'stage_timeout', stageFailed: 'stage_failed', deleteTimeout: 'delete_timeout', cancelled: 'cancelled' } as const;

/** Sleep `ms`, or fail at once with `cancelled` when a signal aborts. */
function sleep(ms: number, signals: (AbortSignal | undefined)[], what: string): Promise<void> {
  const live = signals.filter((s): s is AbortSignal => !!s);
  const cancelled = () => new ComposerError(`${what}: cancelled (the provider was asked to stop)`, 0, WAIT_CODES.cancelled);
  if (live.some((s) => s.aborted)) return Promise.reject(cancelled());
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      for (const s of live) s.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      done();
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    for (const s of live) s.addEventListener('abort', onAbort, { once: true });
  });
}

/** The model (validate, plan, carryOver: ./model.ts) plus the composer calls. */
export class SchemaResourceHandler extends ResourceModel implements ResourceHandler {
  private readonly stageTimeoutMs: number;
  private readonly deleteTimeoutMs: number;
  private readonly pollMs: number;
  private lastComposerId?: string;

  constructor(type: ResourceType, private readonly client: ComposerClient, private readonly opts: HandlerOptions = {}) {
    super(type);
    this.stageTimeoutMs = opts.stageTimeoutMs ?? 120_000;
    this.deleteTimeoutMs = opts.deleteTimeoutMs ?? 120_000;
    this.pollMs = opts.pollMs ?? 200;
  }

  /** The identity of the composer that answered last (providers record it in state). */
  get composerId(): string | undefined {
    return this.lastComposerId;
  }

  private seen<T extends { composerId?: string }>(res: T): T {
    if (res.composerId) this.lastComposerId = res.composerId;
    return res;
  }

  /**
   * A 404 is a deletion only when the composer that says so is the one the state recorded;
   * from another one it is an error naming both identities (docs/terraform.md "Composer identity").
   */
  private notFound(id: string, res: { composerId?: string }, expected: string | undefined): void {
    if (!expected || !res.composerId || res.composerId === expected) return;
    throw new ComposerError(
      `${this.spec.kind} ${id}: not found on composer ${res.composerId} (${this.client.endpoint}), but the state records it on composer ${expected}: ` +
        'this is a different, empty or re-created composer, so the object is not treated as deleted. Point the provider at the composer that made it, or remove the object from the state yourself',
      409,
      IDENTITY_CODES.composerMismatch,
    );
  }

  private log(line: string): void {
    this.opts.log?.(`${this.spec.kind}: ${line}`);
  }

  /** The create body: known inputs plus owner. */
  private body(inputs: Props): Props {
    const body: Props = {};
    for (const [field, attr] of Object.entries(this.spec.attributes)) {
      const v = inputs[field];
      if (v === undefined || v === null) continue;
      // adopt is sent as ?adopt=true (docs/api.md "Owners"), never as state.
      if (field === this.kind.adopt) continue;
      if (field === this.kind.owner || isInput(attr)) body[field] = v;
    }
    return body;
  }

  /** The inputs take over another owner's object of the same name and spec (the schema's adopt attribute). */
  private adopts(inputs: Props): boolean {
    return inputs[this.kind.adopt] === true;
  }

  private releaseClaim(inputs: Props): void {
    const key = this.claimKey(inputs, []);
    if (key) this.opts.claims?.release(key);
  }

  /** Outputs for state: the composer's view plus what it never returns, from the inputs. */
  private outputs(obj: Record<string, unknown>, inputs?: Props): Props {
    const out = pickSchemaOutputs(this.spec, this.kind, obj);
    return inputs ? this.carryOver(out, inputs) : out;
  }

  async check(news: Props, opts: CheckOptions = {}): Promise<CheckResult> {
    const unknown = opts.unknown ?? [];
    const { inputs: value, failures } = this.validate(news, { unknown });
    const warnings: string[] = [];
    let replaced = true;
    // What the plan-wide check claims: a create (preview of a new object), a replacement (its
    // first plan has the prior inputs, its second only the replaced id) or a growth.
    let change: ClaimAction | undefined = opts.preview ? 'create' : opts.id ? 'replace' : undefined;
    if (opts.olds && Object.keys(opts.olds).length > 0) {
      // Unknown inputs keep their prior value here: only what is known can be refused.
      const p = this.plan(opts.olds, { ...value, ...Object.fromEntries(unknown.map((u) => [u, opts.olds![u]])) });
      replaced = p.replaces.length > 0;
      for (const s of p.refusedShrinks) {
        failures.push({ field: s.field, reason: `shrinking from ${s.from} to ${s.to} is refused; only growth is applied in place` });
      }
      if (p.dataLoss.length) failures.push({ field: p.dataLoss[0], reason: dataLossReason(this, p.dataLoss) });
      const grows = p.updates.some((f) => this.spec.attributes[f]?.growOnly);
      change = !opts.id ? undefined : replaced ? 'replace' : grows ? 'grow' : undefined;
    }
    if (opts.preview && failures.length === 0 && replaced && this.kind.placed) {
      failures.push(...(await this.feasibility(opts.owner && value[this.kind.owner] === undefined ? { ...value, [this.kind.owner]: opts.owner } : value, unknown, warnings)));
    }
    if (change && failures.length === 0 && this.kind.placed) failures.push(...(await this.claim(change, value, unknown, opts.id, warnings)));
    return { inputs: value, failures, ...(warnings.length ? { warnings } : {}) };
  }

  /** The key of this object's claim: type, cluster (or ? while unknown) and name. */
  private claimKey(value: Props, unknown: string[]): string | undefined {
    const name = value[this.kind.name];
    if (typeof name !== 'string' || unknown.includes(this.kind.name)) return undefined;
    const scope = this.kind.scope;
    const cluster = scope && !unknown.includes(scope) ? value[scope] : undefined;
    return `${this.type}/${typeof cluster === 'string' ? cluster : '?'}/${name}`;
  }

  /**
   * Plan-wide feasibility (./claims.ts): this create, replacement or growth dry-run by the
   * composer after everything the plan already claimed. A composer that does not answer is a
   * warning, not a failure.
   */
  private async claim(action: ClaimAction, value: Props, unknown: string[], id: string | undefined, warnings: string[]): Promise<FieldFailure[]> {
    const claims = this.opts.claims;
    const key = this.claimKey(value, unknown);
    if (!claims || !key || this.kind.placement.some((f) => unknown.includes(f))) return [];
    const kind = this.kind.collection as PlacedCollection;
    let step: FeasibilityStep;
    if (action === 'grow') step = { key, kind, action, id, sizeGiB: value[SIZE] as number };
    else {
      const spec = this.body(value);
      for (const u of unknown) delete spec[u];
      step = { key, kind, action, ...(action === 'replace' && id ? { id } : {}), spec };
    }
    try {
      const r = await claims.tryClaim(this.client, step, FEASIBILITY_ATTEMPTS);
      if (r.ok) return [];
      const together = r.together ? ` (together with the ${r.together} other create${r.together === 1 ? '' : 's'}, growths and replacements this plan already claimed)` : '';
      const reason = r.message.startsWith(`${r.field}: `) ? r.message.slice(r.field.length + 2) : r.message;
      return [{ field: r.field, reason: `${reason}${together}` }];
    } catch (err) {
      if (!(err instanceof ComposerError)) throw err;
      warnings.push(`${this.spec.kind} ${String(value[this.kind.name])}: plan-wide feasibility not checked: ${err.message}`);
      return [];
    }
  }

  /**
   * Plan-time feasibility: a dry-run create when every input is known, else a capacity query.
   * An unreachable composer is not a failure (previews work offline); the engine's reason is.
   */
  private async feasibility(value: Props, unknown: string[], warnings: string[]): Promise<FieldFailure[]> {
    if (this.kind.placement.some((f) => unknown.includes(f))) return [];
    try {
      // Every input known: the composer can dry-run the create itself (an unknown name,
      // cluster or server would fail it as missing, which is not the user's mistake).
      if (!unknown.some((f) => this.spec.attributes[f] && isInput(this.spec.attributes[f]))) {
        const query = { dryRun: true, ...(this.adopts(value) ? { adopt: true } : {}) };
        await this.client.request('POST', this.spec.api, { query, body: this.body(value), attempts: FEASIBILITY_ATTEMPTS });
        return [];
      }
      // Else ask how much the pool could place with these options (unknowns left out).
      const query: Record<string, string | number | boolean | string[] | undefined> = {};
      for (const f of Object.keys(CAPACITY_QUERY)) {
        const v = value[f];
        if (v !== undefined) query[f] = v as string | number | boolean | string[];
      }
      const type = this.kind.placementType ?? (value.type as string);
      query.type = type;
      const { data } = await this.client.request<{ availableGiB: number; maximumVolumeSizeGiB: number }>('GET', CAPACITY!.api, { query, attempts: FEASIBILITY_ATTEMPTS });
      const size = value.sizeGiB as number;
      if (typeof data?.maximumVolumeSizeGiB === 'number' && data.maximumVolumeSizeGiB < size) {
        return [{ field: SIZE, reason: `the pool cannot place ${size} GiB of ${type} with these options: the largest that would succeed now is ${data.maximumVolumeSizeGiB} GiB (${data.availableGiB} GiB free on matching drives)` }];
      }
      return [];
    } catch (err) {
      if (!(err instanceof ComposerError)) throw err;
      // insufficient_capacity (409); composers before it answered 507 capacity_exhausted.
      if (err.code === PROBLEM.insufficientCapacity || err.code === 'capacity_exhausted') {
        // The engine's reason, on the attribute whose constraint failed.
        const fe = err.fieldErrors.find((f) => this.spec.attributes[f.field]);
        const reason = (fe?.reason ?? err.message.replace(/^\w+ \S+: (insufficient_capacity|capacity_exhausted): /, '')).trim();
        const m = /^(\w+):\s*/.exec(reason);
        const field = fe?.field ?? (m && this.spec.attributes[m[1]] ? m[1] : SIZE);
        return [{ field, reason: reason.startsWith(`${field}: `) ? reason.slice(field.length + 2) : reason }];
      }
      if (err.code === PROBLEM.validationFailed && err.fieldErrors.length) return err.fieldErrors;
      // Past the cluster's quota (docs/api.md "Quotas"): the composer's sentence names the limit, the usage and the request.
      if (err.code === PROBLEM.quotaExceeded) return [{ field: SIZE, reason: err.fieldErrors[0]?.reason ?? err.message }];
      // The name is taken by an object with another spec: this is the check of a replacement
      // (the old object is deleted first), or a conflict the create itself reports with a 409.
      if (err.code === PROBLEM.conflictExists) return [];
      // Another owner's object of the same name and spec (docs/api.md "Owners"): refused now, not
      // at apply; the composer's sentence names both owners and the way out (adopt, import).
      if (err.code === PROBLEM.ownerConflict) return [{ field: this.kind.name, reason: `${PROBLEM.ownerConflict}: ${err.fieldErrors[0]?.reason ?? err.message}` }];
      this.log(`dry-run skipped: ${err.code}`);
      warnings.push(`${this.spec.kind} ${String(value[this.kind.name] ?? '')}: feasibility not checked: ${err.message}`);
      return [];
    }
  }

  diff(_id: string, olds: Props, news: Props): DiffResult {
    const p = this.plan(olds, news);
    return { changes: p.changed.length > 0, replaces: p.replaces, updates: p.updates, deleteBeforeReplace: p.deleteBeforeReplace };
  }

  async create(inputs: Props, owner: string, call: CallOptions = {}): Promise<{ id: string; outputs: Props }> {
    const body = { ...this.body(inputs), owner };
    const query = this.adopts(inputs) ? { adopt: true } : undefined;
    const { status, data } = this.seen(await this.client.request<Record<string, unknown>>('POST', this.spec.api, { body, query }));
    const id = String(data.id);
    this.log(`${status === 201 ? 'created' : 'adopted existing'} ${id}`);
    // The claim is a real reservation now (even if staging fails below).
    this.releaseClaim(inputs);
    const settled = await this.waitStaged(id, data, inputs, call);
    return { id, outputs: this.outputs(settled, inputs) };
  }

  /**
   * The composer id an import names (docs/terraform.md "Import"): the id itself, or the natural
   * key: NAME for unscoped kinds, CLUSTER/NAME (the cluster by name or id) for scoped ones.
   */
  async resolveImportId(ref: string): Promise<string> {
    const prefix = `${this.spec.idPrefix}-`;
    if (ref.startsWith(prefix) && !ref.includes('/')) return ref;
    const scope = this.kind.scope;
    const parts = ref.split('/');
    if (parts.length !== (scope ? 2 : 1) || parts.some((x) => x === '')) {
      throw new ComposerError(`import id ${JSON.stringify(ref)}: expected a ${this.spec.kind} id (${prefix}...) or ${scope ? 'CLUSTER/NAME' : 'NAME'}`, 400, IDENTITY_CODES.badImportId);
    }
    const [cluster, name] = scope ? parts : [undefined, parts[0]];
    const items = await this.client.listAll<Record<string, unknown>>(this.spec.api, scope ? { [scope]: cluster } : {});
    // The listing filters by the cluster's name or id; an unknown cluster lists nothing.
    const found = items.find((o) => o[this.kind.name] === name);
    if (!found) {
      throw new ComposerError(`import id ${JSON.stringify(ref)}: no ${this.spec.kind} named ${JSON.stringify(name)}${scope ? ` in cluster ${JSON.stringify(cluster)}` : ''}`, 404, IDENTITY_CODES.badImportId);
    }
    return String(found[this.kind.id]);
  }

  /**
   * `expectComposer`: the identity the state recorded (a 404 from another composer is an error).
   * `onAttention`: told when the object is deleting, retained or failed.
   */
  async read(id: string, opts: ReadOptions = {}): Promise<Props | undefined> {
    const res = this.seen(await this.client.request<Record<string, unknown>>('GET', `${this.spec.api}/${encodeURIComponent(id)}`, { accept: [404] }));
    if (res.status === 404) {
      this.notFound(id, res, opts.expectComposer);
      return undefined;
    }
    const attention = ATTENTION[res.data.state as VolumeState];
    if (attention && opts.onAttention) {
      const a = attention(`${this.spec.kind} ${id}`, res.data);
      opts.onAttention(a.summary, a.detail);
    }
    const health = healthWarning(`${this.spec.kind} ${id}`, res.data);
    if (health && opts.onAttention) opts.onAttention(health.summary, health.detail);
    return this.outputs(res.data);
  }

  async update(id: string, olds: Props, news: Props, call: CallOptions = {}): Promise<Props> {
    const d = this.plan(olds, news);
    if (d.replaces.length) {
      throw new ComposerError(`${this.spec.kind} ${id}: ${d.replaces.join(', ')} cannot change in place (replace the ${this.spec.kind})`, 409, PROBLEM.replaceRequired);
    }
    const patch: Props = {};
    // adopt is read by the create only: changing it later changes nothing (schema.json).
    for (const f of d.changed) if (f !== this.kind.adopt) patch[f] = news[f] ?? null;
    // A new version companion (secretWoVersion) sends the write-only value (secretWo).
    for (const [writeOnly, version] of Object.entries(this.kind.writeOnlyVersions)) {
      if (version && d.changed.includes(version) && news[writeOnly] !== undefined) patch[writeOnly] = news[writeOnly];
    }
    let data: Record<string, unknown>;
    if (Object.keys(patch).length === 0) {
      data = this.seen(await this.client.request<Record<string, unknown>>('GET', `${this.spec.api}/${encodeURIComponent(id)}`)).data;
    } else {
      const query = call.adopt ? { adopt: true } : undefined;
      data = this.seen(await this.client.request<Record<string, unknown>>('PATCH', `${this.spec.api}/${encodeURIComponent(id)}`, { body: patch, query })).data;
      this.log(`updated ${id} (${Object.keys(patch).filter((k) => !this.spec.attributes[k]?.sensitive).join(', ') || 'sensitive values'})`);
    }
    this.releaseClaim(news);
    const settled = await this.waitStaged(id, data, news, call);
    return this.outputs(settled, news);
  }

  async delete(id: string, olds: Props, call: CallOptions = {}): Promise<void> {
    const path = `${this.spec.api}/${encodeURIComponent(id)}`;
    // Deleting an absent object succeeds (204), so any answer from another composer is refused.
    if (call.expectComposer) this.notFound(id, this.seen(await this.client.request('GET', path, { accept: [404] })), call.expectComposer);
    // The owner from the state: the composer refuses to delete another owner's object (docs/api.md "Owners").
    const owner = olds[this.kind.owner];
    await this.client.request('DELETE', path, { accept: [404], query: { owner: typeof owner === 'string' ? owner : undefined } });
    if (!this.kind.placed) return;
    if (olds.reclaimPolicy === 'Retain') return;
    // Deletion finishes once the agent has unstaged and the composer released the drives.
    const timeoutMs = call.timeoutMs ?? this.deleteTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { status, data } = await this.client.request<{ state?: string }>('GET', path, { accept: [404] });
      if (status === 404 || data?.state === 'retained') return;
      if (Date.now() > deadline) {
        throw new ComposerError(`${this.spec.kind} ${id}: still ${data?.state ?? 'present'} ${Math.round(timeoutMs / 1000)} s after delete`, 504, WAIT_CODES.deleteTimeout);
      }
      await sleep(this.pollMs, [this.opts.signal, call.signal], `${this.spec.kind} ${id}: waiting for the release`);
    }
  }

  /**
   * A volume or slice that names a server is done once its agent has staged it: wait for that.
   * Staging that failed, or did not finish within the timeout, is an error naming the server,
   * the agent's last step and its message (docs/terraform.md "Timeouts").
   */
  private async waitStaged(id: string, data: Record<string, unknown>, inputs: Props, call: CallOptions): Promise<Record<string, unknown>> {
    if (!this.kind.placed || typeof inputs.server !== 'string') return data;
    const timeoutMs = call.timeoutMs ?? this.stageTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    const what = `${this.spec.kind} ${id}`;
    let current = data;
    for (;;) {
      const observed = current.observed as { step?: string; error?: string } | undefined;
      const agentSaid = observed?.error ? `${observed.step ? `step ${observed.step}: ` : ''}${observed.error}` : undefined;
      if (current.state === 'failed') {
        throw new ComposerError(`${what}: staging on ${inputs.server} failed: ${agentSaid ?? 'the agent reported failure'}`, 500, WAIT_CODES.stageFailed);
      }
      // The composer reports staged once the agent has staged the current generation.
      if (current.state === 'staged') return current;
      if (Date.now() > deadline) {
        const last = agentSaid ?? (observed?.step ? `last step ${observed.step}` : `the agent of ${inputs.server} has not reported on it (is it running?)`);
        throw new ComposerError(
          `${what}: not staged on ${inputs.server} after ${Math.round(timeoutMs / 1000)} s (state ${String(current.state)}): ${last}. ` +
            'The object exists: the next apply adopts it; raise the timeout (Terraform timeouts block, provider stage_timeout_seconds) if staging is slow',
          504,
          WAIT_CODES.stageTimeout,
        );
      }
      await sleep(this.pollMs, [this.opts.signal, call.signal], `${what}: waiting for staging on ${inputs.server}`);
      current = (await this.client.request<Record<string, unknown>>('GET', `${this.spec.api}/${encodeURIComponent(id)}`)).data;
    }
  }
}
