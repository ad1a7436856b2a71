// One ResourceHandler implementation for every resource kind, driven by schema.json: what is an
// input, an output, sensitive, write-only, replaced or updated in place all comes from there.
import { PROBLEM } from '../api/contract';
import { diffInputs, FieldFailure, resourceSpec, ResourceType, validateInput, BlockSpec } from '../schema';
import { ComposerClient } from './client';
import { crossFieldFailures } from './rules';
import { CheckOptions, CheckResult, ComposerError, DiffResult, Props, ResourceHandler } from './types';

export interface HandlerOptions {
  /** How long create/update wait for the agent to stage a volume that names a server (ms). */
  stageTimeoutMs?: number;
  /** How long delete waits for the composer to release a volume (ms). */
  deleteTimeoutMs?: number;
  pollMs?: number;
  /** Progress lines (method, path, status: never a body, never a secret). */
  log?: (line: string) => void;
}

/** The feasibility check is optional: a composer that does not answer soon is skipped, not waited for. */
const FEASIBILITY_ATTEMPTS = 2;

/** Attributes that shape a placement: a dry-run needs them all known. */
const PLACEMENT_FIELDS = [
  'type', 'sizeGiB', 'rpm', 'striping', 'redundancy', 'raidMaxDrives', 'sgResiliency', 'jbodResiliency', 'softDomains',
  'requiredTags', 'excludedTags', 'storageGroup', 'networkTransportsAllowed', 'minVolumeSize', 'maxVolumeSize',
];

/** Fields the composer reports but schema.json does not model stay out of outputs. */
function pickSchemaOutputs(spec: BlockSpec, obj: Record<string, unknown>): Props {
  const out: Props = {};
  for (const [field, attr] of Object.entries(spec.attributes)) {
    if (field === 'id' || attr.writeOnly || attr.sensitive) continue;
    if (obj[field] !== undefined && obj[field] !== null) out[field] = obj[field];
  }
  return out;
}

