// The real runner: spawn() with an argv, no shell, a timeout, and stdin.
import { spawn } from 'node:child_process';
import { KillPoints } from './kill-point';
import { CommandError, CommandResult, HostCommand, Runner, commandLine } from './runner';

export interface LinuxRunnerOptions {
  /** Default timeout per command, ms (60 s). */
  timeoutMs?: number;
  /** Extra PATH entries searched before the inherited PATH (sbin is often missing for non-login shells). */
  path?: string;
  /** Test-only kill points (./kill-point.ts); default: from the environment, normally none. */
  killPoints?: KillPoints;
}

const MAX_OUTPUT = 4 * 1024 * 1024;

export class LinuxRunner implements Runner {
  private readonly timeoutMs: number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly killPoints?: KillPoints;
  constructor(opts: LinuxRunnerOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.killPoints = opts.killPoints ?? KillPoints.fromEnv();
    const basePath = process.env.PATH ?? '';
    const sbin = '/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin';
    // A minimal environment: nothing of this process's environment (tokens, master keys in a demo
    // that runs the composer too) reaches the tools. LC_ALL=C: stable, parseable messages.
    this.env = { PATH: [opts.path, sbin, basePath].filter(Boolean).join(':'), LC_ALL: 'C', LANG: 'C' };
  }

  run(cmd: HostCommand): Promise<CommandResult> {
    const line = commandLine(cmd);
    const held = this.killPoints?.match(line);
    if (held?.at === 'before') return KillPoints.hold(held, line);
    const spawned = held ? KillPoints.wrap(cmd, held) : cmd;
    return new Promise((resolve, reject) => {
      let child;
      try {
        child = spawn(spawned.file, spawned.args, { stdio: ['pipe', 'pipe', 'pipe'], env: this.env, shell: false });
      } catch (e) {
        reject(new CommandError(line, null, '', `cannot start: ${(e as Error).message}`));
        return;
      }
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outLen = 0;
      let errLen = 0;
      let timedOut = false;
      let settled = false;
      const timeout = cmd.timeoutMs ?? this.timeoutMs;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeout);
      child.stdout!.on('data', (d: Buffer) => {
        if (outLen < MAX_OUTPUT) out.push(d);
        outLen += d.length;
      });
      child.stderr!.on('data', (d: Buffer) => {
        if (errLen < MAX_OUTPUT) err.push(d);
        errLen += d.length;
      });
      // A child that exits before reading its input closes the pipe: not our error.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(cmd.stdin ?? Buffer.alloc(0));
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (held) return void KillPoints.hold(held, line, { code: null, signal: e.code ?? 'error' });
        reject(new CommandError(line, null, '', e.code === 'ENOENT' ? `${cmd.file}: not found` : `cannot start: ${e.message}`));
      });
      child.on('close', (code, signal) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (held) return void KillPoints.hold(held, line, { code, signal });
        const stderr = Buffer.concat(err).toString('utf8');
        if (timedOut) {
          reject(new CommandError(line, null, stderr, `timed out after ${timeout} ms`));
          return;
        }
        resolve({
          exitCode: code ?? (signal ? 128 : 1),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: signal ? `${stderr}killed by ${signal}` : stderr,
        });
      });
    });
  }
}
