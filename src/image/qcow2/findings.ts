/**
 * Structured findings: every problem `check` (or a lenient read) meets, with a stable code, the
 * counter it adds to, where it is, and qemu-img's own stderr line for it.
 *
 * A hostile image can hold billions of problems (every entry of a 2 MiB L2 table, referenced
 * from every L1 entry), so only the first CHECK_MAX_LISTED_FINDINGS are kept; the counters stay
 * exact, and one last finding says how many more were not listed.
 */
import { CHECK_MAX_LISTED_FINDINGS, CHECK_MAX_RECORDED_FINDINGS } from '../limits.js';

export type FindingSeverity = 'corruption' | 'leak' | 'check-error' | 'warning';

export type FindingCode =
  | 'REFCOUNT_TOO_LOW'
  | 'LEAKED_CLUSTER'
  | 'REFCOUNT_UNREADABLE'
  | 'REFCOUNT_OVERFLOW'
  | 'REGION_BEYOND_EOF'
  | 'L1_READ_FAILED'
  | 'L1_RESERVED_BITS'
  | 'L2_TABLE_UNALIGNED'
  | 'L2_RESERVED_BITS'
  | 'DATA_CLUSTER_UNALIGNED'
  | 'PREALLOCATED_CLUSTER_UNALIGNED'
  | 'COMPRESSED_COPIED'
  | 'COMPRESSED_WITH_DATA_FILE'
  | 'COMPRESSED_WITH_SUBCLUSTER_BITMAP'
  | 'SUBCLUSTER_BITMAP_CORRUPT'
  | 'UNALLOCATED_WITH_SUBCLUSTER_BITMAP'
  // No longer made by check: an offset at or above 2^53 is counted as beyond the end of the file.
  | 'OFFSET_UNSAFE'
  | 'REFTABLE_RESERVED_BITS'
  | 'REFBLOCK_UNALIGNED'
  | 'REFBLOCK_OUTSIDE_IMAGE'
  | 'REFBLOCK_REFCOUNT'
  | 'SNAPSHOT_L1_UNALIGNED'
  | 'SNAPSHOT_L1_TOO_LARGE'
  | 'SNAPSHOTS_WITH_DATA_FILE'
  | 'SNAPSHOT_ENTRY_INCOMPLETE'
  | 'BITMAP_DIRECTORY_INVALID'
  | 'BITMAP_TABLE_ENTRY_INVALID'
  | 'OFLAG_COPIED_L2'
  | 'OFLAG_COPIED_DATA'
  | 'CHECK_FAILED'
  | 'FINDINGS_NOT_LISTED'
  // A lenient check whose open skipped metadata owning clusters: they are counted as leaks.
  | 'LEAK_COUNT_UNRELIABLE'
  // Found while opening (lenient mode turns errors into these; warnings come in both modes):
  | 'UNSUPPORTED_FEATURE'
  | 'HEADER_INVALID'
  | 'TABLE_INVALID'
  | 'HEADER_EXTENSION_INVALID'
  | 'BACKING_NAME_INVALID'
  | 'SNAPSHOT_TABLE_INVALID'
  | 'SNAPSHOT_L1_INVALID'
  | 'BITMAPS_INVALID'
  | 'BITMAPS_IGNORED'
  | 'LUKS_HEADER_INVALID'
  | 'HEADER_LENGTH_UNALIGNED'
  | 'HEADER_PADDING_NONZERO'
  | 'UNKNOWN_EXTENSION'
  | 'UNKNOWN_FEATURE_BIT';

export interface Finding {
  readonly code: FindingCode;
  readonly severity: FindingSeverity;
  /** The line qemu-img check prints on stderr for this problem (without the newline). */
  readonly message: string;
  /** Byte offset in the image file the problem is about, when there is one. */
  readonly offset?: number;
}

/** A message, or what builds it: built only for a finding that is kept (hot loops pass a closure). */
export type FindingMessage = string | (() => string);

/**
 * The message (or offset) to pass for a finding added to a full list, which never builds it:
 * callers adding millions of findings pass this then instead of making a closure for each.
 */
export const UNLISTED = (): never => {
  throw new Error('a finding added to a full list was built');
};

/**
 * The findings one step added (one walk of an L2 table, say), so that the same step met again
 * adds them again without being redone: exact counts always, and the findings themselves when
 * all of them were listed and there are at most CHECK_MAX_RECORDED_FINDINGS.
 */
