// `tessera composer start`: run a composer in this process until SIGINT/SIGTERM.
import { type Command, type ParsedArgs, UsageError, flagBool, flagInt, flagString, mountRootsFlag, requireFlag, MOUNT_ROOTS_OPTION } from '../framework';
import { startComposer } from '../../composer';
import { readPemFile } from '../pem';
import { DEFAULT_SQLITE_DRIVER } from '../../store/sqlite';
import { SQLITE_DRIVERS, type SqliteDriverName } from '../../store/sqlite-driver';

/** A positive integer flag (or undefined when absent); a bad value is an error naming the flag. */
function positiveFlag(args: ParsedArgs, flag: string): number | undefined {
  const v = flagString(args, flag);
  if (v === undefined) return undefined;
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1) throw new UsageError(`--${flag}: must be a positive integer, got "${v}"`);
  return Number(v);
}

const seconds = (n: number | undefined) => (n === undefined ? undefined : n * 1000);

export const commands: Command[] = [
  {
    path: ['composer', 'start'],
    summary: 'Run the composer (REST API, engine, journal) on a SQLite file or an etcd cluster',
    options: [{ flags: '-s, --store <url>', description: 'sqlite:FILE or etcd:http://h1:2379,...' }, { flags: '-t, --tokens <file>', description: 'the tokens file (read again on SIGHUP and change)' }, { flags: '-i, --inventory <file>', description: 'topology file to load at start' }, { flags: '-l, --listen <address>', description: 'listen address (127.0.0.1:7420)' }, { flags: '--advertise <url>', description: 'URL agents and providers reach this composer at' }, { flags: '--master-key-file <file>', description: 'file holding the master key' }, { flags: '--master-key-env <var>', description: 'environment variable holding the master key' }, { flags: '--tls-cert <file>', description: 'TLS certificate (PEM), with --tls-key' }, { flags: '--tls-key <file>', description: 'TLS private key (PEM), with --tls-cert' }, { flags: '--insecure-dev', description: 'serve volume keys over plain HTTP (development labs only)' }, { flags: '--heartbeat-grace-seconds <n>', description: 'heartbeats missed for this long mark a server down (15)' }, { flags: '--lease-ttl <n>', description: 'etcd leader lease TTL in seconds (3)' }, { flags: '--sqlite-synchronous <mode>', description: 'full or normal (full)' }, { flags: '--sqlite-driver <name>', description: `SQLite library: ${SQLITE_DRIVERS.join(' or ')} (${DEFAULT_SQLITE_DRIVER})` }, { flags: '--debug', description: 'debug logging' }, MOUNT_ROOTS_OPTION, { flags: '--headers-timeout-seconds <n>', description: 'HTTP headers timeout (10)' }, { flags: '--request-timeout-seconds <n>', description: 'HTTP request timeout (30)' }, { flags: '--keep-alive-timeout-seconds <n>', description: 'HTTP keep-alive timeout (5)' }, { flags: '--max-connections <n>', description: 'connection limit (8192)' }, { flags: '--tokens-poll-seconds <n>', description: 'how often the tokens file is checked for changes (1)' }],
    usage: [
      'tessera composer start --store sqlite:./tessera.db|etcd:http://h1:2379,http://h2:2379 --tokens FILE',
      '    [--inventory FILE] [--listen 127.0.0.1:7420] [--advertise URL]',
      '    [--master-key-file F | --master-key-env VAR] [--tls-cert F --tls-key F] [--insecure-dev]',
      '    [--heartbeat-grace-seconds 15] [--lease-ttl 3] [--sqlite-synchronous full|normal] [--sqlite-driver better-sqlite3|node] [--debug]',
      '    [--mount-roots DIR,... (/mnt,/srv,/data,/var/lib/tessera)]  trees a volume mountPath must be in',
      '    [--headers-timeout-seconds 10] [--request-timeout-seconds 30] [--keep-alive-timeout-seconds 5]',
      '    [--max-connections 8192] [--tokens-poll-seconds 1]',
      'The tokens file is read again on SIGHUP and when it changes (checked every --tokens-poll-seconds).',
      '--sqlite-synchronous normal: no fsync per commit; survives kill -9, not power loss.',
      '--sqlite-driver node: Node\'s built-in node:sqlite instead of the native addon; same file format (docs/store.md).',
      'Volume keys are served only over TLS; --insecure-dev serves them over plain HTTP (development labs only).',
      'Prints the URL on stdout when ready. Logs are JSON lines on stderr.',
    ].join('\n'),
    async run(args) {
      const store = requireFlag(args, 'store');
      const tokens = requireFlag(args, 'tokens');
      const tlsCert = flagString(args, 'tls-cert');
      const tlsKey = flagString(args, 'tls-key');
      if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
      if (tlsCert && tlsKey) {
        readPemFile('--tls-cert', tlsCert, 'certificate');
        readPemFile('--tls-key', tlsKey, 'private key');
      }
      const advertise = flagString(args, 'advertise');
      if (advertise !== undefined && !/^https?:\/\/[^\s/]+\/?$/.test(advertise)) throw new UsageError(`--advertise: must be an http(s) URL, got "${advertise}"`);
      const sync = flagString(args, 'sqlite-synchronous', 'full');
      if (sync !== 'full' && sync !== 'normal') throw new UsageError('--sqlite-synchronous: full or normal');
      const driver = flagString(args, 'sqlite-driver', DEFAULT_SQLITE_DRIVER) as SqliteDriverName;
      if (!SQLITE_DRIVERS.includes(driver)) throw new UsageError(`--sqlite-driver: ${SQLITE_DRIVERS.join(' or ')}`);
      const grace = flagInt(args, 'heartbeat-grace-seconds', 15) as number;
      const mountRoots = mountRootsFlag(args);
      const limits = {
        headersTimeoutMs: seconds(positiveFlag(args, 'headers-timeout-seconds')),
        requestTimeoutMs: seconds(positiveFlag(args, 'request-timeout-seconds')),
        keepAliveTimeoutMs: seconds(positiveFlag(args, 'keep-alive-timeout-seconds')),
        maxConnections: positiveFlag(args, 'max-connections'),
      };
      const composer = await startComposer({
        store,
        storeOptions: { sqlite: { synchronous: sync, driver } },
        tokens,
        inventory: flagString(args, 'inventory'),
        listen: flagString(args, 'listen', '127.0.0.1:7420'),
        advertiseUrl: advertise,
        masterKeyFile: flagString(args, 'master-key-file'),
        masterKeyEnv: flagString(args, 'master-key-env'),
        tls: tlsCert && tlsKey ? { certFile: tlsCert, keyFile: tlsKey } : undefined,
        insecureDev: flagBool(args, 'insecure-dev'),
        heartbeatGraceMs: grace * 1000,
        leaseTtlSeconds: flagInt(args, 'lease-ttl', 3),
        debug: flagBool(args, 'debug'),
        mountRoots,
        tokensPollMs: seconds(positiveFlag(args, 'tokens-poll-seconds')),
        ...limits,
      });
      process.stdout.write(`${composer.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await composer.close();
      return 0;
    },
  },
];
