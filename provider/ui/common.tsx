// Shared pieces of the views: health badges (a word and a symbol, never colour alone), the
// colour of an object (stable per id), loading and error lines, and a pager over cursors.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const SYMBOL: Record<string, string> = { ok: '●', up: '●', degraded: '◐', draining: '◑', failed: '✕', down: '✕', removed: '○', unknown: '?' };

/** A health word with a symbol and a class for its colour; the word is the text alternative. */
export function Health({ value, reason }: { value: string; reason?: string }) {
  return (
    <span class={`health health-${value}`} title={reason}>
      <span aria-hidden="true">{SYMBOL[value] ?? '•'}</span> {value}
    </span>
  );
}

/** A hue per object id, the same on every view and every reload. */
export function hueOf(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return (h >>> 0) % 360;
}

export function ErrorLine({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </p>
  );
}

/** Runs `load` when `deps` change; returns [value, error, reload]. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [T | undefined, unknown, () => void] {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (v) => live && (setValue(v), setError(undefined)),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return [value, error, () => setTick((t) => t + 1)];
}

/** Cursor paging: previous pages are the cursors that led to them. */
export function usePager(resetKey: string): { cursor?: string; next: (c: string) => void; prev: () => void; first: boolean; number: number } {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  useEffect(() => setStack([undefined]), [resetKey]);
  return {
    cursor: stack[stack.length - 1],
    next: (c) => setStack((s) => [...s, c]),
    prev: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    first: stack.length === 1,
    number: stack.length,
  };
}

export function Pager({ pager, nextCursor, label }: { pager: ReturnType<typeof usePager>; nextCursor?: string; label: string }) {
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" disabled={pager.first} onClick={pager.prev}>
        ← Previous
      </button>
      <span aria-live="polite">page {pager.number}</span>
      <button type="button" disabled={!nextCursor} onClick={() => nextCursor && pager.next(nextCursor)}>
        Next →
      </button>
    </nav>
  );
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export const gib = (n: number | undefined) => (n === undefined ? '—' : n >= 1024 ? `${(n / 1024).toFixed(1)} TiB` : `${n} GiB`);
