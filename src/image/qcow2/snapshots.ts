/**
 * The internal snapshot table: nb_snapshots variable-length entries, each starting 8-byte aligned.
 * Read as qemu 7.2's qcow2_do_read_snapshots reads it (same defaults for missing extra data and
 * same messages). Each snapshot's L1 table gets only the checks qemu makes before it uses one
 * (qcow2_validate_table) and a file-size check; its entries are never read here, since qemu's
 * open does not read them either and many snapshots may claim the same 32 MiB table. Walking
 * the entries is `check`'s job (check-tables.ts), as it is qemu-img check's.
 */
import { ImageCorruptError, ImageOffsetError, isImageError } from '../errors.js';
import type { ImageError } from '../errors.js';
import { ReadWindow } from '../image-file.js';
import type { ImageFile } from '../image-file.js';
import {
  bound, MAX_SAFE_OFFSET_BYTES, QCOW2_LISTED_SNAPSHOT_ID_BYTES, QCOW2_LISTED_SNAPSHOT_NAME_BYTES, QCOW2_MAX_L1_BYTES,
  QCOW2_MAX_SNAPSHOT_COUNT, QCOW2_MAX_SNAPSHOT_EXTRA_BYTES, QCOW2_MAX_SNAPSHOT_TABLE_BYTES, QCOW2_SNAPSHOT_ENTRY_FIXED_BYTES,
} from '../limits.js';
import { cStringFromBytes, hexBytes } from '../text.js';
import { readBigU64BE } from '../u64.js';
import type { Qcow2Header } from './header.js';

/** Known extra data: u64 vm_state_size_large, u64 disk_size, u64 icount. */
const KNOWN_EXTRA_BYTES = 24;
/** qcow2_validate_table compares offset + size with INT64_MAX. */
const INT64_MAX = 2n ** 63n - 1n;

export interface Qcow2Snapshot {
  readonly index: number;
  /** Where this entry starts in the file. */
  readonly entryOffset: number;
  /** -1 when the stored offset is at or above 2^53 (l1Problems says so; qemu still opens the image). */
  readonly l1TableOffset: number;
  /** The stored offset as it is, for the messages that print it whatever its size. */
  readonly l1TableOffsetRaw: bigint;
  readonly l1Size: number;
  /** The whole id and name, decoded, as qemu's checks print them. */
  readonly id: string;
  readonly name: string;
  /** Their bytes up to the first NUL: qemu lists only a prefix of them (listedText). */
  readonly idBytes: Uint8Array;
  readonly nameBytes: Uint8Array;
  readonly dateSec: number;
  readonly dateNsec: number;
  readonly vmClockNsec: bigint;
  /**
   * vm_state_size_large when present, else the 32-bit field. qemu uses it only to load the VM
   * state, so any value opens; at or above 2^53 this is the nearest double (what qemu's size_to_str
   * prints from too), and vmStateSizeRaw the exact value.
   */
  readonly vmStateSize: number;
  readonly vmStateSizeRaw: bigint;
  /**
   * Virtual disk size when the snapshot was taken; the current size when the entry lacks it.
   * qemu uses it only when reverting to the snapshot; as vmStateSize, diskSizeRaw is exact.
   */
  readonly diskSize: number;
  readonly diskSizeRaw: bigint;
  /** undefined when absent or -1 (record/replay disabled). */
  readonly icount: bigint | undefined;
  readonly extraDataSize: number;
  /** Hex of extra data beyond the 24 bytes qemu knows. */
  readonly unknownExtraData: string | undefined;
  /** What is wrong with where this snapshot's L1 table is (size, offset, inside the file); empty when nothing. */
  readonly l1Problems: readonly string[];
}

export interface SnapshotTable {
  readonly snapshots: readonly Qcow2Snapshot[];
  /** Bytes the table occupies, from snapshots_offset (what qemu calls snapshots_size). */
  readonly sizeBytes: number;
  /** Only when read with `partial`: why the entries after `snapshots` could not be read. */
  readonly error?: ImageError;
}

export interface SnapshotTableOptions {
  /** A lenient open: an entry that cannot be read ends the table, the entries before it are kept, with the error. */
  readonly partial?: boolean;
  /** As qemu-img check opens: entries past the end of the file read as zeros instead of failing. */
  readonly pastEofReadsZeros?: boolean;
}

