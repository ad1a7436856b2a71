// `tessera csi controller` and `tessera csi node`: the CSI plugins on a unix socket (docs/csi.md).
// The composer: --composer URL (or TESSERA_ENDPOINT), --token-file (or TESSERA_TOKEN), --ca-file.
// --endpoint is the CSI socket, as every CSI driver names it.
import { type Command, type OptionSpec, type ParsedArgs, UsageError, flagString, requireFlag } from '../framework';
import { tokenFrom } from '../credentials';
import { caFrom } from '../pem';
import { ComposerClient } from '../../client';
import { startCsiController, startCsiNode, type CsiServer } from '../../csi';

function composer(args: ParsedArgs): ComposerClient {
  const endpoint = flagString(args, 'composer') ?? process.env.TESSERA_ENDPOINT;
  if (!endpoint) throw new UsageError('no composer: give --composer URL or set TESSERA_ENDPOINT');
  const token = tokenFrom(args);
  return new ComposerClient({ endpoint, token, ca: caFrom(args) });
}

async function serve(start: Promise<CsiServer>): Promise<void> {
  const server = await start;
  console.log(`unix://${server.socket}`);
  await new Promise<void>((resolve) => {
    const stop = () => void server.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

const COMMON = '    [--composer URL (TESSERA_ENDPOINT)] [--token-file F (TESSERA_TOKEN)] [--ca-file F]';
// --endpoint is the CSI socket here, so the composer has its own flags (not CONNECT_OPTIONS).
const COMPOSER_OPTIONS: OptionSpec[] = [
  { flags: '--endpoint <unix-url>', description: 'the CSI socket: unix:///path (as every CSI driver names it)' },
  { flags: '--composer <url>', description: 'composer URL (or TESSERA_ENDPOINT)' },
  { flags: '-t, --token-file <file>', description: 'file holding the API token (or TESSERA_TOKEN)' },
  { flags: '--ca-file <file>', description: "PEM CA of the composer's certificate (or TESSERA_CA_FILE)" },
];

export const commands: Command[] = [
  {
    path: ['csi', 'controller'],
    summary: 'Run the CSI controller plugin (Identity + Controller) over the composer',
    options: [...COMPOSER_OPTIONS, { flags: '--cluster <name>', description: 'the logical cluster volumes are made in (created on the first volume)' }, { flags: '--owner <k8s:name>', description: 'the owner recorded on volumes without PVC metadata' }],
    usage: ['tessera csi controller --endpoint unix:///csi/csi.sock [--cluster NAME] [--owner k8s:NAME]', COMMON].join('\n'),
    async run(args) {
      const endpoint = requireFlag(args, 'endpoint');
      const owner = flagString(args, 'owner');
      if (owner !== undefined && !owner.startsWith('k8s:')) throw new UsageError(`--owner: must start with "k8s:", got "${owner}"`);
      await serve(startCsiController({ endpoint, client: composer(args), defaultCluster: flagString(args, 'cluster'), owner }));
    },
  },
  {
    path: ['csi', 'node'],
    summary: 'Run the CSI node plugin (Identity + Node) next to the agent of a server',
    options: [...COMPOSER_OPTIONS, { flags: '-s, --server <name>', description: 'the server this node plugin runs on (its agent stages the volumes)' }],
    usage: ['tessera csi node --endpoint unix:///csi/csi.sock --server NAME', COMMON].join('\n'),
    async run(args) {
      const endpoint = requireFlag(args, 'endpoint');
      const server = requireFlag(args, 'server');
      await serve(startCsiNode({ endpoint, client: composer(args), server }));
    },
  },
];
