// The pool view: storage groups (GET /v1/pool) and a page of drives at a time in storage group →
// enclosure → serial order (GET /v1/pool/drives), each drive a bar of its extents coloured by
// object, with its health in words. Never the whole inventory: 100 drives a page (docs/ui.md).
import type { ListPage, PoolDrive, PoolExtent, PoolSummary } from '../api/contract';
import { useState } from 'preact/hooks';
import { get, page } from './api';
import { ErrorLine, gib, Health, hueOf, Pager, Section, useLoad, usePager } from './common';

export const DRIVES_PER_PAGE = 100;

function Summary({ summary }: { summary: PoolSummary }) {
  return (
    <table class="summary" aria-label="Storage groups">
      <thead>
        <tr>
          <th scope="col">storage group</th>
          <th scope="col">enclosures</th>
          <th scope="col">drives</th>
          <th scope="col">health</th>
          <th scope="col">free by type (largest run, fragmentation)</th>
          <th scope="col">bandwidth domains</th>
        </tr>
      </thead>
      <tbody>
        {summary.storageGroups.map((g) => (
          <tr key={g.name} data-sg={g.name}>
            <th scope="row">{g.name}</th>
            <td>{g.enclosures}</td>
            <td>{g.drives}</td>
            <td>
              {Object.entries(g.health).map(([h, n]) => (
                <span key={h} class="count">
                  <Health value={h} /> {n}
                </span>
              ))}
            </td>
            <td>
              {Object.entries(g.types).map(([t, x]) => (
                <div key={t}>
                  {t}: {gib(x.freeGiB)} of {gib(x.sizeGiB)} ({gib(x.largestFreeGiB)}, {Math.round(x.fragmentation * 100)}%)
                </div>
              ))}
            </td>
            <td>{g.bandwidthDomains.join(', ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function extentLabel(e: PoolExtent): string {
  const where = `${e.offsetGiB}–${e.offsetGiB + e.sizeGiB} GiB`;
  if (!e.id) return `in use by another cluster, ${where}`;
  const what = e.kind === 'slices' ? 'slice' : 'volume';
  return `${what} ${e.name ?? e.id} (${e.id})${e.kind === 'volumes' ? `, mirror ${e.mirror ?? 0} stripe ${e.stripe ?? 0}` : ''}, ${where}`;
}

/** A drive as a bar: one segment per extent at its offset, free space left blank. */
function DriveBar({ drive }: { drive: PoolDrive }) {
  return (
    <div class="bar" role="list" aria-label={`extents of ${drive.serial}: ${drive.extents.length ? '' : 'none, '}${gib(drive.freeGiB)} free`}>
      {drive.extents.map((e) => {
        const style = {
          left: `${(e.offsetGiB / drive.sizeGiB) * 100}%`,
          width: `${Math.max((e.sizeGiB / drive.sizeGiB) * 100, 0.5)}%`,
          backgroundColor: e.id ? `hsl(${hueOf(e.id)} 65% 55%)` : undefined,
        };
        const label = extentLabel(e);
        return e.id && e.kind === 'volumes' ? (
          <a key={`${e.id}-${e.offsetGiB}`} role="listitem" class="extent" href={`#/volumes/${encodeURIComponent(e.id)}`} style={style} aria-label={label} title={label} />
        ) : (
          <span key={`${e.id ?? 'other'}-${e.offsetGiB}`} role="listitem" class={e.id ? 'extent' : 'extent other'} style={style} aria-label={label} title={label} tabIndex={0} />
        );
      })}
    </div>
  );
}

function Drives({ items }: { items: PoolDrive[] }) {
  // Grouped as they come (the list is in storage group, enclosure, serial order).
  const groups: { sg: string; enclosure: string; drives: PoolDrive[] }[] = [];
  for (const d of items) {
    const last = groups[groups.length - 1];
    if (last && last.sg === d.storageGroup && last.enclosure === d.enclosure) last.drives.push(d);
    else groups.push({ sg: d.storageGroup, enclosure: d.enclosure, drives: [d] });
  }
  return (
    <div class="drives">
      {groups.map((g) => (
        <div key={`${g.sg}/${g.enclosure}`} class="enclosure" data-enclosure={g.enclosure}>
          <h3>
            {g.sg} › enclosure {g.enclosure}
          </h3>
          <table aria-label={`drives of enclosure ${g.enclosure} in ${g.sg}`}>
            <thead>
              <tr>
                <th scope="col">serial</th>
                <th scope="col">type</th>
                <th scope="col">size</th>
                <th scope="col">health</th>
                <th scope="col">extents</th>
              </tr>
            </thead>
            <tbody>
              {g.drives.map((d) => (
                <tr key={d.serial} data-serial={d.serial} data-health={d.health}>
                  <th scope="row">{d.serial}</th>
                  <td>{d.type}</td>
                  <td>{gib(d.sizeGiB)}</td>
                  <td>
                    <Health value={d.health} reason={d.reason} />
                  </td>
                  <td class="barcell">
                    <DriveBar drive={d} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </div>
  );
}

export function PoolView() {
  const [summary, summaryError] = useLoad(() => get<PoolSummary>('/v1/pool'), []);
  const [sg, setSg] = useState('');
  const [search, setSearch] = useState('');
  const [typed, setTyped] = useState('');
  const pager = usePager(`${sg}\n${search}`);
  const [drives, drivesError] = useLoad(
    () => page<PoolDrive>('/v1/pool/drives', { limit: DRIVES_PER_PAGE, storageGroup: sg, search, cursor: pager.cursor }) as Promise<ListPage<PoolDrive>>,
    [sg, search, pager.cursor],
  );
  return (
    <div>
      <Section title="Pool">
        <ErrorLine error={summaryError} />
        {summary ? <Summary summary={summary} /> : <p aria-busy="true">loading the storage groups…</p>}
      </Section>
      <Section title="Drives">
        <form
          class="filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setSearch(typed.trim());
          }}
        >
          <label>
            storage group{' '}
            <select value={sg} onChange={(e) => setSg((e.target as HTMLSelectElement).value)}>
              <option value="">all</option>
              {summary?.storageGroups.map((g) => (
                <option key={g.name} value={g.name}>
                  {g.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            search serial, volume or owner <input type="search" name="search" value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit">Search</button>
        </form>
        <ErrorLine error={drivesError} />
        {drives ? (
          <>
            <p class="muted" data-testid="drive-count">
              {drives.items.length} drives on this page
            </p>
            <Drives items={drives.items} />
            <Pager pager={pager} nextCursor={drives.nextCursor} label="Drive" />
          </>
        ) : (
          <p aria-busy="true">loading drives…</p>
        )}
      </Section>
    </div>
  );
}