/** The table, or the error qemu's open fails with (see SnapshotTableOptions). */
export function readSnapshotTable(file: ImageFile, h: Qcow2Header, options: SnapshotTableOptions = {}): SnapshotTable {
  const partial = options.partial ?? false;
  // undefined: the entries' ranges are bounded by size only, and read as zeros past the end.
  const fileSize = options.pastEofReadsZeros ? undefined : file.size;
  const snapshots: Qcow2Snapshot[] = [];
  // Entries are contiguous: read ahead.
  const table = new ReadWindow(file, 256 * 1024);
  // The header check refuses more than qemu's maximum, but a lenient open goes on past that
  // refusal: never read more entries than any image qemu opens can have.
  const count = Math.min(h.nbSnapshots, QCOW2_MAX_SNAPSHOT_COUNT);
  let offset = h.snapshotsOffset;
  try {
    for (let i = 0; i < count; i++) {
      const start = Math.ceil(offset / 8) * 8;
      const { snapshot, next } = readEntry(file, table, h, i, start, fileSize);
      if (next - h.snapshotsOffset > QCOW2_MAX_SNAPSHOT_TABLE_BYTES) throw new ImageCorruptError('Snapshot table is too big', h.snapshotsOffset);
      snapshots.push(snapshot);
      offset = next;
    }
  } catch (err) {
    if (!partial || !isImageError(err)) throw err;
    return { snapshots, sizeBytes: offset - h.snapshotsOffset, error: err };
  }
  return { snapshots, sizeBytes: offset - h.snapshotsOffset };
}

/** Entry `i` at `offset` (already aligned); `next` is where its name ends. */
function readEntry(file: ImageFile, table: ReadWindow, h: Qcow2Header, i: number, offset: number, fileSize: number | undefined): { snapshot: Qcow2Snapshot; next: number } {
  const fixed = Buffer.from(table.view(bound({ what: `snapshot table entry ${i}`, count: QCOW2_SNAPSHOT_ENTRY_FIXED_BYTES, limitBytes: QCOW2_SNAPSHOT_ENTRY_FIXED_BYTES, offset, ...(fileSize === undefined ? {} : { fileSize }) }).offset, QCOW2_SNAPSHOT_ENTRY_FIXED_BYTES));
  // Layout: 0 l1_table_offset(8), 8 l1_size, 12 id_str_size(2), 14 name_size(2), 16 date_sec,
  // 20 date_nsec, 24 vm_clock_nsec(8), 32 vm_state_size, 36 extra_data_size.
  const extraDataSize = fixed.readUInt32BE(36);
  const idSize = fixed.readUInt16BE(12);
  const nameSize = fixed.readUInt16BE(14);
  bound({ what: `extra data of snapshot table entry ${i}`, count: extraDataSize, limitBytes: QCOW2_MAX_SNAPSHOT_EXTRA_BYTES,
    limitMessage: `Too much extra metadata in snapshot table entry ${i}` });
  const varLength = extraDataSize + idSize + nameSize;
  // A view into the read-ahead window: only what is kept is copied out of it.
  const rest = table.view(bound({ what: `snapshot table entry ${i}`, count: varLength, limitBytes: QCOW2_MAX_SNAPSHOT_TABLE_BYTES, offset: offset + 40, ...(fileSize === undefined ? {} : { fileSize }) }).offset, varLength);
  const idBytes = cStringBytes(rest.subarray(extraDataSize, extraDataSize + idSize));
  const nameBytes = cStringBytes(rest.subarray(extraDataSize + idSize, varLength));
  const snapshot = decodeEntry(file, h, { index: i, entryOffset: offset, fixed, extra: rest.subarray(0, extraDataSize), idBytes, nameBytes });
  return { snapshot, next: offset + 40 + varLength };
}

/** One entry's parts: the fixed 40 bytes, its extra data and its id and name bytes. */
interface RawEntry {
  readonly index: number;
  readonly entryOffset: number;
  readonly fixed: Buffer;
  readonly extra: Buffer;
  readonly idBytes: Uint8Array;
  readonly nameBytes: Uint8Array;
}

const NO_BYTES = new Uint8Array(0);