function isUnknownField(field: string, unknown: string[]): boolean {
  return unknown.some((u) => field === u || field.startsWith(`${u}[`) || field.startsWith(`${u}.`));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class SchemaResourceHandler implements ResourceHandler {
  readonly spec: BlockSpec;
  private readonly stageTimeoutMs: number;
  private readonly deleteTimeoutMs: number;
  private readonly pollMs: number;

  constructor(readonly type: ResourceType, private readonly client: ComposerClient, private readonly opts: HandlerOptions = {}) {
    this.spec = resourceSpec(type);
    this.stageTimeoutMs = opts.stageTimeoutMs ?? 120_000;
    this.deleteTimeoutMs = opts.deleteTimeoutMs ?? 120_000;
    this.pollMs = opts.pollMs ?? 200;
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
      if (field === 'owner' || attr.required || attr.optional) body[field] = v;
    }
    return body;
  }

  /** Outputs for state: the composer's view plus the (sensitive) secret it never returns. */
  private outputs(obj: Record<string, unknown>, inputs?: Props): Props {
    const out = pickSchemaOutputs(this.spec, obj);
    if (inputs) {
      for (const [field, attr] of Object.entries(this.spec.attributes)) {
        if (attr.sensitive && !attr.writeOnly && inputs[field] !== undefined) out[field] = inputs[field];
      }
    }
    return out;
  }

  async check(news: Props, opts: CheckOptions = {}): Promise<CheckResult> {
    const unknown = opts.unknown ?? [];
    const known: Props = {};
    for (const [k, v] of Object.entries(news)) if (!unknown.includes(k)) known[k] = v;
    const { value, failures: schemaFailures } = validateInput(this.type, known, { mode: 'create' });
    for (const u of unknown) delete value[u];
    const failures = schemaFailures.filter((f) => !isUnknownField(f.field, unknown));
    failures.push(...crossFieldFailures(this.type, value, unknown));
    let replaced = true;
    if (opts.olds && Object.keys(opts.olds).length > 0) {
      const d = diffInputs(this.type, opts.olds, { ...value, ...Object.fromEntries(unknown.map((u) => [u, opts.olds![u]])) });
      replaced = d.replaces.length > 0;
      for (const f of d.shrinks) {
        failures.push({ field: f, reason: `shrinking from ${opts.olds[f]} to ${value[f]} is refused; only growth is applied in place` });
      }
    }
    if (opts.preview && failures.length === 0 && replaced && (this.type === 'tessera_volume' || this.type === 'tessera_slice')) {
      failures.push(...(await this.feasibility(value, unknown)));
    }
    return { inputs: value, failures };
  }

  /**
   * Plan-time feasibility: a dry-run create when the cluster is known, else a capacity query.
   * An unreachable composer is not a failure (previews work offline); the engine's reason is.
   */
  private async feasibility(value: Props, unknown: string[]): Promise<FieldFailure[]> {
    if (PLACEMENT_FIELDS.some((f) => unknown.includes(f))) return [];
    try {
      if (!unknown.includes('cluster') && !unknown.includes('server')) {
        await this.client.request('POST', this.spec.api, { query: { dryRun: true }, body: this.body(value), attempts: FEASIBILITY_ATTEMPTS });
        return [];
      }
      const type = this.type === 'tessera_slice' ? 'slice' : (value.type as string);
      const query: Record<string, string | number | boolean | string[] | undefined> = { type };
      for (const f of ['rpm', 'redundancy', 'striping', 'raidMaxDrives', 'sgResiliency', 'jbodResiliency', 'requiredTags', 'excludedTags', 'storageGroup', 'networkTransportsAllowed', 'softDomains']) {
        const v = value[f];
        if (v !== undefined) query[f] = v as string | number | boolean | string[];
      }
      if (!unknown.includes('server') && typeof value.server === 'string') query.server = value.server;
      const { data } = await this.client.request<{ availableGiB: number; maximumVolumeSizeGiB: number }>('GET', '/v1/capacity', { query, attempts: FEASIBILITY_ATTEMPTS });
      const size = value.sizeGiB as number;
      if (typeof data?.maximumVolumeSizeGiB === 'number' && data.maximumVolumeSizeGiB < size) {
        return [{ field: 'sizeGiB', reason: `the pool cannot place ${size} GiB of ${type} with these options: the largest that would succeed now is ${data.maximumVolumeSizeGiB} GiB (${data.availableGiB} GiB free on matching drives)` }];
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
        const field = fe?.field ?? (m && this.spec.attributes[m[1]] ? m[1] : 'sizeGiB');
        return [{ field, reason: reason.startsWith(`${field}: `) ? reason.slice(field.length + 2) : reason }];
      }
      if (err.code === PROBLEM.validationFailed && err.fieldErrors.length) return err.fieldErrors;
      // The name is taken by an object with another spec: this is the check of a replacement
      // (the old object is deleted first), or a conflict the create itself reports with a 409.
      if (err.code === PROBLEM.conflictExists) return [];
      this.log(`dry-run skipped: ${err.code}`);
      return [];
    }
  }

  diff(_id: string, olds: Props, news: Props): DiffResult {
    const d = diffInputs(this.type, olds, news);
    const replaces = d.replaces;
    const updates = d.changed.filter((f) => !replaces.includes(f));
    // Names are reused by the replacement, and the old object holds the capacity the new one
    // may need: delete first unless the identity itself changes.
    const identityChanged = replaces.includes('name') || replaces.includes('cluster');
    return { changes: d.changed.length > 0, replaces, updates, deleteBeforeReplace: replaces.length > 0 && !identityChanged };
  }

  async create(inputs: Props, owner: string): Promise<{ id: string; outputs: Props }> {
    const body = { ...this.body(inputs), owner };
    const { status, data } = await this.client.request<Record<string, unknown>>('POST', this.spec.api, { body });
    const id = String(data.id);
    this.log(`${status === 201 ? 'created' : 'adopted existing'} ${id}`);
    const settled = await this.waitStaged(id, data, inputs);
    return { id, outputs: this.outputs(settled, inputs) };
  }

  async read(id: string): Promise<Props | undefined> {
    const { status, data } = await this.client.request<Record<string, unknown>>('GET', `${this.spec.api}/${encodeURIComponent(id)}`, { accept: [404] });
    if (status === 404) return undefined;
    return this.outputs(data);
  }

  async update(id: string, olds: Props, news: Props): Promise<Props> {
    const d = diffInputs(this.type, olds, news);
    if (d.replaces.length) {
      throw new ComposerError(`${this.spec.kind} ${id}: ${d.replaces.join(', ')} cannot change in place (replace the ${this.spec.kind})`, 409, PROBLEM.replaceRequired);
    }
    const patch: Props = {};
    for (const f of d.changed) patch[f] = news[f] ?? null;
    // A new secretWoVersion sends the write-only secret.
    if (d.changed.includes('secretWoVersion') && news.secretWo !== undefined) patch.secretWo = news.secretWo;
    let data: Record<string, unknown>;
    if (Object.keys(patch).length === 0) {
      data = (await this.client.request<Record<string, unknown>>('GET', `${this.spec.api}/${encodeURIComponent(id)}`)).data;
    } else {
      data = (await this.client.request<Record<string, unknown>>('PATCH', `${this.spec.api}/${encodeURIComponent(id)}`, { body: patch })).data;
      this.log(`updated ${id} (${Object.keys(patch).filter((k) => !this.spec.attributes[k]?.sensitive).join(', ') || 'secret'})`);
    }
    const settled = await this.waitStaged(id, data, news);
    return this.outputs(settled, news);
  }

  async delete(id: string, olds: Props): Promise<void> {
    const path = `${this.spec.api}/${encodeURIComponent(id)}`;
    await this.client.request('DELETE', path, { accept: [404] });
    if (this.type !== 'tessera_volume' && this.type !== 'tessera_slice') return;
    if (olds.reclaimPolicy === 'Retain') return;
    // Deletion finishes once the agent has unstaged and the composer released the drives.
    const deadline = Date.now() + this.deleteTimeoutMs;
    for (;;) {
      const { status, data } = await this.client.request<{ state?: string }>('GET', path, { accept: [404] });
      if (status === 404 || data?.state === 'retained') return;
      if (Date.now() > deadline) {
        throw new ComposerError(`${this.spec.kind} ${id}: still ${data?.state ?? 'present'} ${Math.round(this.deleteTimeoutMs / 1000)} s after delete`, 504, 'delete_timeout');
      }
      await sleep(this.pollMs);
    }
  }

  /**
   * A volume or slice that names a server is done once its agent has staged it: wait for that,
   * and fail with the agent's step and error when staging failed.
   */
  private async waitStaged(id: string, data: Record<string, unknown>, inputs: Props): Promise<Record<string, unknown>> {
    if ((this.type !== 'tessera_volume' && this.type !== 'tessera_slice') || typeof inputs.server !== 'string') return data;
    const deadline = Date.now() + this.stageTimeoutMs;
    let current = data;
    for (;;) {
      const observed = current.observed as { step?: string; error?: string } | undefined;
      if (current.state === 'failed') {
        const why = observed?.error ? `${observed.step ? `step ${observed.step}: ` : ''}${observed.error}` : 'the agent reported failure';
        throw new ComposerError(`${this.spec.kind} ${id}: staging on ${inputs.server} failed: ${why}`, 500, 'stage_failed');
      }
      // The composer reports staged once the agent has staged the current generation.
      if (current.state === 'staged') return current;
      if (Date.now() > deadline) {
        this.log(`${id}: not staged on ${inputs.server} after ${Math.round(this.stageTimeoutMs / 1000)} s (state ${String(current.state)}); is its agent running?`);
        return current;
      }
      await sleep(this.pollMs);
      current = (await this.client.request<Record<string, unknown>>('GET', `${this.spec.api}/${encodeURIComponent(id)}`)).data;
    }
  }
}
