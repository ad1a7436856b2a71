// Volumes: a page of volumes with a filter, and one volume's members across failure domains
// (which storage group and enclosure each mirror half lives in), transport, server, state,
// health, owner and the key policy's fingerprint (never a secret: the API has none to give).
import type { Cluster, KeyPolicy, ListPage, PoolDrive, Volume } from '../api/contract';
import { useState } from 'preact/hooks';
import { get, page } from './api';
import { ErrorLine, gib, Health, hueOf, Pager, Section, useLoad, usePager } from './common';

export function VolumesView() {
  const [cluster, setCluster] = useState('');
  const [typed, setTyped] = useState('');
  const pager = usePager(cluster);
  const [list, error] = useLoad(() => page<Volume>('/v1/volumes', { limit: 200, cluster, cursor: pager.cursor }) as Promise<ListPage<Volume>>, [cluster, pager.cursor]);
  const needle = typed.trim().toLowerCase();
  const shown = (list?.items ?? []).filter((v) => !needle || [v.id, v.name, v.owner, v.server].some((x) => typeof x === 'string' && x.toLowerCase().includes(needle)));
  return (
    <Section title="Volumes">
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          cluster (id or name) <input value={cluster} onChange={(e) => setCluster((e.target as HTMLInputElement).value.trim())} />
        </label>
        <label>
          filter this page by id, name, owner or server <input type="search" value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />
        </label>
      </form>
      <ErrorLine error={error} />
      <table aria-label="Volumes">
        <thead>
          <tr>
            <th scope="col">volume</th>
            <th scope="col">cluster</th>
            <th scope="col">type</th>
            <th scope="col">size</th>
            <th scope="col">raid</th>
            <th scope="col">state</th>
            <th scope="col">health</th>
            <th scope="col">server</th>
            <th scope="col">owner</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((v) => (
            <tr key={v.id} data-volume={v.id}>
              <th scope="row">
                <a href={`#/volumes/${encodeURIComponent(v.id)}`}>{v.name ?? v.id}</a>
              </th>
              <td>{v.cluster}</td>
              <td>{v.type}</td>
              <td>{gib(v.capacityGiB)}</td>
              <td>{v.raidLevel}</td>
              <td>{v.state}</td>
              <td>{v.health ? <Health value={v.health} reason={v.healthReason} /> : '—'}</td>
              <td>{v.server ?? '—'}</td>
              <td class="owner">{v.owner ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list && <Pager pager={pager} nextCursor={list.nextCursor} label="Volume" />}
    </Section>
  );
}

interface Detail {
  volume: Volume;
  cluster?: Cluster;
  policy?: KeyPolicy;
  drives: Map<string, PoolDrive>;
}

async function loadDetail(id: string): Promise<Detail> {
  const volume = await get<Volume>(`/v1/volumes/${encodeURIComponent(id)}`);
  const cluster = await get<Cluster>(`/v1/clusters/${encodeURIComponent(volume.cluster)}`).catch(() => undefined);
  const policyId = volume.keyPolicy ?? (volume.encrypt ? cluster?.keyPolicy : undefined);
  const policy = policyId ? await get<KeyPolicy>(`/v1/key-policies/${encodeURIComponent(policyId)}`).catch(() => undefined) : undefined;
  // The members' drives (health, size) by searching the pool for the volume id: one small page.
  const drives = new Map<string, PoolDrive>();
  const found = await page<PoolDrive>('/v1/pool/drives', { search: volume.id, limit: 1000 });
  for (const d of found.items) drives.set(d.serial, d);
  return { volume, cluster, policy, drives };
}

export function VolumeView({ id }: { id: string }) {
  const [detail, error, reload] = useLoad(() => loadDetail(id), [id]);
  if (error) return <ErrorLine error={error} />;
  if (!detail) return <p aria-busy="true">loading volume {id}…</p>;
  const v = detail.volume;
  const members = v.members ?? [];
  const halves = [...new Set(members.map((m) => m.mirror))].sort();
  const groupsOf = (half: number) => [...new Set(members.filter((m) => m.mirror === half).map((m) => m.storageGroup))];
  const mirrored = v.raidLevel === 'raid1' || v.raidLevel === 'raid10';
  const apart = mirrored && halves.length === 2 && groupsOf(0).every((g) => !groupsOf(1).includes(g));
  return (
    <Section title={`Volume ${v.name ?? v.id}`}>
      <button type="button" onClick={reload}>
        Refresh
      </button>
      <dl class="facts">
        <dt>id</dt>
        <dd data-field="id">{v.id}</dd>
        <dt>cluster</dt>
        <dd>{detail.cluster ? `${detail.cluster.name} (${v.cluster})` : v.cluster}</dd>
        <dt>type and size</dt>
        <dd>
          {v.type} · {gib(v.capacityGiB)} usable · {v.raidLevel}
        </dd>
        <dt>state</dt>
        <dd data-field="state">{v.state}</dd>
        <dt>health</dt>
        <dd data-field="health">
          {v.health ? <Health value={v.health} /> : '—'} {v.healthReason ?? ''}
        </dd>
        <dt>transport</dt>
        <dd>{v.transport}</dd>
        <dt>server</dt>
        <dd>{v.server ?? 'not staged on a server'}</dd>
        <dt>mount path</dt>
        <dd>{v.mountPath ?? '—'}</dd>
        <dt>device</dt>
        <dd>{v.devicePath ?? '—'}</dd>
        <dt>owner</dt>
        <dd class="owner">{v.owner ?? '—'}</dd>
        <dt>key policy</dt>
        <dd data-field="key-policy">
          {detail.policy ? `${detail.policy.name} · version ${detail.policy.version} · fingerprint ${detail.policy.fingerprint}` : v.encrypt ? 'encrypted (policy not visible)' : 'not encrypted'}
        </dd>
        {mirrored && (
          <>
            <dt>mirror halves</dt>
            <dd data-field="resiliency">
              {halves.map((h) => `half ${h}: ${groupsOf(h).join(', ')}`).join(' · ')} — {apart ? 'in different storage groups' : 'share a storage group'}
            </dd>
          </>
        )}
      </dl>
      <table aria-label={`members of ${v.id}`}>
        <thead>
          <tr>
            <th scope="col">mirror</th>
            <th scope="col">stripe</th>
            <th scope="col">storage group</th>
            <th scope="col">enclosure</th>
            <th scope="col">drive</th>
            <th scope="col">extent</th>
            <th scope="col">drive health</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => {
            const d = detail.drives.get(m.serial);
            const failed = (v.failedMembers ?? []).includes(m.serial);
            return (
              <tr key={`${m.serial}-${m.offsetGiB}`} data-member={m.serial} data-mirror={m.mirror} data-sg={m.storageGroup}>
                <td>
                  <span class="swatch" aria-hidden="true" style={{ backgroundColor: `hsl(${hueOf(v.id)} 65% ${m.mirror ? 40 : 60}%)` }} /> {m.mirror}
                </td>
                <td>{m.stripe}</td>
                <td>{m.storageGroup}</td>
                <td>{m.enclosure}</td>
                <td>{m.serial}</td>
                <td>
                  {m.offsetGiB}–{m.offsetGiB + m.sizeGiB} GiB
                </td>
                <td>{d ? <Health value={d.health} reason={d.reason} /> : failed ? <Health value="failed" /> : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Section>
  );
}