/** A copy of the bytes before the first NUL (what qemu's C string holds). */
function cStringBytes(bytes: Uint8Array): Uint8Array {
  const nul = bytes.indexOf(0);
  const end = nul < 0 ? bytes.length : nul;
  return end === 0 ? NO_BYTES : new Uint8Array(bytes.subarray(0, end));
}

/**
 * An id or name as qemu lists it (info, snapshot -l): copied into QEMUSnapshotInfo's char[128] /
 * char[256], so only its first 127 / 255 bytes, which may end inside a character. Decoded like
 * the rest: a cut character becomes U+FFFD, as in qemu's JSON and on a UTF-8 terminal.
 */
export function listedText(bytes: Uint8Array, field: 'id' | 'name'): { text: string; bytes: number } {
  const cut = bytes.subarray(0, field === 'id' ? QCOW2_LISTED_SNAPSHOT_ID_BYTES : QCOW2_LISTED_SNAPSHOT_NAME_BYTES);
  return { text: cStringFromBytes(cut), bytes: cut.length };
}

/**
 * The snapshot from its raw parts, built as one object literal: spreading a partial object into
 * it made reading 65536 entries several times slower.
 */
function decodeEntry(file: ImageFile, h: Qcow2Header, e: RawEntry): Qcow2Snapshot {
  const { index, fixed, extra } = e;
  const l1Offset = readBigU64BE(fixed, 0);
  const l1Size = fixed.readUInt32BE(8);
  const icount = extra.length >= 24 ? readBigU64BE(extra, 16) : undefined;
  // Sizes, never offsets: kept exact whatever their value (see Qcow2Snapshot).
  const vmStateSize = extra.length >= 8 ? readBigU64BE(extra, 0) : BigInt(fixed.readUInt32BE(32));
  const diskSize = extra.length >= 16 ? readBigU64BE(extra, 8) : BigInt(h.virtualSize);
  return {
    index,
    entryOffset: e.entryOffset,
    l1TableOffset: l1Offset < BigInt(MAX_SAFE_OFFSET_BYTES) ? Number(l1Offset) : -1,
    l1TableOffsetRaw: l1Offset,
    l1Size,
    id: cStringFromBytes(e.idBytes),
    name: cStringFromBytes(e.nameBytes),
    idBytes: e.idBytes,
    nameBytes: e.nameBytes,
    dateSec: fixed.readUInt32BE(16),
    dateNsec: fixed.readUInt32BE(20),
    vmClockNsec: readBigU64BE(fixed, 24),
    vmStateSize: Number(vmStateSize),
    vmStateSizeRaw: vmStateSize,
    diskSize: Number(diskSize),
    diskSizeRaw: diskSize,
    icount: icount === undefined || icount === 0xffffffffffffffffn ? undefined : icount,
    extraDataSize: extra.length,
    unknownExtraData: extra.length > KNOWN_EXTRA_BYTES ? hexBytes(extra.subarray(KNOWN_EXTRA_BYTES), 64) : undefined,
    l1Problems: snapshotL1Problems(file, h, l1Offset, l1Size),
  };
}

/**
 * qemu's qcow2_validate_table for a snapshot L1 (size limit, then offset + size within INT64_MAX
 * and cluster aligned; the first failure only, as qemu reports it), then what qemu does not
 * check: an offset a JS number holds exactly, and the table inside the file. Constant time: the
 * table itself is not read.
 */
function snapshotL1Problems(file: ImageFile, h: Qcow2Header, offset: bigint, l1Size: number): string[] {
  const tooLarge = 'Snapshot L1 table too large';
  if (l1Size * 8 > QCOW2_MAX_L1_BYTES) return [tooLarge];
  if (offset > INT64_MAX - BigInt(l1Size * 8) || offset % BigInt(h.clusterSize) !== 0n) return ['Snapshot L1 table offset invalid'];
  if (offset >= BigInt(MAX_SAFE_OFFSET_BYTES)) return [new ImageOffsetError('Snapshot L1 table offset', offset).message];
  try {
    bound({ what: 'snapshot L1 table', count: l1Size, entryBytes: 8, limitBytes: QCOW2_MAX_L1_BYTES, limitMessage: tooLarge, offset: Number(offset), fileSize: file.size });
  } catch (err) {
    if (!isImageError(err)) throw err;
    return [err.message];
  }
  return [];
}
