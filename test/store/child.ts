// Runs a TypeScript file in a child Node process (the same Node as the test runner, with tsx), so
// tests can kill -9 a real process holding a store.
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

export const repoRoot = path.resolve(__dirname, '..', '..');

export interface Child {
  proc: ChildProcessWithoutNullStreams;
  lines: string[];
  /** Resolves with the first stdout line matching, rejects on timeout or exit. */
  waitForLine(match: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
  kill9(): Promise<void>;
}

export function startTsChild(script: string, args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: repoRoot, stdio: 'pipe' });
  const lines: string[] = [];
  const waiters: Array<{ match: RegExp; resolve: (l: string) => void }> = [];
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  readline.createInterface({ input: proc.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of waiters.splice(0)) {
      if (w.match.test(line)) w.resolve(line);
      else waiters.push(w);
    }
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    lines,
    exited,
    waitForLine(match, timeoutMs = 20_000) {
      const seen = lines.find((l) => match.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child ${script}: no line matching ${match} within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)), timeoutMs);
        exited.then((code) => reject(new Error(`child ${script} exited (${code}) before printing ${match}; stderr: ${stderr.slice(-2000)}`)));
        waiters.push({ match, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      });
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await exited;
      }
    },
  };
}
