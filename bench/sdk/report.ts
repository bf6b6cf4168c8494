/**
 * Tables and target checks for the SDK benchmark (see run.ts). Each series is
 * a list of per-repetition times in ms; medians come from bench/ffi.
 */
import { median } from '../ffi/report.js';
import type { Target } from '../ffi/report.js';

export { median };
export type { Target };

/** Part 1: per-listing times of each implementation, and the CPU each listing cost its process (all threads). */
export type ListImpl = 'c' | 'python' | 'tsvirt';
export interface ListSeries { ms: number[]; cpuMs: number[] }
export type ListResults = Partial<Record<ListImpl, ListSeries>>;

/**
 * Part 2: per-burst times; for the tsvirt rows also event-loop lag (ms per rep) and the times of
 * the bursts it was sampled in (`probedMs`: the probe's timer costs throughput of its own).
 * `cpu` holds, burst by burst, the CPU microseconds of the client process (all its threads) and
 * of the daemon, where every burst of the series carries them.
 */
export type InfoImpl = 'c-seq' | 'c-pool8' | 'python-seq' | 'python-pool8' | 'tsvirt-seq' | 'tsvirt' | 'tsvirt-8' | 'generated-8';
export interface InfoSeries {
  ms: number[];
  threads?: number;
  lag?: { p50: number[]; p99: number[]; max: number[] };
  probedMs?: number[];
  /** Aligned with `ms`; `daemonUs` is left out when a burst lacks it. */
  cpu?: { clientUs: number[]; daemonUs?: number[] };
}
export type InfoResults = Partial<Record<InfoImpl, InfoSeries>>;

export const LIST_LABELS: Record<ListImpl, string> = { c: 'C', python: 'libvirt-python', tsvirt: 'tsvirt SDK' };
export const INFO_LABELS: Record<InfoImpl, string> = {
  'c-seq': 'C, in sequence',
  'c-pool8': 'C, 8 threads',
  'python-seq': 'libvirt-python, in sequence',
  'python-pool8': 'libvirt-python, 8-thread pool',
  'tsvirt-seq': 'tsvirt SDK, each call awaited in turn',
  tsvirt: 'tsvirt SDK, Promise.all',
  'tsvirt-8': 'tsvirt SDK, Promise.all',
  'generated-8': 'generated layer, 8 worker threads, no SDK',
};

const f = (n: number | undefined, digits = 1): string => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
const x = (a: number | undefined, b: number | undefined): string => (a && b ? `${(a / b).toFixed(2)}x` : '-');
const xr = (ratio: number | undefined): string => (ratio === undefined ? '-' : `${ratio.toFixed(2)}x`);

