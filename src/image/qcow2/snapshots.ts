/**
 * The internal snapshot table: nb_snapshots variable-length entries, each starting 8-byte aligned.
 * Read as qemu 7.2's qcow2_do_read_snapshots reads it (same defaults for missing extra data and
 * same messages), then each snapshot's own L1 table is validated, which qemu only does lazily.
 */
import { ImageCorruptError, isImageError } from '../errors.js';
import { ReadWindow } from '../image-file.js';
import type { ImageFile } from '../image-file.js';
import {
  bound, QCOW2_MAX_L1_BYTES, QCOW2_MAX_SNAPSHOT_EXTRA_BYTES, QCOW2_MAX_SNAPSHOT_TABLE_BYTES, QCOW2_SNAPSHOT_ENTRY_FIXED_BYTES,
} from '../limits.js';
import { cStringFromBytes, hexBytes } from '../text.js';
import { readBigU64BE, readU64BE } from '../u64.js';
import type { Qcow2Header } from './header.js';
import { entryOffset, L1E_RESERVED_MASK_HI, L1E_RESERVED_MASK_LO } from './table-entries.js';

/** Known extra data: u64 vm_state_size_large, u64 disk_size, u64 icount. */
const KNOWN_EXTRA_BYTES = 24;

export interface Qcow2Snapshot {
  readonly index: number;
  /** Where this entry starts in the file. */
  readonly entryOffset: number;
  readonly l1TableOffset: number;
  readonly l1Size: number;
  readonly id: string;
  readonly name: string;
  readonly dateSec: number;
  readonly dateNsec: number;
  readonly vmClockNsec: bigint;
  /** vm_state_size_large when present, else the 32-bit field. */
  readonly vmStateSize: number;
  /** Virtual disk size when the snapshot was taken; the current size when the entry lacks it. */
  readonly diskSize: number;
  /** undefined when absent or -1 (record/replay disabled). */
  readonly icount: bigint | undefined;
  readonly extraDataSize: number;
  /** Hex of extra data beyond the 24 bytes qemu knows. */
  readonly unknownExtraData: string | undefined;
  /** Problems found with this snapshot's L1 table; empty when it is valid. */
  readonly l1Problems: readonly string[];
}

export interface SnapshotTable {
  readonly snapshots: readonly Qcow2Snapshot[];
  /** Bytes the table occupies, from snapshots_offset (what qemu calls snapshots_size). */
  readonly sizeBytes: number;
}

export function readSnapshotTable(file: ImageFile, h: Qcow2Header): SnapshotTable {
  const snapshots: Qcow2Snapshot[] = [];
  // Entries are contiguous and snapshot L1 tables mostly follow each other: read ahead for both.
  const table = new ReadWindow(file, 256 * 1024);
  const l1Window = new ReadWindow(file, 256 * 1024);
  let offset = h.snapshotsOffset;
  for (let i = 0; i < h.nbSnapshots; i++) {
    offset = Math.ceil(offset / 8) * 8;
    const fixed = Buffer.from(table.view(bound({ what: `snapshot table entry ${i}`, count: QCOW2_SNAPSHOT_ENTRY_FIXED_BYTES, limitBytes: QCOW2_SNAPSHOT_ENTRY_FIXED_BYTES, offset, fileSize: file.size }).offset, QCOW2_SNAPSHOT_ENTRY_FIXED_BYTES));
    // Layout: 0 l1_table_offset(8), 8 l1_size, 12 id_str_size(2), 14 name_size(2), 16 date_sec,
    // 20 date_nsec, 24 vm_clock_nsec(8), 32 vm_state_size, 36 extra_data_size.
    const extraDataSize = fixed.readUInt32BE(36);
    const idSize = fixed.readUInt16BE(12);
    const nameSize = fixed.readUInt16BE(14);
    bound({ what: `extra data of snapshot table entry ${i}`, count: extraDataSize, limitBytes: QCOW2_MAX_SNAPSHOT_EXTRA_BYTES,
      limitMessage: `Too much extra metadata in snapshot table entry ${i}` });
    const varLength = extraDataSize + idSize + nameSize;
    const rest = Buffer.from(table.view(bound({ what: `snapshot table entry ${i}`, count: varLength, limitBytes: QCOW2_MAX_SNAPSHOT_TABLE_BYTES, offset: offset + 40, fileSize: file.size }).offset, varLength));
    const extra = rest.subarray(0, extraDataSize);
    const entry = decodeEntry(i, offset, fixed, extra, h);
    const id = cStringFromBytes(rest.subarray(extraDataSize, extraDataSize + idSize));
    const name = cStringFromBytes(rest.subarray(extraDataSize + idSize, varLength));
    snapshots.push({ ...entry, id, name, l1Problems: snapshotL1Problems(file, l1Window, h, entry.l1TableOffset, entry.l1Size) });
    offset += 40 + varLength;
    if (offset - h.snapshotsOffset > QCOW2_MAX_SNAPSHOT_TABLE_BYTES) throw new ImageCorruptError('Snapshot table is too big', h.snapshotsOffset);
  }
  return { snapshots, sizeBytes: offset - h.snapshotsOffset };
}

