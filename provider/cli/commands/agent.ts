// `tessera agent start|plan|lab-init`: run an agent, show what it would run, prepare lab drives.
import * as fs from 'node:fs';
import * as path from 'node:path';
import axios from 'axios';
import type { Assignment, AssignmentsResponse, Volume } from '../../api/contract';
import { agentEndpoints } from '../../client';
import { startAgent } from '../../agent/daemon';
import { AgentCrash, Fault } from '../../agent/faults';
import { provisionLabDrives } from '../../agent/lab';
import { assignmentFromVolume, formatPlan, planVolume } from '../../agent/plan';
import type { BackendKind } from '../../agent/members';
import { loadInventoryFile } from '../../inventory';
import { Command, ParsedArgs, UsageError, flagBool, flagInt, flagString, mountRootsFlag, requireFlag, JSON_OPTION, MOUNT_ROOTS_OPTION } from '../framework';
import { caFrom, clientCertFrom } from '../pem';

function backendFlag(args: ParsedArgs, fallback?: BackendKind): BackendKind {
  const b = flagString(args, 'backend', fallback);
  if (b !== 'linux' && b !== 'lab' && b !== 'simulated') throw new UsageError(`--backend: must be linux, lab or simulated${b ? `, got "${b}"` : ''}`);
  return b;
}

