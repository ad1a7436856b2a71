// Test-only kill points for the real runner: hold the agent at one exact host command so a test
// or the chaos bench (bench/chaos/agent-kill.ts) can `kill -9` the agent process right there,
// including in the middle of a tool's writes. Off unless TESSERA_AGENT_TEST_KILL_POINT is set;
// docs/agent.md ("Failure injection") describes it.
//
// Why a hook and not timing: mkfs.ext4 on a 1 GiB loop device takes ~30 ms, mkfs.xfs ~50 ms and
// luksFormat ~350 ms, far too short for a signal sent on a log line to land reliably inside them.
// Why strace for "inside": killing the tool at its Nth write is deterministic and leaves exactly
// what a kill -9 of the agent's process group between write N-1 and N leaves (page-cache writes
// already made survive a process kill), without replacing the real tool with a stand-in.
import * as fs from 'node:fs';
import type { HostCommand } from './runner';

export interface KillPoint {
  /** The command line starts with this ("mkfs.xfs", "cryptsetup luksFormat", "umount"). */
  command: string;
  /** The Nth matching command of this process (1). */
  nth?: number;
  /** `before`: not started; `after`: it exited, its result is never seen; `write`: killed as it enters write number `write`. */
  at: 'before' | 'after' | 'write';
  write?: number;
}

export const KILL_POINT_ENV = 'TESSERA_AGENT_TEST_KILL_POINT';
export const COMMAND_LOG_ENV = 'TESSERA_AGENT_TEST_COMMAND_LOG';
/** The line prefix the runner prints on stderr when it holds at a kill point. */
export const KILL_POINT_MARK = 'tessera-test-kill-point ';

// Every write-type syscall: strace counts them together for `when=N` (one counter for the set).
const WRITES = 'write,pwrite64,pwritev,pwritev2,writev';

export function parseKillPoint(text: string): KillPoint {
  let p: KillPoint;
  try {
    p = JSON.parse(text) as KillPoint;
  } catch {
    throw new Error(`${KILL_POINT_ENV}: not JSON`);
  }
  if (typeof p?.command !== 'string' || !p.command) throw new Error(`${KILL_POINT_ENV}: command: must be a non-empty command line prefix`);
  if (!['before', 'after', 'write'].includes(p.at)) throw new Error(`${KILL_POINT_ENV}: at: must be before, after or write`);
  if (p.nth !== undefined && !(Number.isInteger(p.nth) && p.nth >= 1)) throw new Error(`${KILL_POINT_ENV}: nth: must be an integer >= 1`);
  if (p.at === 'write' && !(Number.isInteger(p.write) && p.write! >= 1)) throw new Error(`${KILL_POINT_ENV}: write: must be an integer >= 1 with at "write"`);
  return p;
}

/** Holds the process at a kill point, and keeps the optional command log. */
export class KillPoints {
  private seen = 0;
  constructor(
    private readonly point?: KillPoint,
    private readonly commandLog?: string,
  ) {}

  static fromEnv(env: NodeJS.ProcessEnv = process.env): KillPoints | undefined {
    const point = env[KILL_POINT_ENV] ? parseKillPoint(env[KILL_POINT_ENV]!) : undefined;
    const log = env[COMMAND_LOG_ENV] || undefined;
    return point || log ? new KillPoints(point, log) : undefined;
  }

  /** Called before a command starts: the point it is held at (undefined = run normally), logged. */
  match(line: string): KillPoint | undefined {
    // Argv only: key material travels on stdin and never reaches the log.
    if (this.commandLog) fs.appendFileSync(this.commandLog, `${JSON.stringify({ pid: process.pid, line })}\n`);
    if (!this.point || !line.startsWith(this.point.command)) return undefined;
    return ++this.seen === (this.point.nth ?? 1) ? this.point : undefined;
  }

  /** The command as run at a `write` point: under strace, SIGKILLed as it enters write N. */
  static wrap(cmd: HostCommand, p: KillPoint): HostCommand {
    if (p.at !== 'write') return cmd;
    const inject = `inject=${WRITES}:signal=SIGKILL:when=${p.write}`;
    return { ...cmd, file: 'strace', args: ['-f', '-qq', '-o', '/dev/null', '-e', `trace=${WRITES}`, '-e', inject, '--', cmd.file, ...cmd.args] };
  }

  /** Tell the parent where we are (synchronously, before anything else can run), then never return. */
  static hold(p: KillPoint, line: string, exit?: { code: number | null; signal: string | null }): Promise<never> {
    fs.writeSync(2, `${KILL_POINT_MARK}${JSON.stringify({ ...p, line, pid: process.pid, exit })}\n`);
    // A timer keeps the process alive while nothing else would (the heartbeat timer is unref'd).
    setInterval(() => undefined, 60_000);
    return new Promise<never>(() => undefined);
  }
}