export interface FindingRecord {
  /** Unset while there are none (most walks find nothing). */
  findings?: Finding[];
  /** Every finding of the step is in `findings`. */
  complete: boolean;
  corruptions: number;
  leaks: number;
  checkErrors: number;
  /** All findings, warnings included. */
  total: number;
}

interface Recording {
  readonly record: FindingRecord;
  /** A finding whose cause is not the step alone (a count that overflows), left out. */
  readonly skip: FindingCode;
}

export class FindingList {
  private readonly listed: Finding[] = [];
  private notListed = 0;
  corruptions = 0;
  leaks = 0;
  checkErrors = 0;
  private recording: Recording | undefined;

  constructor(private readonly maxListed: number = CHECK_MAX_LISTED_FINDINGS) {}

  add(code: FindingCode, severity: FindingSeverity, message: FindingMessage, offset?: number): void {
    this.count(severity, 1);
    if (this.full) {
      this.notListed++;
      this.noteRecorded(code, severity, undefined);
      return;
    }
    const text = typeof message === 'string' ? message : message();
    const finding: Finding = offset === undefined ? { code, severity, message: text } : { code, severity, message: text, offset };
    this.listed.push(finding);
    this.noteRecorded(code, severity, finding);
  }

  /** No more findings are listed, only counted. */
  get full(): boolean {
    return this.listed.length >= this.maxListed;
  }

  /** Starts a record of what is added from now on, but `skip` findings (see FindingRecord). */
  startRecord(skip: FindingCode): void {
    this.recording = { record: { complete: true, corruptions: 0, leaks: 0, checkErrors: 0, total: 0 }, skip };
  }

  stopRecord(): FindingRecord {
    const r = this.recording;
    if (!r) throw new Error('no finding record was started');
    this.recording = undefined;
    return r.record;
  }

  /**
   * Adds what a record holds again, in the same order; false when it must be done by redoing the
   * step instead (some findings were not kept, and the list still has room for them).
   */
  replay(record: FindingRecord): boolean {
    if (this.full) {
      this.notListed += record.total;
      this.corruptions += record.corruptions;
      this.leaks += record.leaks;
      this.checkErrors += record.checkErrors;
      return true;
    }
    if (!record.complete) return false;
    for (const f of record.findings ?? []) this.add(f.code, f.severity, f.message, f.offset);
    return true;
  }

  /**
   * `count` findings of one kind in a row (one per cluster of a run, say), the i-th with
   * message(i) at offset(i): counted at once, built only as far as the list has room.
   */
  addRun(code: FindingCode, severity: FindingSeverity, count: number, message: (i: number) => string, offset: (i: number) => number): void {
    const room = Math.max(0, Math.min(count, this.maxListed - this.listed.length));
    for (let i = 0; i < room; i++) this.listed.push({ code, severity, message: message(i), offset: offset(i) });
    this.notListed += count - room;
    this.count(severity, count);
    // Counted, not kept one by one: a replay of this record redoes the step.
    if (count > 0) this.noteRecorded(code, severity, undefined, count);
  }

  /** Findings met but not kept. */
  get unlisted(): number {
    return this.notListed;
  }

  /** The kept findings, then (when some were not kept) one FINDINGS_NOT_LISTED saying how many. */
  get items(): readonly Finding[] {
    if (this.notListed === 0) return this.listed;
    const message = `${this.notListed} more problems were found and not listed (only the first ${this.maxListed} are)`;
    return [...this.listed, { code: 'FINDINGS_NOT_LISTED', severity: 'warning', message }];
  }

  private noteRecorded(code: FindingCode, severity: FindingSeverity, listed: Finding | undefined, n = 1): void {
    const r = this.recording;
    if (!r || code === r.skip) return;
    const rec = r.record;
    rec.total += n;
    if (severity === 'corruption') rec.corruptions += n;
    else if (severity === 'leak') rec.leaks += n;
    else if (severity === 'check-error') rec.checkErrors += n;
    if (listed && rec.complete && (rec.findings?.length ?? 0) < CHECK_MAX_RECORDED_FINDINGS) (rec.findings ??= []).push(listed);
    else rec.complete = false;
  }

  private count(severity: FindingSeverity, n: number): void {
    if (severity === 'corruption') this.corruptions += n;
    else if (severity === 'leak') this.leaks += n;
    else if (severity === 'check-error') this.checkErrors += n;
  }
}

export const hex = (n: number): string => n.toString(16);
