/**
 * Statistics, table and target checks for the FFI benchmark (see run.ts).
 */

export const IMPLS = ['c', 'python', 'tsvirt'] as const;
export type Impl = (typeof IMPLS)[number];

/** Short names used by the child protocol, mapped to the libvirt functions. */
export const FNS = { name: 'virDomainGetName', id: 'virDomainGetID', info: 'virDomainGetInfo' } as const;
export type Fn = keyof typeof FNS;

export interface Cell {
  /** Median per-call time over all batches, in nanoseconds. */
  medianNs: number;
  /** Per-call time of each batch, in nanoseconds, in the order measured. */
  batchesNs: number[];
}

export type Results = Record<Fn, Partial<Record<Impl, Cell>>>;

export interface Target {
  name: string;
  status: 'PASS' | 'FAIL' | 'SKIP';
  detail: string;
}

/**
 * Median rather than mean or minimum: a batch that catches a GC pause, a
 * page fault or a preemption is an outlier that would drag a mean, while the
 * minimum rewards one lucky batch. The median of batch means is what a
 * steady caller typically pays.
 */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const hi = s[mid];
  if (hi === undefined) return Number.NaN;
  return s.length % 2 === 1 ? hi : ((s[mid - 1] ?? hi) + hi) / 2;
}

function ratio(results: Results, fn: Fn, of: Impl, to: Impl): number | undefined {
  const a = results[fn][of];
  const b = results[fn][to];
  return a && b ? a.medianNs / b.medianNs : undefined;
}

export function checkTargets(results: Results): Target[] {
  const infoVsC = ratio(results, 'info', 'tsvirt', 'c');
  const first: Target = {
    name: 'generated layer within 2x of C on virDomainGetInfo',
    status: infoVsC === undefined ? 'SKIP' : infoVsC <= 2 ? 'PASS' : 'FAIL',
    detail: infoVsC === undefined ? 'C or tsvirt column missing' : `tsvirt/C = ${infoVsC.toFixed(2)}x (limit 2.00x)`,
  };

  const vsPy = (Object.keys(FNS) as Fn[]).map((fn) => [fn, ratio(results, fn, 'tsvirt', 'python')] as const);
  const missing = vsPy.some(([, r]) => r === undefined);
  const slower = vsPy.filter(([, r]) => r !== undefined && r > 1);
  const second: Target = {
    name: 'no slower than libvirt-python on any of the three',
    status: missing ? 'SKIP' : slower.length > 0 ? 'FAIL' : 'PASS',
    detail: missing
      ? 'libvirt-python or tsvirt column missing'
      : vsPy.map(([fn, r]) => `${FNS[fn]} ${(r ?? 0).toFixed(2)}x`).join(', ') + ' (tsvirt/python, limit 1.00x)',
  };
  return [first, second];
}

const us = (c: Cell | undefined): string => (c ? (c.medianNs / 1000).toFixed(3) : 'skipped');
const x = (r: number | undefined): string => (r === undefined ? '-' : `${r.toFixed(2)}x`);

export function formatTable(results: Results): string {
  const head = ['function', 'C (us/call)', 'libvirt-python', 'tsvirt', 'tsvirt/C', 'tsvirt/python'];
  const rows = (Object.keys(FNS) as Fn[]).map((fn) => {
    const r = results[fn];
    return [FNS[fn], us(r.c), us(r.python), us(r.tsvirt),
      x(ratio(results, fn, 'tsvirt', 'c')), x(ratio(results, fn, 'tsvirt', 'python'))];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}
