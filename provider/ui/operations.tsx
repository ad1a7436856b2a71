// The operation journal, live: polled every second (docs/ui.md). The journal is listed oldest
// first in pages; the view keeps the cursor that led to the last page and asks for it again, so
// each poll reads one page however long the journal is, and moves on when that page fills.
import type { ListPage, Operation } from '../api/contract';
import { useEffect, useRef, useState } from 'preact/hooks';
import { page } from './api';
import { ErrorLine, Section } from './common';

export const POLL_MS = 1000;
const KEEP = 200;
const PAGE = 500;

export function OperationsView() {
  const [ops, setOps] = useState<Operation[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [updated, setUpdated] = useState<string>('');
  const cursor = useRef<string | undefined>(undefined);
  const known = useRef(new Map<string, Operation>());
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        // Walk to the last page (the first poll walks the journal once; later ones read one page).
        for (;;) {
          const p: ListPage<Operation> = await page<Operation>('/v1/operations', { limit: PAGE, cursor: cursor.current });
          for (const op of p.items) known.current.set(op.id, op);
          if (!p.nextCursor) break;
          cursor.current = p.nextCursor;
        }
        const latest = [...known.current.values()].slice(-KEEP);
        known.current = new Map(latest.map((o) => [o.id, o]));
        if (live) {
          setOps(latest.reverse());
          setError(undefined);
          setUpdated(new Date().toLocaleTimeString());
        }
      } catch (e) {
        if (live) setError(e);
      }
      if (live) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);
  return (
    <Section title="Operations">
      <p class="muted">
        newest first, refreshed every second{updated ? ` (last at ${updated})` : ''}
      </p>
      <ErrorLine error={error} />
      <table aria-label="Operations" aria-live="polite">
        <thead>
          <tr>
            <th scope="col">started</th>
            <th scope="col">operation</th>
            <th scope="col">object</th>
            <th scope="col">state</th>
            <th scope="col">by</th>
            <th scope="col">error</th>
          </tr>
        </thead>
        <tbody>
          {ops.map((o) => (
            <tr key={o.id} data-op={o.id} data-state={o.state} data-object={o.objectId} class={`op-${o.state}`}>
              <td>{o.startedAt}</td>
              <td>
                {o.kind} {o.resource}
              </td>
              <td>{o.objectId}</td>
              <td>{o.state}</td>
              <td>{o.audit?.token ?? '—'}</td>
              <td class="reason">{o.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
