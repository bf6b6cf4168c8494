/**
 * Named limits (with units in their names) and the one bound check that every length, count and
 * offset read from an image goes through before anything is allocated or read.
 *
 * The qcow2 limits are qemu's own (block/qcow2.h), so an image qemu opens is never refused here
 * and an image qemu refuses for size is refused with the same reason.
 */
import { ImageLimitError } from './errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** Largest integer a JS number holds exactly; 64-bit fields at or above it are refused. */
export const MAX_SAFE_OFFSET_BYTES = 2 ** 53;

export const QCOW2_MIN_CLUSTER_BITS = 9;
export const QCOW2_MAX_CLUSTER_BITS = 21;
/** qemu QCOW_MAX_L1_SIZE. */
export const QCOW2_MAX_L1_BYTES = 32 * MiB;
/** qemu QCOW_MAX_REFTABLE_SIZE. */
export const QCOW2_MAX_REFTABLE_BYTES = 8 * MiB;
/** qemu QCOW_MAX_SNAPSHOTS. */
export const QCOW2_MAX_SNAPSHOT_COUNT = 65536;
/** qemu QCOW_MAX_SNAPSHOTS_SIZE: the whole table, entries and names. */
export const QCOW2_MAX_SNAPSHOT_TABLE_BYTES = 64 * MiB;
/** qemu QCOW_MAX_SNAPSHOT_EXTRA_DATA. */
export const QCOW2_MAX_SNAPSHOT_EXTRA_BYTES = 1 * KiB;
/** Fixed part of a snapshot table entry. */
export const QCOW2_SNAPSHOT_ENTRY_FIXED_BYTES = 40;
/** Bytes of a snapshot id qemu lists: QEMUSnapshotInfo.id_str is char[128]. */
export const QCOW2_LISTED_SNAPSHOT_ID_BYTES = 127;
/** Bytes of a snapshot name qemu lists: QEMUSnapshotInfo.name is char[256]. */
export const QCOW2_LISTED_SNAPSHOT_NAME_BYTES = 255;
/** qemu limits backing file names to 1023 bytes (PATH_MAX-ish buffer). */
export const QCOW2_MAX_BACKING_NAME_BYTES = 1023;
/** `sizeof(bs->backing_format)` - 1. */
export const QCOW2_MAX_BACKING_FORMAT_BYTES = 15;
/** qemu QCOW2_MAX_BITMAPS. */
export const QCOW2_MAX_BITMAP_COUNT = 65535;
/** qemu QCOW2_MAX_BITMAP_DIRECTORY_SIZE. */
export const QCOW2_MAX_BITMAP_DIRECTORY_BYTES = 1024 * QCOW2_MAX_BITMAP_COUNT;
/** qemu BME_MAX_NAME_SIZE. */
export const QCOW2_MAX_BITMAP_NAME_BYTES = 1023;
/** qemu BME_MAX_TABLE_SIZE: entries of one bitmap table. */
export const QCOW2_MAX_BITMAP_TABLE_ENTRIES = 0x8000000;
/** qemu BME_MAX_PHYS_SIZE: clusters a bitmap table may address, in bytes (table entries * cluster size). */
export const QCOW2_MAX_BITMAP_PHYS_BYTES = 512 * MiB;
/** An external data file name has no qemu bound but the cluster; keep it sane. */
export const QCOW2_MAX_DATA_FILE_NAME_BYTES = 4 * KiB;
/** Refcount widths up to 64 bits (refcount_order <= 6). */
export const QCOW2_MAX_REFCOUNT_ORDER = 6;

export const QCOW1_MIN_CLUSTER_BITS = 9;
export const QCOW1_MAX_CLUSTER_BITS = 16;
export const QCOW1_MIN_L2_BITS = 6;
export const QCOW1_MAX_L2_BITS = 13;
export const QCOW1_MAX_L1_BYTES = 32 * MiB;

/**
 * Bytes a format probe looks at, qemu's BLOCK_PROBE_BUF_SIZE: find_image_format() always reads
 * this many, zero-filled past the end of a shorter file, and hands every probe the full buffer.
 */
export const PROBE_BYTES = 2048;
/** Backing files followed at most; qemu has no limit, a loop is caught earlier anyway. */
export const MAX_BACKING_CHAIN_DEPTH = 64;
/** LUKS1 header: 592 bytes. */
export const LUKS1_HEADER_BYTES = 592;
/**
 * Host clusters `check` covers: qemu's INT_MAX ("Check failed: File too large" above it). The
 * refcount array it rebuilds holds one entry per host cluster, 1, 2 or 4 bytes by refcount width,
 * so this allows up to 2 GiB (refcount_bits <= 8), 4 GiB (16, the default) or 8 GiB (32, 64) of
 * memory, of the order of what qemu allocates for the same file (refcount_bits per entry).
 */
export const CHECK_MAX_HOST_CLUSTERS = 2 ** 31 - 1;
/**
 * Findings one `check` keeps with their message; past it only the counters move, and one last
 * finding says how many were not listed. 100000 findings take about 30 MB with their stderr text.
 */
export const CHECK_MAX_LISTED_FINDINGS = 100_000;
/**
 * Findings of one L2 table walk that `check` keeps to replay when another L1 entry names the same
 * table. A table with more is walked again for its findings while the list has room for them,
 * which, as each such walk lists more than this many, happens at most 100 times.
 */
