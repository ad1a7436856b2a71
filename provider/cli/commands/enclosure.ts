// `tessera enclosure start`: run the enclosure service on a JBOD/eBOD head (docs/agent.md
// "Enclosure service"): export the assigned drives and slices over NVMe/TCP and iSCSI, each to
// its one host.
import * as fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { enclosureEndpoints } from '../../enclosure/client';
import type { DriveConfig } from '../../enclosure/configfs';
import { checkDrives, startEnclosure } from '../../enclosure/daemon';
import { Command, UsageError, flagBool, flagInt, flagString, requireFlag } from '../framework';
import { caFrom, clientCertFrom } from '../pem';
import { readToken } from './agent';

/** A drives file (YAML or JSON): `drives: [{serial, device}]` or the bare list. */
export function loadDrivesFile(file: string): DriveConfig[] {
  let doc: unknown;
  try {
    doc = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--drives: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { drives?: unknown })?.drives;
  if (!Array.isArray(list)) throw new UsageError(`--drives: ${file} must be a list of {serial, device} or an object with a "drives" list`);
  try {
    return checkDrives(list as DriveConfig[], `${file}: drives`);
  } catch (e) {
    throw new UsageError(`--drives: ${(e as Error).message}`);
  }
}

function port(v: number | undefined, flag: string): number | undefined {
  if (v !== undefined && (v < 1 || v > 65535)) throw new UsageError(`--${flag}: must be a TCP port (1-65535), got ${v}`);
  return v;
}

const start: Command = {
  path: ['enclosure', 'start'],
  summary: 'Run the enclosure service: export assigned drives and slices (nvmet, LIO) to their one host each',
  options: [{ flags: '-c, --composer <urls>', description: 'composer URL(s), comma-separated' }, { flags: '-t, --token <file>', description: "file holding the enclosure's token" }, { flags: '--enclosure <name>', description: 'the enclosure this service runs for' }, { flags: '-d, --drives <file>', description: 'YAML/JSON list of {serial, device}' }, { flags: '--ca-file <file>', description: "PEM CA of the composer's certificate (or TESSERA_CA_FILE)" }, { flags: '--cert-file <file>', description: 'client certificate (PEM), with --key-file' }, { flags: '--key-file <file>', description: 'client private key (PEM), with --cert-file' }, { flags: '--insecure-dev', description: 'allow an http:// composer (development labs only)' }, { flags: '--state-dir <dir>', description: 'state directory (/var/lib/tessera-enclosure)' }, { flags: '--configfs <dir>', description: 'configfs mount (/sys/kernel/config)' }, { flags: '-l, --listen <address>', description: "address targets listen on (the inventory portal's host)" }, { flags: '--nvme-port <n>', description: 'NVMe/TCP port' }, { flags: '--iscsi-port <n>', description: 'iSCSI port (3260)' }, { flags: '--heartbeat-ms <ms>', description: 'heartbeat interval (5000)' }, { flags: '--wait-seconds <n>', description: 'how long to wait for the composer at start (30)' }],
  usage: [
    '  --composer https://URL[,https://URL...] --token FILE --enclosure NAME --drives FILE',
    '  [--ca-file F (or TESSERA_CA_FILE)] [--cert-file F --key-file F] [--insecure-dev]',
    '  [--state-dir DIR (/var/lib/tessera-enclosure)] [--configfs DIR (/sys/kernel/config)]',
    '  [--listen ADDRESS] [--nvme-port N] [--iscsi-port N]   default: the inventory portal\'s host and port; iSCSI on 3260',
    '  [--heartbeat-ms 5000] [--wait-seconds 30]',
    '--drives: YAML/JSON list of {serial, device}: the inventory drives this head manages and their block devices.',
  ].join('\n'),
  async run(args) {
    const composer = requireFlag(args, 'composer');
    const insecureDev = flagBool(args, 'insecure-dev');
    try {
      enclosureEndpoints(composer, insecureDev);
    } catch (e) {
      throw new UsageError(`--${(e as Error).message}`);
    }
    const drives = loadDrivesFile(requireFlag(args, 'drives'));
    const { cert, key } = clientCertFrom(args);
    const listenHost = flagString(args, 'listen');
    const svc = await startEnclosure({
      composer,
      token: readToken(requireFlag(args, 'token')),
      ca: caFrom(args),
      cert,
      key,
      insecureDev,
      enclosure: requireFlag(args, 'enclosure'),
      drives,
      stateDir: flagString(args, 'state-dir'),
      configfs: flagString(args, 'configfs'),
      listen: { host: listenHost, nvmePort: port(flagInt(args, 'nvme-port'), 'nvme-port'), iscsiPort: port(flagInt(args, 'iscsi-port'), 'iscsi-port') },
      heartbeatMs: flagInt(args, 'heartbeat-ms'),
      waitSeconds: flagInt(args, 'wait-seconds'),
      log: (l) => process.stderr.write(`${l}\n`),
    });
    const stop = () => void svc.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await svc.done;
      return 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};

export const commands: Command[] = [start];
