// Client commands against a running composer: inventory load/show, capacity, and `ls` of
// clusters, volumes, slices, operations and servers. Tables by default, --json everywhere.
// Endpoint and token: --endpoint / --token-file, or TESSERA_ENDPOINT / TESSERA_TOKEN; a composer
// with a private CA: --ca-file / TESSERA_CA_FILE.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import { Readable } from 'node:stream';
import * as tls from 'node:tls';
import axios from 'axios';
import { type Command, type ParsedArgs, ProgressBar, UsageError, flagBool, flagString, table } from '../framework';
import { parseInventory } from '../../inventory';
import { ComposerClient, encodeQuery, problemToError } from '../../handlers/client';
import { ComposerError } from '../../handlers/types';

/** Trust a private CA (as well as the system ones) for every HTTPS request of this CLI process. */
function trustCaFile(args: ParsedArgs): void {
  const flag = flagString(args, 'ca-file');
  const file = flag ?? process.env.TESSERA_CA_FILE;
  if (!file) return;
  const source = flag !== undefined ? '--ca-file' : 'TESSERA_CA_FILE';
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${source} ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  try {
    new crypto.X509Certificate(pem);
  } catch {
    throw new UsageError(`${source} ${file}: not a PEM certificate`);
  }
  // axios uses Node's global HTTPS agent when none is given; its options reach every TLS connection.
  https.globalAgent.options.ca = [...tls.rootCertificates, pem];
}

