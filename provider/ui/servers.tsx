// Servers and enclosures: agents' health and what is staged where (the volumes naming each
// server), enclosures' service health and export state. Pages of the paged lists.
import type { EnclosureStatus, ListPage, ServerStatus, Volume } from '../api/contract';
import { all, page } from './api';
import { ErrorLine, Health, Pager, Section, useLoad, usePager } from './common';

export function ServersView() {
  const pager = usePager('servers');
  const [servers, error] = useLoad(() => page<ServerStatus>('/v1/servers', { limit: 200, cursor: pager.cursor }) as Promise<ListPage<ServerStatus>>, [pager.cursor]);
  // What is staged where: the volumes and slices naming a server (at most a few thousand read).
  const [staged] = useLoad(async () => {
    const by = new Map<string, string[]>();
    for (const kind of ['volumes', 'slices']) for (const v of await all<Volume>(`/v1/${kind}`)) if (v.server) by.set(v.server, [...(by.get(v.server) ?? []), `${v.name ?? v.id} (${v.state})`]);
    return by;
  }, []);
  const [enclosures, encError] = useLoad(() => all<EnclosureStatus>('/v1/enclosures'), []);
  return (
    <div>
      <Section title="Servers">
        <ErrorLine error={error} />
        <table aria-label="Servers">
          <thead>
            <tr>
              <th scope="col">server</th>
              <th scope="col">agent</th>
              <th scope="col">last heartbeat</th>
              <th scope="col">backend, transports</th>
              <th scope="col">volumes and slices for it (state)</th>
            </tr>
          </thead>
          <tbody>
            {(servers?.items ?? []).map((s) => (
              <tr key={s.name} data-server={s.name}>
                <th scope="row">{s.name}</th>
                <td>
                  <Health value={s.health} />
                </td>
                <td>{s.lastHeartbeat ?? '—'}</td>
                <td>{s.facts ? `${s.facts.backend}, ${s.facts.transports.join(' ')}` : '—'}</td>
                <td>{staged?.get(s.name)?.join(', ') ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {servers && <Pager pager={pager} nextCursor={servers.nextCursor} label="Server" />}
      </Section>
      <Section title="Enclosures">
        <ErrorLine error={encError} />
        <table aria-label="Enclosures">
          <thead>
            <tr>
              <th scope="col">enclosure</th>
              <th scope="col">service</th>
              <th scope="col">last report</th>
              <th scope="col">exports</th>
            </tr>
          </thead>
          <tbody>
            {(enclosures ?? []).map((e) => (
              <tr key={e.name} data-enclosure={e.name}>
                <th scope="row">{e.name}</th>
                <td>
                  <Health value={e.health} />
                </td>
                <td>{e.report?.reportedAt ?? '—'}</td>
                <td>{e.report ? `${e.report.exports.length} exports, ${e.report.exports.filter((x) => x.state !== 'exported').length} not exported` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </div>
  );
}
