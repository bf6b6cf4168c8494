/**
 * What a lenient `check` adds to the check proper: the problems the lenient open skipped. qemu-img
 * cannot check such an image at all (it fails to open it, or reads what is there and reports it),
 * so a check that went on past them must not come out cleaner than the image is: each one is an
 * error ("N errors were found", JSON corruptions, exit 2), printed as an ERROR line; and since
 * metadata that was not read (a snapshot table, say) owns clusters that nothing else references,
 * the leak count is said to be unreliable rather than "no harm to data".
 */
import type { Qcow2CheckResult } from './qcow2/check.js';
import type { Finding, FindingCode } from './qcow2/findings.js';

interface SkippedPart {
  /** What the open could not read, for the unreliable-leaks note. */
  readonly part: string;
  /** Clusters it owns may show up as leaks. */
  readonly ownsClusters: boolean;
  /** Check findings that report the same problem again: when the check made one, this is not counted twice. */
  readonly reportedByCheck?: readonly FindingCode[];
}

/** The open findings a lenient open makes instead of failing (qcow2/open.ts `step`). */
const SKIPPED_BY_LENIENT_OPEN: Partial<Record<FindingCode, SkippedPart>> = {
  // Unknown incompatible features can be structures this reader does not know, holding clusters.
  UNSUPPORTED_FEATURE: { part: 'the incompatible features', ownsClusters: true },
  // Covers nb_snapshots over qemu's maximum: the snapshot table is then read only in part.
  TABLE_INVALID: { part: 'the header tables', ownsClusters: true },
  // Without the extensions, the bitmap directory and the LUKS header are not referenced.
  HEADER_EXTENSION_INVALID: { part: 'the header extensions', ownsClusters: true },
  BACKING_NAME_INVALID: { part: 'the backing file name', ownsClusters: false },
  SNAPSHOT_TABLE_INVALID: { part: 'the snapshot table', ownsClusters: true },
  // The check reads the bitmap directory again and reports each problem itself.
  BITMAPS_INVALID: { part: 'the bitmaps', ownsClusters: true, reportedByCheck: ['BITMAP_DIRECTORY_INVALID', 'BITMAP_TABLE_ENTRY_INVALID'] },
  LUKS_HEADER_INVALID: { part: 'the LUKS header', ownsClusters: false },
};

/** The open findings a lenient check counts as errors (those the check did not report itself). */
export function skippedByOpen(openFindings: readonly Finding[], checkFindings: readonly Finding[]): Finding[] {
  const checkCodes = new Set(checkFindings.map((f) => f.code));
  return openFindings.filter((f) => {
    const skipped = SKIPPED_BY_LENIENT_OPEN[f.code];
    return f.severity === 'corruption' && skipped !== undefined && !(skipped.reportedByCheck ?? []).some((c) => checkCodes.has(c));
  });
}

/**
 * The check result with the open's skipped parts counted: their ERROR lines first (the open came
 * first), then the check's findings, then, when there are leaks and a skipped part owns clusters,
 * a warning that the leak count is unreliable.
 */
export function withSkippedParts(result: Qcow2CheckResult, skipped: readonly Finding[]): { result: Qcow2CheckResult; leaksUnreliable: string | undefined } {
  if (skipped.length === 0) return { result, leaksUnreliable: undefined };
  const parts = [...new Set(skipped.filter((f) => SKIPPED_BY_LENIENT_OPEN[f.code]?.ownsClusters).map((f) => SKIPPED_BY_LENIENT_OPEN[f.code]?.part))];
  const leaksUnreliable = result.leaks > 0 && parts.length > 0
    ? `${parts.join(' and ')} could not be read in full, so clusters in use by ${parts.length > 1 ? 'them' : 'it'} are counted as leaked`
    : undefined;
  const errors: Finding[] = skipped.map((f) => ({ ...f, message: `ERROR ${f.message}` }));
  const note: Finding[] = leaksUnreliable === undefined
    ? []
    : [{ code: 'LEAK_COUNT_UNRELIABLE', severity: 'warning', message: `Leak count unreliable: ${leaksUnreliable}; do not repair leaks` }];
  return {
    result: { ...result, corruptions: result.corruptions + skipped.length, findings: [...errors, ...result.findings, ...note] },
    leaksUnreliable,
  };
}

/**
 * The stderr line for an open finding that left a part of the image out (lenient info and
 * snapshots print these, so a skipped snapshot table is never mistaken for an empty one);
 * undefined for the findings that did not.
 */
export function skippedPartWarning(f: Finding): string | undefined {
  const skipped = SKIPPED_BY_LENIENT_OPEN[f.code];
  if (f.severity !== 'corruption' || skipped === undefined) return undefined;
  return `${f.message} (${f.code}: ${skipped.part} not read in full)`;
}
