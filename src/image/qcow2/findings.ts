/**
 * Structured findings: every problem `check` (or a lenient read) meets, with a stable code, the
 * counter it adds to, where it is, and qemu-img's own stderr line for it.
 *
 * A hostile image can hold billions of problems (every entry of a 2 MiB L2 table, referenced
 * from every L1 entry), so only the first CHECK_MAX_LISTED_FINDINGS are kept; the counters stay
 * exact, and one last finding says how many more were not listed.
 */
import { CHECK_MAX_LISTED_FINDINGS } from '../limits.js';


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

export class FindingList {
  private readonly listed: Finding[] = [];
  private notListed = 0;
  corruptions = 0;
  leaks = 0;
  checkErrors = 0;

  constructor(private readonly maxListed: number = CHECK_MAX_LISTED_FINDINGS) {}

  add(code: FindingCode, severity: FindingSeverity, message: FindingMessage, offset?: number): void {
    this.count(severity, 1);
    if (this.listed.length >= this.maxListed) {
      this.notListed++;
      return;
    }
    const text = typeof message === 'string' ? message : message();
    this.listed.push(offset === undefined ? { code, severity, message: text } : { code, severity, message: text, offset });
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

  private count(severity: FindingSeverity, n: number): void {
    if (severity === 'corruption') this.corruptions += n;
    else if (severity === 'leak') this.leaks += n;
    else if (severity === 'check-error') this.checkErrors += n;
  }
}

export const hex = (n: number): string => n.toString(16);
