// The Tessera dashboard (docs/ui.md): a token login, then read-only views of the pool, volumes,
// servers, the operation journal and the capacity question, routed by the URL's hash. It offers
// no change: every button reads. Built by provider/composer/ui.ts or scripts/build.mjs.
import type { ListPage, Operation } from '../api/contract';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, token, whenUnauthorized } from './api';
import { CapacityView } from './capacity';
import { ErrorLine } from './common';
import { OperationsView } from './operations';
import { PoolView } from './pool';
import { ServersView } from './servers';
import { VolumesView, VolumeView } from './volumes';

const VIEWS = [
  ['pool', 'Pool'],
  ['volumes', 'Volumes'],
  ['servers', 'Servers'],
  ['operations', 'Operations'],
  ['capacity', 'Capacity'],
] as const;

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function Login({ onIn }: { onIn: () => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  return (
    <main class="login">
      <h1>Tessera</h1>
      <form
        aria-label="Log in"
        onSubmit={(e) => {
          e.preventDefault();
          const t = value.trim();
          // Any role that reads will do (a reader token suffices); one journal entry proves the
          // token works, with or without an inventory loaded.
          get<ListPage<Operation>>('/v1/operations?limit=1', t).then(
            () => {
              token.set(t);
              setValue('');
              onIn();
            },
            (err: unknown) => setError(err),
          );
        }}
      >
        <label>
          API token <input type="password" name="token" autocomplete="off" required value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Log in</button>
        <ErrorLine error={error} />
        <p class="muted">The token stays in this tab (sessionStorage) and is sent only to this composer.</p>
      </form>
    </main>
  );
}

function App() {
  const [inside, setInside] = useState(token.get() !== null);
  const hash = useHash();
  useEffect(() => whenUnauthorized(() => (token.clear(), setInside(false))), []);
  if (!inside) return <Login onIn={() => setInside(true)} />;
  const [view = 'pool', arg] = hash.replace(/^#\/?/, '').split('/');
  const current = VIEWS.some(([k]) => k === view) ? view : 'pool';
  return (
    <>
      <header>
        <a class="skip" href="#content">
          Skip to content
        </a>
        <strong>Tessera</strong>
        <nav aria-label="Views">
          {VIEWS.map(([k, label]) => (
            <a key={k} href={`#/${k}`} aria-current={current === k ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <button
          type="button"
          onClick={() => {
            token.clear();
            setInside(false);
          }}
        >
          Log out
        </button>
      </header>
      <main id="content" tabIndex={-1}>
        {current === 'pool' && <PoolView />}
        {current === 'volumes' && (arg ? <VolumeView id={decodeURIComponent(arg)} /> : <VolumesView />)}
        {current === 'servers' && <ServersView />}
        {current === 'operations' && <OperationsView />}
        {current === 'capacity' && <CapacityView />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
