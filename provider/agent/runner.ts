// How the agent runs host commands. Every command is a program and an argv (never a shell
// string). Secrets travel only in `stdin`: never in argv, never in a file, an error or a log.
// (Not an extra fd: Node gives a child's extra stdio as a socket, which /dev/fd/N cannot open.)

export interface HostCommand {
  file: string;
  args: string[];
  /** Written to the child's stdin, then stdin is closed. Key material goes here. */
  stdin?: Buffer;
  /** Milliseconds before the child is killed; the runner's default when absent. */
  timeoutMs?: number;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface Runner {
  /** Runs the command; a non-zero exit is a result, not an exception. Throws only when the
   * program cannot be started or times out (CommandError). */
  run(cmd: HostCommand): Promise<CommandResult>;
}

/** The command line as text, for plans, errors and logs. Safe: argv never holds secrets. */
export function commandLine(cmd: Pick<HostCommand, 'file' | 'args'>): string {
  return [cmd.file, ...cmd.args].map(quoteArg).join(' ');
}

function quoteArg(a: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export class CommandError extends Error {
  readonly command: string;
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(command: string, exitCode: number | null, stderr: string, reason?: string) {
    const why = reason ?? `exit code ${exitCode}`;
    super(`${command}: ${why}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
    this.name = 'CommandError';
    this.command = command;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** Runs a command and throws a CommandError (command, exit code, stderr) unless it exits 0. */
export async function mustRun(runner: Runner, cmd: HostCommand): Promise<CommandResult> {
  const r = await runner.run(cmd);
  if (r.exitCode !== 0) throw new CommandError(commandLine(cmd), r.exitCode, r.stderr);
  return r;
}

/** What a recording runner remembers of a command: argv and how many stdin bytes (never the bytes). */
export interface RecordedCommand {
  file: string;
  args: string[];
  stdinBytes: number;
  exitCode: number;
}

/** Wraps a runner and keeps the argv of every command it ran (tests assert exact argv). */
export class RecordingRunner implements Runner {
  readonly commands: RecordedCommand[] = [];
  constructor(private readonly inner: Runner) {}
  async run(cmd: HostCommand): Promise<CommandResult> {
    const r = await this.inner.run(cmd);
    this.commands.push({
      file: cmd.file,
      args: [...cmd.args],
      stdinBytes: cmd.stdin?.length ?? 0,
      exitCode: r.exitCode,
    });
    return r;
  }
  lines(): string[] {
    return this.commands.map(commandLine);
  }
  clear(): void {
    this.commands.length = 0;
  }
}