function connect(args: ParsedArgs): ComposerClient {
  trustCaFile(args);
  const endpoint = flagString(args, 'endpoint') ?? process.env.TESSERA_ENDPOINT;
  if (!endpoint) throw new UsageError('no composer: give --endpoint URL or set TESSERA_ENDPOINT');
  const tokenFile = flagString(args, 'token-file');
  let token = process.env.TESSERA_TOKEN;
  if (tokenFile) {
    try {
      token = fs.readFileSync(tokenFile, 'utf8').trim();
    } catch (e) {
      throw new UsageError(`--token-file ${tokenFile}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
  }
  if (!token) throw new UsageError('no token: give --token-file FILE or set TESSERA_TOKEN');
  return new ComposerClient({ endpoint, token, retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 2000 } });
}

/** The token connect() found, for the one request that does not go through ComposerClient. */
function tokenOf(args: ParsedArgs): string {
  const tokenFile = flagString(args, 'token-file');
  return tokenFile ? fs.readFileSync(tokenFile, 'utf8').trim() : (process.env.TESSERA_TOKEN as string);
}

const UPLOAD_CHUNK = 64 * 1024;

/**
 * PUT the inventory with a progress bar over the bytes sent. The body is a Buffer of known length
 * handed to the socket in chunks as it asks for them; ComposerClient has no progress hook, so this
 * one request uses axios directly (same token, same CA trust, problem+json errors alike).
 */
async function uploadInventory(endpoint: string, token: string, body: Buffer, bar: () => ProgressBar): Promise<Record<string, unknown>> {
  let url = endpoint;
  let lastError: ComposerError | undefined;
  // Like ComposerClient: a few tries on connection errors, and follow a standby to its leader.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    const progress = bar();
    let sent = 0;
    progress.update(0);
    const stream = new Readable({
      read() {
        if (sent >= body.length) {
          process.stderr.write('sent; the composer is applying the inventory\n');
          return void this.push(null);
        }
        const chunk = body.subarray(sent, sent + UPLOAD_CHUNK);
        sent += chunk.length;
        this.push(chunk);
        progress.update(sent);
      },
    });
    let res;
    try {
      res = await axios.request({
        method: 'PUT',
        url: `${url}/v1/inventory`,
        data: stream,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(body.length), accept: 'application/json, application/problem+json' },
        maxBodyLength: Infinity,
        maxRedirects: 0,
        proxy: false,
        timeout: 300_000,
        validateStatus: () => true,
      });
    } catch (err) {
      // Never pass axios' error on: its config holds the token.
      const e = err as { code?: string; message: string };
      if (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'EPIPE') {
        lastError = new ComposerError(`PUT /v1/inventory: cannot reach the composer at ${url} (${e.code})`, 0, 'unreachable');
        continue;
      }
      throw new ComposerError(`PUT /v1/inventory: ${e.code ?? 'request failed'}: ${e.message}`, 0, e.code ?? 'request_failed');
    }
    const problem = (res.data ?? {}) as { code?: string; leader?: string };
    if (res.status === 503 && problem.code === 'not_leader' && typeof problem.leader === 'string' && /^https?:\/\//.test(problem.leader)) {
      url = problem.leader.replace(/\/+$/, '');
      lastError = problemToError('PUT', '/v1/inventory', res);
      continue;
    }
    if (res.status < 200 || res.status >= 300) throw problemToError('PUT', '/v1/inventory', res);
    return res.data as Record<string, unknown>;
  }
  throw lastError as ComposerError;
}

const out = (args: ParsedArgs, json: unknown, render: () => string) => {
  console.log(flagBool(args, 'json') ? JSON.stringify(json, null, 2) : render());
};

type Row = Record<string, unknown>;
const s = (v: unknown) => (v === undefined || v === null ? '' : Array.isArray(v) ? v.join(',') : String(v));

function lsCommand(name: string, path: string, headers: string[], row: (o: Row) => unknown[], summary: string): Command {
  return {
    path: [name, 'ls'],
    summary,
    usage: `tessera ${name} ls [--cluster ID] [--state S] [--json] [--endpoint URL] [--token-file F] [--ca-file F]`,
    async run(args) {
      const c = connect(args);
      const query = { cluster: flagString(args, 'cluster'), state: flagString(args, 'state') };
      const { data } = await c.request<{ items: Row[] }>('GET', path, { query });
      out(args, data.items, () => (data.items.length === 0 ? `no ${name}` : table(headers, data.items.map((o) => row(o).map(s)))));
    },
  };
}

export const commands: Command[] = [
  {
    path: ['inventory', 'load'],
    summary: 'Load (or replace) the composer inventory from a topology file',
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
      const data = await uploadInventory(c.endpoint, tokenOf(args), body, () => new ProgressBar(`loading ${drives} drives`, body.length));
      out(args, data, () => `inventory loaded: ${(data.storageGroups as string[]).length} storage groups, ${data.enclosureCount} enclosures, ${data.driveCount} drives, ${(data.servers as string[]).length} servers (revision ${data.revision})`);
    },
  },
  {
    path: ['inventory', 'show'],
    summary: 'Show the composer inventory summary (or the full inventory with --full --json)',
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
  lsCommand('volumes', '/v1/volumes', ['ID', 'CLUSTER', 'NAME', 'TYPE', 'SIZE', 'RAID', 'STATE', 'SERVER', 'MOUNT'], (o) => [o.id, o.cluster, o.name, o.type, `${s(o.capacityGiB)}G`, o.raidLevel, o.state, o.server, o.mountPath], 'List volumes'),
  lsCommand('slices', '/v1/slices', ['ID', 'CLUSTER', 'NAME', 'SIZE', 'STATE', 'SERVER'], (o) => [o.id, o.cluster, o.name, `${s(o.capacityGiB)}G`, o.state, o.server], 'List slices'),
  lsCommand('operations', '/v1/operations', ['ID', 'KIND', 'RESOURCE', 'OBJECT', 'STATE', 'STARTED', 'ERROR'], (o) => [o.id, o.kind, o.resource, o.objectId, o.state, o.startedAt, o.error], 'List the operation journal'),
  lsCommand('servers', '/v1/servers', ['NAME', 'HEALTH', 'LAST HEARTBEAT', 'BACKEND'], (o) => [o.name, o.health, o.lastHeartbeat, (o.facts as Row | undefined)?.backend], 'List servers and agent health'),
];
