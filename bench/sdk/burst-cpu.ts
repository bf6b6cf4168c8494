/**
 * CPU readings around a burst, shared by the benchmark's TypeScript children (info.c and info.py
 * have their own): this process, all threads, and another process (the daemon).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU microseconds this process has used, all threads. */
export const clientUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/**
 * CPU microseconds all threads of process `pid` have run (info.c's process_us), or undefined if
 * unreadable. From each thread's schedstat (nanoseconds): /proc/PID/stat counts clock ticks,
 * 10 ms each, too coarse for bursts of about 150 ms.
 */
export function processUs(pid: number): number | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let ns = 0;
  let threads = 0;
  for (const tid of tids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
      threads++;
    } catch {
      // the thread has exited meanwhile
    }
  }
  return threads > 0 && Number.isFinite(ns) ? Math.floor(ns / 1000) : undefined;
}

/** `<ms> <client us> <daemon us>` of one timed run of `burst` (-1: the daemon was unreadable). */
export async function measuredBurst(burst: () => Promise<void>, daemon: number): Promise<string> {
  const c0 = clientUs();
  const d0 = daemon > 0 ? processUs(daemon) : undefined;
  const t0 = performance.now();
  await burst();
  const ms = performance.now() - t0;
  const d1 = daemon > 0 ? processUs(daemon) : undefined;
  const served = d0 === undefined || d1 === undefined ? -1 : d1 - d0;
  return `${ms.toFixed(3)} ${clientUs() - c0} ${served}`;
}