type EntryFields = Omit<Qcow2Snapshot, 'id' | 'name' | 'l1Problems'>;

function decodeEntry(index: number, entryOffset: number, fixed: Buffer, extra: Buffer, h: Qcow2Header): EntryFields {
  const icount = extra.length >= 24 ? readBigU64BE(extra, 16) : undefined;
  return {
    index,
    entryOffset,
    l1TableOffset: readU64BE(fixed, 0, `snapshot ${index} L1 table offset`),
    l1Size: fixed.readUInt32BE(8),
    dateSec: fixed.readUInt32BE(16),
    dateNsec: fixed.readUInt32BE(20),
    vmClockNsec: readBigU64BE(fixed, 24),
    vmStateSize: extra.length >= 8 ? readU64BE(extra, 0, `snapshot ${index} VM state size`) : fixed.readUInt32BE(32),
    diskSize: extra.length >= 16 ? readU64BE(extra, 8, `snapshot ${index} disk size`) : h.virtualSize,
    icount: icount === undefined || icount === 0xffffffffffffffffn ? undefined : icount,
    extraDataSize: extra.length,
    unknownExtraData: extra.length > KNOWN_EXTRA_BYTES ? hexBytes(extra.subarray(KNOWN_EXTRA_BYTES), 64) : undefined,
  };
}

/**
 * What qemu's check says about a snapshot L1 (offset aligned, size under 32 MiB), plus what it
 * would hit when reading it: the table inside the file, no reserved bits, aligned L2 offsets.
 */
function snapshotL1Problems(file: ImageFile, window: ReadWindow, h: Qcow2Header, l1Offset: number, l1Size: number): string[] {
  const problems: string[] = [];
  if (l1Offset % h.clusterSize !== 0) problems.push('Snapshot L1 table offset invalid');
  try {
    bound({ what: 'snapshot L1 table', count: l1Size, entryBytes: 8, limitBytes: QCOW2_MAX_L1_BYTES, limitMessage: 'Snapshot L1 table too large', offset: l1Offset, fileSize: file.size });
  } catch (err) {
    if (!isImageError(err)) throw err;
    problems.push(err.message);
    return problems;
  }
  if (problems.length > 0) return problems;
  const l1 = window.view(l1Offset, l1Size * 8);
  for (let i = 0; i < l1Size; i++) {
    const hi = l1.readUInt32BE(i * 8);
    const lo = l1.readUInt32BE(i * 8 + 4);
    if ((hi & L1E_RESERVED_MASK_HI) !== 0 || (lo & L1E_RESERVED_MASK_LO) !== 0) problems.push(`L1 entry ${i} has reserved bits set`);
    const l2Offset = entryOffset(hi, lo);
    if (l2Offset === 0) continue;
    if (l2Offset % h.clusterSize !== 0) problems.push(`L1 entry ${i}: L2 table offset 0x${l2Offset.toString(16)} is not cluster aligned`);
    else if (l2Offset + h.clusterSize > file.size) problems.push(`L1 entry ${i}: L2 table at 0x${l2Offset.toString(16)} is beyond the end of the file`);
    if (problems.length >= 16) break;
  }
  return problems;
}
