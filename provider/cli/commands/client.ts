// Client commands against a running composer: inventory load/show, capacity, and `ls` of
// clusters, volumes, slices, operations and servers. Tables by default, --json everywhere.
// Endpoint and token: --endpoint / --token-file, or TESSERA_ENDPOINT / TESSERA_TOKEN; a composer
// with a private CA: --ca-file / TESSERA_CA_FILE.
import * as fs from 'node:fs';
import { type Command, type ParsedArgs, ProgressBar, UsageError, flagBool, flagString, table, CONNECT_OPTIONS, JSON_OPTION } from '../framework';
import { tokenFrom } from '../credentials';
import { caFrom } from '../pem';
import { parseInventory } from '../../inventory';
import { ComposerClient, bufferUpload, encodeQuery } from '../../client';

function connect(args: ParsedArgs): ComposerClient {
  const ca = caFrom(args);
  const endpoint = flagString(args, 'endpoint') ?? process.env.TESSERA_ENDPOINT;
  if (!endpoint) throw new UsageError('no composer: give --endpoint URL or set TESSERA_ENDPOINT');
  const token = tokenFrom(args);
  return new ComposerClient({ endpoint, token, ca, retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 2000 } });
}

const out = (args: ParsedArgs, json: unknown, render: () => string) => {
  console.log(flagBool(args, 'json') ? JSON.stringify(json, null, 2) : render());
};

type Row = Record<string, unknown>;
const s = (v: unknown) => (v === undefined || v === null ? '' : Array.isArray(v) ? v.join(',') : String(v));

/** An `ls` command; `filters` are the flags passed on as query parameters (with their usage words). */
function lsCommand(name: string, path: string, headers: string[], row: (o: Row) => unknown[], summary: string, filters: Record<string, string> = { cluster: 'ID', state: 'S' }): Command {
  return {
    path: [name, 'ls'],
    summary,
    options: [...CONNECT_OPTIONS, JSON_OPTION, ...Object.entries(filters).map(([f, w]) => ({ flags: `--${f} <${w.toLowerCase()}>`, description: `only those with this ${f}` }))],
    usage: `tessera ${name} ls ${Object.entries(filters)
      .map(([f, w]) => `[--${f} ${w}]`)
      .join(' ')} [--json] [--endpoint URL] [--token-file F] [--ca-file F]`,
    async run(args) {
      const c = connect(args);
      const query = Object.fromEntries(Object.keys(filters).map((f) => [f, flagString(args, f)]));
      // The composer answers in pages; the listing is the whole table, as before paging.
      const items = await c.listAll<Row>(path, query);
      out(args, items, () => (items.length === 0 ? `no ${name}` : table(headers, items.map((o) => row(o).map(s)))));
    },
  };
}

/** A drive action (admin): POST to the path, print the drive(s) with what cannot move online. */
function driveCommand(path: string[], word: string, summary: string, url: (id: string) => string): Command {
  return {
    path,
    summary,
    options: [...CONNECT_OPTIONS, JSON_OPTION],
    arguments: `<${word.toLowerCase()}>`,
    usage: `tessera ${path.join(' ')} ${word} [--json] [--endpoint URL] [--token-file F] [--ca-file F]`,
    async run(args) {
      const id = args.positional[0];
      if (!id) throw new UsageError(`${word} is required`);
      const c = connect(args);
      const { data } = await c.request<Row & { items?: Row[] }>('POST', url(encodeURIComponent(id)));
      const rows = data.items ?? [data];
      out(args, data, () =>
        rows
          .map((d) => [`drive ${s(d.serial)}: ${s(d.health)}${d.volumes && (d.volumes as string[]).length ? `, members of ${s(d.volumes)}` : ''}`, ...((d.blocked as string[] | undefined) ?? []).map((b) => `  cannot move online: ${b}`)].join('\n'))
          .join('\n'),
      );
    },
  };
}

