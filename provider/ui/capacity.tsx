// The capacity question: the inputs of `tessera capacity` (GET /v1/capacity), answered with the
// largest volume that would succeed; when none would, the engine's reason, from a one-step
// dry run of the smallest volume (POST /v1/feasibility: nothing is reserved, docs/api.md).
import type { CapacityResponse, FeasibilityAnswer } from '../api/contract';
import { useState } from 'preact/hooks';
import { get, post, query } from './api';
import { ErrorLine, gib, Section } from './common';

interface Form {
  type: 'hdd' | 'ssd' | 'slice';
  redundancy: boolean;
  striping: boolean;
  sgResiliency: boolean;
  jbodResiliency: boolean;
  requiredTags: string;
  excludedTags: string;
  storageGroup: string;
  server: string;
}

const INITIAL: Form = { type: 'hdd', redundancy: false, striping: true, sgResiliency: true, jbodResiliency: true, requiredTags: '', excludedTags: '', storageGroup: '', server: '' };

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

/** The question as capacity query parameters and as the spec of the smallest volume or slice. */
function asked(f: Form): { q: Record<string, string | boolean | undefined>; kind: 'volumes' | 'slices'; spec: Record<string, unknown> } {
  const common = { requiredTags: list(f.requiredTags), excludedTags: list(f.excludedTags), storageGroup: list(f.storageGroup), ...(f.server ? { server: f.server } : {}) };
  const q = { type: f.type, requiredTags: common.requiredTags.join(','), excludedTags: common.excludedTags.join(','), storageGroup: common.storageGroup.join(','), server: f.server || undefined };
  if (f.type === 'slice') return { q, kind: 'slices', spec: { ...common, sizeGiB: 1 } };
  const opts = { redundancy: f.redundancy, striping: f.striping, sgResiliency: f.sgResiliency, jbodResiliency: f.jbodResiliency };
  return { q: { ...q, ...opts }, kind: 'volumes', spec: { ...common, ...opts, type: f.type, sizeGiB: 1 } };
}

export function CapacityView() {
  const [form, setForm] = useState<Form>(INITIAL);
  const [answer, setAnswer] = useState<CapacityResponse | undefined>(undefined);
  const [why, setWhy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));
  const ask = async () => {
    setBusy(true);
    setError(undefined);
    setWhy(undefined);
    try {
      const a = asked(form);
      const r = await get<CapacityResponse>(`/v1/capacity${query(a.q)}`);
      setAnswer(r);
      if (r.maximumVolumeSizeGiB === 0) {
        const f = await post<FeasibilityAnswer>('/v1/feasibility', { steps: [{ key: 'question', kind: a.kind, action: 'create', spec: a.spec }] });
        const step = f.steps[0];
        // The engine's message names its constraint first ("requiredTags: no ssd carries ..."); say it once.
        const named = (m: string, c?: string) => (c && !m.startsWith(`${c}:`) ? `${c}: ${m}` : m);
        setWhy(step && !step.ok ? named(step.message ?? '', step.constraint ?? step.field) : 'the smallest volume would fit (the answer changed meanwhile)');
      }
    } catch (e) {
      setAnswer(undefined);
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const box = (k: 'redundancy' | 'striping' | 'sgResiliency' | 'jbodResiliency', label: string) => (
    <label>
      <input type="checkbox" name={k} checked={form[k]} disabled={form.type === 'slice'} onChange={(e) => set(k, (e.target as HTMLInputElement).checked)} /> {label}
    </label>
  );
  const text = (k: 'requiredTags' | 'excludedTags' | 'storageGroup' | 'server', label: string) => (
    <label>
      {label} <input name={k} value={form[k]} onInput={(e) => set(k, (e.target as HTMLInputElement).value)} />
    </label>
  );
  return (
    <Section title="Capacity">
      <form
        class="capacity"
        aria-label="Capacity question"
        onSubmit={(e) => {
          e.preventDefault();
          void ask();
        }}
      >
        <label>
          type{' '}
          <select name="type" value={form.type} onChange={(e) => set('type', (e.target as HTMLSelectElement).value as Form['type'])}>
            <option value="hdd">hdd</option>
            <option value="ssd">ssd</option>
            <option value="slice">slice</option>
          </select>
        </label>
        {box('redundancy', 'redundancy (mirror)')}
        {box('striping', 'striping')}
        {box('sgResiliency', 'mirror halves in different storage groups')}
        {box('jbodResiliency', 'members in different enclosures')}
        {text('requiredTags', 'required tags (comma-separated)')}
        {text('excludedTags', 'excluded tags')}
        {text('storageGroup', 'storage groups')}
        {text('server', 'server')}
        <button type="submit" disabled={busy}>
          Ask
        </button>
      </form>
      <ErrorLine error={error} />
      {answer && (
        <div class="answer" role="status" aria-live="polite">
          <p>
            The largest volume that would succeed: <strong data-field="maximum">{answer.maximumVolumeSizeGiB} GiB</strong> ({gib(answer.availableGiB)} free on matching drives)
          </p>
          <ul aria-label="free by storage group">
            {Object.entries(answer.byStorageGroup).map(([g, n]) => (
              <li key={g}>
                {g}: {gib(n)}
              </li>
            ))}
          </ul>
          {why && (
            <p class="explanation" data-field="explanation">
              Nothing fits: {why}
            </p>
          )}
        </div>
      )}
    </Section>
  );
}