export function readToken(file: string): string {
  let text: string;
  try {
    // The token speaks for a server: warn (never print it) when others can read the file.
    if ((fs.statSync(file).mode & 0o077) !== 0) process.stderr.write(`tessera agent: warning: ${file} is readable by group or others (chmod 600 it)\n`);
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new UsageError(`--token: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  if (!text) throw new UsageError(`--token: ${file} is empty`);
  return text;
}

function faultsFrom(args: ParsedArgs): Fault[] {
  const out: Fault[] = [];
  const fail = flagString(args, 'fail-at-step');
  const crash = flagString(args, 'crash-at-step');
  const parse = (v: string) => (/^\d+$/.test(v) ? Number(v) : v);
  if (fail) out.push({ mode: 'fail', step: parse(fail) });
  if (crash) out.push({ mode: 'crash', step: parse(crash) });
  return out;
}

const start: Command = {
  path: ['agent', 'start'],
  summary: 'Run the agent for one server: register, heartbeat, watch assignments, stage volumes',
  options: [{ flags: '-c, --composer <urls>', description: 'composer URL(s), comma-separated' }, { flags: '-t, --token <file>', description: "file holding the server's token" }, { flags: '-s, --server <name>', description: 'the server this agent runs for' }, { flags: '-b, --backend <kind>', description: 'linux, lab or simulated' }, { flags: '--ca-file <file>', description: "PEM CA of the composer's certificate (or TESSERA_CA_FILE)" }, { flags: '--cert-file <file>', description: 'client certificate (PEM), with --key-file' }, { flags: '--key-file <file>', description: 'client private key (PEM), with --cert-file' }, { flags: '--insecure-dev', description: 'allow an http:// composer (development labs only)' }, { flags: '--lab-dir <dir>', description: 'lab drives directory (--backend lab)' }, { flags: '--lab-standins', description: 'loop devices stand in for md and device-mapper (--backend lab)' }, { flags: '--state-dir <dir>', description: 'state directory (/var/lib/tessera-agent)' }, { flags: '--heartbeat-ms <ms>', description: 'heartbeat interval (5000)' }, { flags: '--wait-seconds <n>', description: 'how long to wait for the composer at start (30)' }, { flags: '--verify-seconds <n>', description: 'how often staged volumes are verified (60)' }, MOUNT_ROOTS_OPTION, { flags: '--fail-at-step <step>', description: 'failure injection: fail at step N or NAME' }, { flags: '--crash-at-step <step>', description: 'failure injection: exit 70 at step N or NAME' }],
  usage: [
    '  --composer https://URL[,https://URL...] --token FILE --server NAME --backend linux|lab|simulated',
    '  [--ca-file F (or TESSERA_CA_FILE)] [--cert-file F --key-file F] [--insecure-dev]',
    '  [--lab-dir DIR] [--lab-standins] [--state-dir DIR (/var/lib/tessera-agent)] [--heartbeat-ms 5000] [--wait-seconds 30] [--verify-seconds 60]',
    '  [--mount-roots DIR,... (/mnt,/srv,/data,/var/lib/tessera)]   trees a volume mountPath must be in',
    '  [--fail-at-step N|NAME] [--crash-at-step N|NAME]   failure injection (the crash exits with code 70)',
    '  --lab-standins: lab on a kernel without md and device-mapper: loop devices stand in for both',
    '                  (no mirroring, no encryption of the data; LUKS headers and key checks stay real)',
    'Keys travel only over TLS: an http:// composer is refused unless --insecure-dev (development labs only).',
  ].join('\n'),
  async run(args) {
    const backend = backendFlag(args);
    const verifySeconds = flagInt(args, 'verify-seconds');
    if (verifySeconds !== undefined && verifySeconds < 1) throw new UsageError(`--verify-seconds: must be at least 1, got ${verifySeconds}`);
    const labDir = flagString(args, 'lab-dir');
    if (backend === 'lab' && !labDir) throw new UsageError('--lab-dir: required with --backend lab');
    const composer = requireFlag(args, 'composer');
    const insecureDev = flagBool(args, 'insecure-dev');
    try {
      agentEndpoints(composer, insecureDev);
    } catch (e) {
      throw new UsageError(`--${(e as Error).message}`);
    }
    const ca = caFrom(args);
    const { cert, key } = clientCertFrom(args);
    const labStandIns = flagBool(args, 'lab-standins');
    if (labStandIns && backend !== 'lab') throw new UsageError('--lab-standins: only with --backend lab');
    const agent = await startAgent({
      composer,
      ca,
      cert,
      key,
      insecureDev,
      token: readToken(requireFlag(args, 'token')),
      server: requireFlag(args, 'server'),
      backend,
      labDir,
      labStandIns,
      stateDir: flagString(args, 'state-dir'),
      mountRoots: mountRootsFlag(args),
      heartbeatMs: flagInt(args, 'heartbeat-ms'),
      waitSeconds: flagInt(args, 'wait-seconds'),
      verifyMs: verifySeconds === undefined ? undefined : verifySeconds * 1000,
      faults: faultsFrom(args),
      log: (l) => process.stderr.write(`${l}\n`),
    });
    const stop = () => void agent.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await agent.done;
      return 0;
    } catch (e) {
      if (e instanceof AgentCrash) {
        process.stderr.write(`tessera agent: ${e.message}\n`);
        return 70;
      }
      throw e;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};

async function loadAssignment(args: ParsedArgs, volumeId: string): Promise<Assignment> {
  const from = flagString(args, 'from');
  if (from) {
    const doc = JSON.parse(fs.readFileSync(from, 'utf8')) as Assignment | Volume | AssignmentsResponse;
    if ('assignments' in doc) {
      const a = doc.assignments.find((x) => x.volumeId === volumeId);
      if (!a) throw new UsageError(`--from: ${from} has no assignment for ${volumeId}`);
      return a;
    }
    return 'placement' in doc ? doc : assignmentFromVolume(doc);
  }
  const url = requireFlag(args, 'composer').replace(/\/$/, '');
  const http = axios.create({ baseURL: url, headers: { authorization: `Bearer ${readToken(requireFlag(args, 'token'))}` }, validateStatus: () => true });
  const server = flagString(args, 'server');
  if (server) {
    // An agent token: plan from the server's own assignments.
    const r = await http.get<AssignmentsResponse>(`/v1/agents/${encodeURIComponent(server)}/assignments`);
    if (r.status !== 200) throw new Error(`assignments of ${server}: HTTP ${r.status} ${(r.data as unknown as { detail?: string })?.detail ?? ''}`);
    const a = r.data.assignments.find((x) => x.volumeId === volumeId);
    if (!a) throw new Error(`${volumeId} is not assigned to server ${server}`);
    return a;
  }
  const r = await http.get<Volume>(`/v1/volumes/${encodeURIComponent(volumeId)}`);
  if (r.status !== 200) throw new Error(`volume ${volumeId}: HTTP ${r.status} ${(r.data as unknown as { detail?: string })?.detail ?? ''}`);
  return assignmentFromVolume(r.data);
}

const plan: Command = {
  path: ['agent', 'plan'],
  summary: 'Print the steps and exact command lines that stage and unstage a volume, without running them',
  options: [{ flags: '-c, --composer <urls>', description: 'composer URL(s)' }, { flags: '-t, --token <file>', description: "file holding the server's token" }, { flags: '-s, --server <name>', description: 'the server the volume is assigned to' }, { flags: '-f, --from <file>', description: 'read the volume from a JSON file instead of the composer' }, { flags: '-b, --backend <kind>', description: 'linux, lab or simulated (linux)' }, { flags: '--lab-dir <dir>', description: 'lab drives directory' }, { flags: '--state-dir <dir>', description: 'state directory' }, MOUNT_ROOTS_OPTION, { flags: '--portal <list>', description: 'ENCLOSURE=HOST:PORT,... portals to use' }, JSON_OPTION],
  arguments: '[volume]',
  usage: [
    '  VOLUME (--composer URL --token FILE [--server NAME] | --from FILE)',
    '  [--backend linux|lab|simulated (linux)] [--lab-dir DIR] [--state-dir DIR] [--mount-roots DIR,...] [--portal ENCLOSURE=HOST:PORT,...] [--json]',
  ].join('\n'),
  async run(args) {
    const volumeId = args.positional[0];
    if (!volumeId) throw new UsageError('VOLUME: required (a volume id)');
    const backend = backendFlag(args, 'linux');
    const a = await loadAssignment(args, volumeId);
    const portals = new Map<string, string>();
    for (const kv of (flagString(args, 'portal') ?? '').split(',').filter(Boolean)) {
      const [k, v] = kv.split('=');
      if (!k || !v) throw new UsageError(`--portal: "${kv}" is not ENCLOSURE=HOST:PORT`);
      portals.set(k, v);
    }
    const p = planVolume(a, {
      backend,
      stateDir: path.resolve(flagString(args, 'state-dir') ?? '/var/lib/tessera-agent'),
      mountRoots: mountRootsFlag(args),
      labDir: flagString(args, 'lab-dir'),
      portalOf: (e) => portals.get(e),
      server: flagString(args, 'server'),
    });
    console.log(flagBool(args, 'json') ? JSON.stringify(p, null, 2) : formatPlan(p));
  },
};

const labInit: Command = {
  path: ['agent', 'lab-init'],
  summary: 'Create the sparse drive files of a lab enclosure set (one per inventory drive)',
  options: [{ flags: '-i, --inventory <file>', description: 'the topology file' }, { flags: '--lab-dir <dir>', description: 'where the lab drives are made' }],
  usage: '  --inventory FILE --lab-dir DIR',
  async run(args) {
    const inv = loadInventoryFile(requireFlag(args, 'inventory'));
    const dir = requireFlag(args, 'lab-dir');
    const made = provisionLabDrives(dir, inv);
    if (flagBool(args, 'json')) console.log(JSON.stringify({ labDir: dir, created: made }));
    else console.log(`${made.length} drive file(s) created under ${dir}`);
  },
};

export const commands: Command[] = [start, plan, labInit];
