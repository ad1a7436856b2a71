// One process's figures from Linux /proc, for the benchmarks that measure other processes (the
// composer, providers, engines): /proc/PID/stat for parent, CPU and start time, /proc/PID/status
// for resident memory and its kernel-kept peak (VmHWM).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Clock ticks per second of /proc/PID/stat's times. */
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export interface ProcStat {
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  /** Start time in ticks since boot: with the pid, identifies one process across samples. */
  start: string;
}

/** Parent, CPU and start time from /proc/PID/stat; throws when the process is gone. */
export function procStat(pid: number): ProcStat {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After "pid (comm) " (comm may hold spaces and parentheses): state is field 3, ppid 4,
  // utime 14, stime 15, starttime 22.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]), start: f[19] };
}

/** A `kB` field of /proc/PID/status (VmRSS, VmHWM, ...) in bytes, 0 when absent; throws when the process is gone. */
export function procStatusBytes(pid: number, ...keys: string[]): number[] {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return keys.map((key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024);
}
