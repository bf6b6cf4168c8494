/**
 * Structured findings: every problem `check` (or a lenient read) meets, with a stable code, the
 * counter it adds to, where it is, and qemu-img's own stderr line for it.
 */

export type FindingSeverity = 'corruption' | 'leak' | 'check-error' | 'warning';

export type FindingCode =
  | 'REFCOUNT_TOO_LOW'
  | 'LEAKED_CLUSTER'
  | 'REFCOUNT_UNREADABLE'
  | 'REFCOUNT_OVERFLOW'
  | 'REGION_BEYOND_EOF'
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

export class FindingList {
  readonly items: Finding[] = [];
  corruptions = 0;
  leaks = 0;
  checkErrors = 0;

  add(code: FindingCode, severity: FindingSeverity, message: string, offset?: number): void {
    this.items.push(offset === undefined ? { code, severity, message } : { code, severity, message, offset });
    if (severity === 'corruption') this.corruptions++;
    else if (severity === 'leak') this.leaks++;
    else if (severity === 'check-error') this.checkErrors++;
  }
}

export const hex = (n: number): string => n.toString(16);