function table(head: readonly string[], rows: readonly string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

const med = (xs: number[] | undefined): number | undefined => (xs && xs.length > 0 ? median(xs) : undefined);

/**
 * The median over rounds of a/b, listing by listing: the two ran in the same round, moments
 * apart, so the machine's swings in speed cancel out of each ratio.
 */
export function pairedRatio(a: number[] | undefined, b: number[] | undefined): number | undefined {
  if (!a || !b || a.length === 0 || a.length !== b.length) return undefined;
  return median(a.map((v, i) => v / (b[i] as number)));
}

export function listTable(r: ListResults): string {
  const c = r.c?.ms;
  const py = r.python?.ms;
  const rows = (Object.keys(LIST_LABELS) as ListImpl[]).filter((k) => r[k]).map((k) => {
    const s = r[k] as ListSeries;
    const ms = med(s.ms);
    const cpu = med(s.cpuMs);
    return [LIST_LABELS[k], f(ms), f(Math.min(...s.ms)), f(Math.max(...s.ms)), f(cpu), f(cpu && ms ? cpu / ms : undefined, 2),
      xr(pairedRatio(s.ms, c)), xr(pairedRatio(s.ms, py))];
  });
  return table(['implementation', 'median ms', 'min ms', 'max ms', 'CPU ms', 'cores used', 'vs C', 'vs python'], rows);
}

/** Calls per second of a series: `calls` per burst over its median time. */
export const rate = (s: InfoSeries | undefined, calls: number): number | undefined => {
  const m = med(s?.ms);
  return m === undefined ? undefined : (calls / m) * 1000;
};

/**
 * Microseconds of CPU per call of the client process (all its threads) and of the daemon: the
 * median over bursts, as the rate is.
 */
export function cpuPerCall(s: InfoSeries | undefined, calls: number): { client: number; daemon?: number } | undefined {
  const client = med(s?.cpu?.clientUs);
  if (client === undefined) return undefined;
  const daemon = med(s?.cpu?.daemonUs);
  return daemon === undefined ? { client: client / calls } : { client: client / calls, daemon: daemon / calls };
}

/**
 * How busy the client and the daemon kept `cpus` cores during a burst, in percent: the median
 * over bursts of their CPU time over the burst's time on every core. Near 100 the machine is
 * the limit, and only less CPU per call makes more calls per second.
 */
export function coresBusy(s: InfoSeries | undefined, cpus: number): number | undefined {
  const cpu = s?.cpu;
  if (!s || !cpu?.daemonUs || cpu.daemonUs.length !== s.ms.length || cpu.clientUs.length !== s.ms.length) return undefined;
  const daemon = cpu.daemonUs;
  return med(s.ms.map((ms, i) => (100 * ((cpu.clientUs[i] ?? 0) + (daemon[i] ?? 0))) / (cpus * ms * 1000)));
}

export function infoTable(r: InfoResults, calls: number, cpus: number): string {
  const seq = rate(r['python-seq'], calls);
  const rows = (Object.keys(INFO_LABELS) as InfoImpl[]).filter((k) => r[k]).map((k) => {
    const s = r[k];
    const label = s?.threads === undefined ? INFO_LABELS[k] : `${INFO_LABELS[k]} (${s.threads} threads)`;
    const lag = s?.lag ? `${f(med(s.lag.p50), 2)} / ${f(med(s.lag.p99), 2)} / ${f(Math.max(...s.lag.max), 2)}` : '-';
    const probed = s?.probedMs ? f(rate({ ms: s.probedMs }, calls), 0) : '-';
    const us = cpuPerCall(s, calls);
    return [label, f(med(s?.ms)), f(rate(s, calls), 0), x(rate(s, calls), seq),
      f(us?.client, 0), f(us?.daemon, 0), f(coresBusy(s, cpus), 0), lag, probed];
  });
  return table(['implementation', `median ms/${calls}`, 'calls/s', 'vs python seq', 'client CPU us/call',
    'daemon CPU us/call', `${cpus} cores busy %`, 'loop lag p50 / p99 / max ms', 'calls/s, lag probe on'], rows);
}

function target(name: string, ok: boolean | undefined, detail: string): Target {
  return { name, status: ok === undefined ? 'SKIP' : ok ? 'PASS' : 'FAIL', detail };
}

export function checkTargets(list: ListResults, info: InfoResults | undefined, calls: number, cpus: number): Target[] {
  // Listing by listing: both ran in the same round (see pairedRatio).
  const ratio = pairedRatio(list.tsvirt?.ms, list.python?.ms);
  const out = [target('listing: tsvirt no slower than libvirt-python', ratio === undefined ? undefined : ratio <= 1,
    ratio === undefined ? 'a column is missing' : `tsvirt/python = ${ratio.toFixed(2)}x, the median of per-round ratios (limit 1.00x)`)];
  // Compared at the same number of threads as libvirt-python's pool: tsvirt with 8 call threads.
  const t = rate(info?.['tsvirt-8'], calls);
  const seq = rate(info?.['python-seq'], calls);
  const pool = rate(info?.['python-pool8'], calls);
  // What a client in C reached in the same run: the libvirt library's own cost on this machine.
  const c = rate(info?.['c-pool8'], calls);
  const within = c && seq ? `; C with 8 threads: ${(c / seq).toFixed(2)}x` : '';
  out.push(target('getInfo: tsvirt (8 call threads) at least 2x libvirt-python in sequence', t && seq ? t >= 2 * seq : undefined,
    t && seq ? `tsvirt-8/python-seq = ${(t / seq).toFixed(2)}x (need 2.00x${within})` : 'part 2 or a column is missing'));
  out.push(target('getInfo: tsvirt (8 call threads) no slower than libvirt-python with 8 threads', t && pool ? t >= pool : undefined,
    t && pool ? `tsvirt-8/python-pool8 = ${(t / pool).toFixed(2)}x (need 1.00x)` : 'part 2 or a column is missing'));
  return out;
}