export const commands: Command[] = [
  {
    path: ['inventory', 'load'],
    summary: 'Load (or replace) the composer inventory from a topology file',
    options: [...CONNECT_OPTIONS, JSON_OPTION],
    arguments: '<file>',
    usage: 'tessera inventory load FILE [--json] [--endpoint URL] [--token-file F] [--ca-file F]',
    async run(args) {
      const file = args.positional[0];
      if (!file) throw new UsageError('a topology file is required');
      const c = connect(args);
      // Phases on stderr (stdout stays the result, pure JSON with --json).
      const phase = (text: string) => process.stderr.write(`${text}\n`);
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (e) {
        throw new UsageError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
      }
      phase(`parsing and validating ${file} (${text.length} bytes)`);
      const inv = parseInventory(text, file);
      const drives = inv.storageGroups.reduce((n, g) => n + g.enclosures.reduce((m, e) => m + e.drives.length, 0), 0);
      phase(`valid: ${inv.storageGroups.length} storage groups, ${drives} drives, ${inv.servers.length} servers`);
      const body = Buffer.from(JSON.stringify(inv));
      // A fresh bar per attempt (the client retries and follows the leader on its own).
      let bar = new ProgressBar(`loading ${drives} drives`, body.length);
      const upload = bufferUpload(body, 'application/json', (sent, total) => {
        if (sent === 0) bar = new ProgressBar(`loading ${drives} drives`, total);
        bar.update(sent);
        if (sent === total) phase('sent; the composer is applying the inventory');
      });
      const { data } = await c.request<Record<string, unknown>>('PUT', '/v1/inventory', { upload, timeoutMs: 300_000 });
      out(args, data, () => `inventory loaded: ${(data.storageGroups as string[]).length} storage groups, ${data.enclosureCount} enclosures, ${data.driveCount} drives, ${(data.servers as string[]).length} servers (revision ${data.revision})`);
    },
  },
  {
    path: ['inventory', 'show'],
    summary: 'Show the composer inventory summary (or the full inventory with --full --json)',
    options: [...CONNECT_OPTIONS, { flags: '--full', description: 'the full inventory (with --json)' }, JSON_OPTION],
    usage: 'tessera inventory show [--full] [--json]',
    async run(args) {
      const c = connect(args);
      if (flagBool(args, 'full')) {
        const { data } = await c.request<Row>('GET', '/v1/inventory');
        console.log(JSON.stringify(data, null, 2));
        return;
      }
      const { data } = await c.request<Row>('GET', '/v1/inventory/summary');
      out(args, data, () =>
        table(['storage groups', 'enclosures', 'drives', 'servers', 'revision'], [[(data.storageGroups as string[]).join(','), s(data.enclosureCount), s(data.driveCount), s((data.servers as string[]).length), s(data.revision)]]),
      );
    },
  },
  {
    path: ['capacity'],
    summary: 'Available capacity and the largest volume that would succeed for given options',
    options: [...CONNECT_OPTIONS, JSON_OPTION],
    passThroughFlags: true,
    usage: 'tessera capacity [--type hdd|ssd|slice] [--redundancy true] [--requiredTags a,b] [--storageGroup sg-a] ... [--json]',
    async run(args) {
      const c = connect(args);
      const query: Record<string, string> = {};
      for (const [k, v] of Object.entries(args.flags)) if (!['endpoint', 'token-file', 'ca-file', 'json'].includes(k)) query[k] = String(v);
      const { data } = await c.request<{ availableGiB: number; maximumVolumeSizeGiB: number; byStorageGroup: Record<string, number> }>('GET', `/v1/capacity${encodeQuery(query)}`);
      out(args, data, () =>
        [
          `available: ${data.availableGiB} GiB, largest volume that would succeed: ${data.maximumVolumeSizeGiB} GiB`,
          table(['storage group', 'available GiB'], Object.entries(data.byStorageGroup).map(([g, n]) => [g, n])),
        ].join('\n'),
      );
    },
  },
  lsCommand('clusters', '/v1/clusters', ['ID', 'NAME', 'SERVERS', 'KEY POLICY', 'OWNER'], (o) => [o.id, o.name, o.servers, o.keyPolicy, o.owner], 'List clusters'),
  lsCommand(
    'volumes',
    '/v1/volumes',
    ['ID', 'CLUSTER', 'NAME', 'TYPE', 'SIZE', 'RAID', 'STATE', 'HEALTH', 'SERVER', 'MOUNT', 'OWNER', 'FAILED MEMBERS'],
    (o) => [o.id, o.cluster, o.name, o.type, `${s(o.capacityGiB)}G`, o.raidLevel, o.state, o.health, o.server, o.mountPath, o.owner, o.failedMembers],
    'List volumes (HEALTH: ok, degraded, rebuilding, failed; docs/failure.md)',
  ),
  {
    path: ['volumes', 'rebuild'],
    summary: "Replace a volume's failed members and rebuild onto them",
    options: [...CONNECT_OPTIONS, JSON_OPTION],
    arguments: '<id>',
    usage: 'tessera volumes rebuild ID [--json] [--endpoint URL] [--token-file F] [--ca-file F]',
    async run(args) {
      const id = args.positional[0];
      if (!id) throw new UsageError('a volume id is required');
      const c = connect(args);
      const { data } = await c.request<Row>('POST', `/v1/volumes/${encodeURIComponent(id)}/rebuild`);
      out(args, data, () => `volume ${s(data.id)}: ${s(data.health)}${data.healthReason ? ` (${s(data.healthReason)})` : ''}`);
    },
  },
  driveCommand(['drives', 'drain'], 'SERIAL', 'Drain a drive: move every mirror member off it online, one at a time (docs/failure.md)', (id) => `/v1/drives/${id}/drain`),
  driveCommand(['drives', 'remove'], 'SERIAL', 'Take a drive that holds nothing out of service', (id) => `/v1/drives/${id}/remove`),
  driveCommand(['enclosures', 'drain'], 'NAME', 'Drain every drive of an enclosure (docs/failure.md)', (id) => `/v1/enclosures/${id}/drain`),
  lsCommand('drives', '/v1/drives', ['SERIAL', 'ENCLOSURE', 'HEALTH', 'SINCE', 'VOLUMES', 'REASON'], (o) => [o.serial, o.enclosure, o.health, o.since, o.volumes, o.reason], 'List drives whose health is not ok'),
  lsCommand('slices', '/v1/slices', ['ID', 'CLUSTER', 'NAME', 'SIZE', 'STATE', 'SERVER', 'OWNER'], (o) => [o.id, o.cluster, o.name, `${s(o.capacityGiB)}G`, o.state, o.server, o.owner], 'List slices'),
  lsCommand(
    'operations',
    '/v1/operations',
    ['ID', 'KIND', 'RESOURCE', 'OBJECT', 'STATE', 'STARTED', 'BY', 'OWNER', 'ERROR'],
    (o) => [o.id, o.kind, o.resource, o.objectId, o.state, o.startedAt, (o.audit as Row | undefined)?.token, (o.audit as Row | undefined)?.owner, o.error],
    'List the operation journal (--by TOKEN: what one token started; --owner: what was done for one owner)',
    { state: 'S', by: 'TOKEN', owner: 'OWNER' },
  ),
  lsCommand('servers', '/v1/servers', ['NAME', 'HEALTH', 'LAST HEARTBEAT', 'BACKEND'], (o) => [o.name, o.health, o.lastHeartbeat, (o.facts as Row | undefined)?.backend], 'List servers and agent health'),
];
