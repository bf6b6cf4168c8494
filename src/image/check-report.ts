/**
 * What `qemu-img check` prints and returns: the ImageCheck JSON (keys present only when
 * non-zero, as qemu does), the human summary, and the exit code (0 clean, 2 corruptions,
 * 3 leaks only, 1 check not completed, 63 format without checks).
 */
import type { JsonObject } from './info.js';
import { qemuJsonPretty } from './qemu-json.js';
import type { Qcow2CheckResult } from './qcow2/check.js';

export interface CheckReport {
  readonly filename: string;
  readonly format: string;
  readonly result: Qcow2CheckResult;
  /**
   * Why the leak count cannot be trusted (a lenient check whose open skipped metadata that owns
   * clusters); the summary then says so instead of "no harm to data".
   */
  readonly leaksUnreliable?: string | undefined;
}

const nonZero = (n: number): number | undefined => (n !== 0 ? n : undefined);

export function checkJson(r: CheckReport): JsonObject {
  const f = r.result.fragmentation;
  return {
    filename: r.filename,
    format: r.format,
    'check-errors': r.result.checkErrors,
    'image-end-offset': nonZero(r.result.imageEndOffset),
    corruptions: nonZero(r.result.corruptions),
    leaks: nonZero(r.result.leaks),
    'corruptions-fixed': undefined,
    'leaks-fixed': undefined,
    'total-clusters': nonZero(f.totalClusters),
    'allocated-clusters': nonZero(f.allocatedClusters),
    'fragmented-clusters': nonZero(f.fragmentedClusters),
    'compressed-clusters': nonZero(f.compressedClusters),
  };
}

export function checkJsonText(r: CheckReport): string {
  return `${qemuJsonPretty(checkJson(r))}\n`;
}

/**
 * printf("%0.2f") of a double. JS toFixed rounds exact ties up; glibc rounds them to even. A
 * tie at two decimals needs x = j/8 with j odd (x*8 is exact), so only those are corrected.
 */
export function cFixed2(x: number): string {
  const eighths = x * 8;
  if (Number.isInteger(eighths) && eighths % 2 !== 0) {
    const hundredthsDown = Math.floor(x * 100);
    const pick = hundredthsDown % 2 === 0 ? hundredthsDown : hundredthsDown + 1;
    return (pick / 100).toFixed(2);
  }
  return x.toFixed(2);
}

export function checkHumanText(r: CheckReport): string {
  const { corruptions, leaks, checkErrors, imageEndOffset } = r.result;
  const f = r.result.fragmentation;
  let s = '';
  if (!(corruptions || leaks || checkErrors)) s += 'No errors were found on the image.\n';
  else {
    if (corruptions) s += `\n${corruptions} errors were found on the image.\nData may be corrupted, or further writes to the image may corrupt it.\n`;
    if (leaks) {
      s += `\n${leaks} leaked clusters were found on the image.\n`;
      s += r.leaksUnreliable === undefined
        ? 'This means waste of disk space, but no harm to data.\n'
        : `This count is unreliable: ${r.leaksUnreliable}.\nDo not repair these leaks: the clusters may hold data.\n`;
    }
    if (checkErrors) s += `\n${checkErrors} internal errors have occurred during the check.\n`;
  }
  if (f.totalClusters !== 0 && f.allocatedClusters !== 0) {
    s += `${f.allocatedClusters}/${f.totalClusters} = ${cFixed2((f.allocatedClusters * 100) / f.totalClusters)}% allocated, `
      + `${cFixed2((f.fragmentedClusters * 100) / f.allocatedClusters)}% fragmented, `
      + `${cFixed2((f.compressedClusters * 100) / f.allocatedClusters)}% compressed clusters\n`;
  }
  if (imageEndOffset) s += `Image end offset: ${imageEndOffset}\n`;
  return s;
}

/**
 * The stderr lines qemu-img check prints while checking, in order; past CHECK_MAX_LISTED_FINDINGS
 * the last line says how many more there were instead. The counts (summary, JSON) stay exact, and
 * the JSON has no field for this: it lists no findings, so nothing in it is cut.
 */
export function checkStderrText(r: CheckReport): string {
  return r.result.findings.map((f) => `${f.message}\n`).join('');
}

export function checkExitCode(r: CheckReport): number {
  if (r.result.checkErrors) return 1;
  if (r.result.corruptions) return 2;
  if (r.result.leaks) return 3;
  return 0;
}