export const CHECK_MAX_RECORDED_FINDINGS = 1024;
/**
 * L2 tables whose walk `check` remembers (see check-tables.ts), about 200 bytes each: a table
 * named again is then not walked again. Past it, tables not yet remembered are walked each time.
 */
export const CHECK_MAX_REMEMBERED_L2_TABLES = 2 ** 20;
/**
 * L1 entries `check` reads over the active table and every snapshot's: qemu allows 65536
 * snapshots of up to 4 Mi entries each, 2^38 in all, which would take days to walk.
 */
export const CHECK_MAX_L1_ENTRIES = 2 ** 26;
/**
 * Bytes of L2 tables at offsets that are not cluster aligned that `check` walks, each table once
 * however many L1 entries name it. qemu reports such a table and walks it all the same; it
 * overlaps the tables and data around it, so a file can name one at every 512 bytes: 3.4 GB of
 * 64 KiB tables in a 27 MB file, 110 GB of 2 MiB ones. Valid images have none. 1 GiB of tables
 * is walked in under a second where they are mostly zeros, in a few seconds where their entries
 * raise no finding, and in about 15 where each entry raises several (qemu then prints a line for
 * each finding, which takes far longer).
 */
export const CHECK_MAX_UNALIGNED_L2_BYTES = 1 * GiB;
/**
 * Bitmap table bytes `check` reads over all bitmaps. qemu's limits allow 65535 tables of up to
 * 8 MiB each, all of them possibly the same clusters; real tables are kilobytes.
 */
export const CHECK_MAX_BITMAP_TABLES_BYTES = 1024 * MiB;
/**
 * Bitmap table bytes an open reads to check the tables of the bitmaps not in use, as qemu does
 * when it loads them: every table can be up to 8 MiB and 65535 of them can overlap in one file.
 */
export const OPEN_MAX_BITMAP_TABLES_BYTES = 1024 * MiB;
/**
 * The largest window a zstd frame may declare: libzstd's default (ZSTD_WINDOWLOG_LIMIT_DEFAULT,
 * 2^27), which qemu's decompression keeps, so a frame asking for more is an I/O error in qemu.
 * The pure-JS decoder (fzstd, used where node:zlib has no zstd) would allocate up to 2 GiB.
 */
export const ZSTD_MAX_WINDOW_BYTES = 128 * MiB;
/**
 * Work the pure-JS zstd decoder may do on one compressed cluster, in bytes of window it moves: it
 * moves its whole window once per block of the frame, so a frame of a million tiny blocks takes
 * minutes. A frame qemu writes has a window of one cluster and a block per 128 KiB of it, at
 * most 16 blocks (32 MiB moved) for 2 MiB clusters; this allows 32 times that.
 */
export const ZSTD_JS_MAX_WINDOW_MOVES_BYTES = 1024 * MiB;
/** Largest single guest read the reader serves in one call. */
export const MAX_GUEST_READ_BYTES = 64 * MiB;
/**
 * Bytes one hole probe reads where the file system cannot report holes (no SEEK_HOLE), so a map
 * of a huge sparse file advances in bounded steps.
 */
export const PROBE_READ_MAX_BYTES = 64 * MiB;
/** GPT partition entries looked at, and the largest entry array. */
export const GPT_MAX_ENTRY_COUNT = 4096;
export const GPT_MAX_ENTRY_ARRAY_BYTES = 1 * MiB;

/** What the bound check is told about one thing the file claims. */
export interface BoundSpec {
  /** Human name, e.g. "active L1 table". */
  readonly what: string;
  /** Number of entries (or bytes, when entryBytes is 1) claimed by the file. */
  readonly count: number;
  /** Bytes per entry; default 1. */
  readonly entryBytes?: number;
  /** Named limit on count * entryBytes. */
  readonly limitBytes: number;
  /** qemu's wording for a count over the limit, when it has one. */
  readonly limitMessage?: string;
  /** Where the thing starts in the file; omitted for pure counts. */
  readonly offset?: number;
  /** The file's size; when given with offset, the range must lie inside the file. */
  readonly fileSize?: number;
}

export interface CheckedRange {
  readonly offset: number;
  readonly length: number;
}

/**
 * The single bound check. Throws ImageLimitError naming the thing, the observed value and the
 * limit; returns the byte range only when it is both under the named limit and inside the file.
 * The multiplication cannot overflow a double here: count and entryBytes are 32-bit at most.
 */
export function bound(spec: BoundSpec): CheckedRange {
  const entryBytes = spec.entryBytes ?? 1;
  if (!Number.isSafeInteger(spec.count) || spec.count < 0) {
    throw new ImageLimitError(spec.what, spec.count, spec.limitBytes, 'bytes', `${spec.what}: invalid count ${spec.count}`);
  }
  const length = spec.count * entryBytes;
  if (length > spec.limitBytes) {
    throw new ImageLimitError(spec.what, length, spec.limitBytes, 'bytes', spec.limitMessage);
  }
  const offset = spec.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= MAX_SAFE_OFFSET_BYTES) {
    throw new ImageLimitError(`${spec.what} offset`, offset, MAX_SAFE_OFFSET_BYTES, 'bytes');
  }
  if (spec.offset !== undefined && spec.fileSize !== undefined && offset + length > spec.fileSize) {
    throw new ImageLimitError(
      `${spec.what} end`,
      offset + length,
      spec.fileSize,
      'bytes',
      `${spec.what} at offset ${offset} with length ${length} extends beyond the end of the file (${spec.fileSize} bytes)`,
    );
  }
  return { offset, length };
}
