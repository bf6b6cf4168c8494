/**
 * Refcounts as stored (refcount table -> refcount blocks of 1..64-bit entries) and the
 * in-memory array `check` rebuilds. Sub-byte widths pack entries from the least significant bit
 * (qemu get_refcount_ro0..2); 8..64-bit entries are big-endian.
 *
 * Refcount table entry: bits 9-63 refcount block offset, bits 0-8 reserved.
 */
import { ImageLimitError } from '../errors.js';
import type { ImageFile } from '../image-file.js';
import { bound, CHECK_MAX_HOST_CLUSTERS, QCOW2_MAX_REFTABLE_BYTES } from '../limits.js';
import { requireUsableRefcountWidth } from './header.js';
import type { Qcow2Header } from './header.js';

export const REFT_RESERVED_MASK_LO = 0x1ff;

export interface RefcountTableEntry {
  readonly index: number;
  /**
   * Refcount block offset (bits 9..63). At or above 2^53 it is past the end of any file and
   * reads as zeros, as in qemu; it is then the nearest number, and `raw` holds it exactly.
   */
  readonly offset: number;
  /** The offset is a multiple of the cluster size (decided on the exact value). */
  readonly aligned: boolean;
  readonly reservedBits: boolean;
  readonly raw: bigint;
}

/**
 * The refcount table, bounded here and not only at open: a lenient open lets an oversized or
 * misplaced table through as a finding, and every reader of refcounts comes through this.
 * `pastEofReadsZeros` (check, as qemu's): a table past the end of the file reads as zeros.
 */
export function readRefcountTable(file: ImageFile, h: Qcow2Header, pastEofReadsZeros = false): RefcountTableEntry[] {
  requireUsableRefcountWidth(h);
  const { offset, length: bytes } = bound({
    what: 'refcount table', count: h.refcountTableClusters, entryBytes: h.clusterSize, limitBytes: QCOW2_MAX_REFTABLE_BYTES,
    limitMessage: 'Reference count table too large', offset: h.refcountTableOffset, ...(pastEofReadsZeros ? {} : { fileSize: file.size }),
  });
  const buf = file.read(offset, bytes);
  const out: RefcountTableEntry[] = [];
  for (let i = 0; i < bytes / 8; i++) {
    const hi = buf.readUInt32BE(i * 8);
    const lo = buf.readUInt32BE(i * 8 + 4);
    if (hi === 0 && lo === 0) {
      out.push({ index: i, offset: 0, aligned: true, reservedBits: false, raw: 0n });
      continue;
    }
    // hi * 2^32 is a multiple of every cluster size, so alignment is decided by lo alone.
    const low = (lo & 0xfffffe00) >>> 0;
    const offset = hi * 0x100000000 + low;
    out.push({ index: i, offset, aligned: low % h.clusterSize === 0, reservedBits: (lo & REFT_RESERVED_MASK_LO) !== 0, raw: (BigInt(hi) << 32n) | BigInt(lo) });
  }
  return out;
}

/** Reads entry `index` of a refcount block of the given width. */
export function refcountAt(block: Buffer, index: number, bits: number): number {
  switch (bits) {
    case 8: return block[index] ?? 0;
    case 16: return block.readUInt16BE(index * 2);
    case 32: return block.readUInt32BE(index * 4);
    case 64: {
      const hi = block.readUInt32BE(index * 8);
      const lo = block.readUInt32BE(index * 8 + 4);
      return hi * 0x100000000 + lo;
    }
    default: {
      const bit = index * bits;
      return ((block[bit >> 3] ?? 0) >> (bit & 7)) & ((1 << bits) - 1);
    }
  }
}

/**
 * On-disk refcounts, as qemu's qcow2_get_refcount answers them: 0 past the table or for an
 * unallocated block, an error for an unaligned block. Blocks are cached one at a time, which
 * suits the sequential scans `check` makes.
 */
export class DiskRefcounts {
  private readonly entriesPerBlock: number;
  private cachedIndex = -1;
  private cached: Buffer | undefined;

  constructor(
    private readonly file: ImageFile,
    private readonly h: Qcow2Header,
    private readonly table: readonly RefcountTableEntry[],
  ) {
    requireUsableRefcountWidth(h);
    this.entriesPerBlock = (h.clusterSize * 8) / h.refcountBits;
  }

  /** The refcount of host cluster `cluster`, or undefined when qemu would fail with -EIO. */
  get(cluster: number): number | undefined {
    const tableIndex = Math.floor(cluster / this.entriesPerBlock);
    const entry = this.table[tableIndex];
    if (entry === undefined || entry.offset === 0) return 0;
    if (!entry.aligned) return undefined;
    if (tableIndex !== this.cachedIndex) {
      this.cached = this.file.read(entry.offset, this.h.clusterSize);
      this.cachedIndex = tableIndex;
    }
    return refcountAt(this.cached as Buffer, cluster % this.entriesPerBlock, this.h.refcountBits);
  }
}

type CountArray = Uint8Array | Uint16Array | Uint32Array;
type CountArrayCtor = new (n: number) => CountArray;

/**
 * qemu's g_try_new0 of the refcount array: when the memory is not there, the check fails with
 * "Cannot allocate memory" instead of the process.
 */
function allocCounts(Ctor: CountArrayCtor, clusters: number): CountArray {
  try {
    return new Ctor(clusters);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new ImageLimitError('refcount array', clusters, CHECK_MAX_HOST_CLUSTERS, 'clusters', 'Check failed: Cannot allocate memory');
  }
}

/**
 * The in-memory refcount array of `check`, saturating at the image's refcount width: one entry
 * per host cluster (at most CHECK_MAX_HOST_CLUSTERS), of 1, 2 or 4 bytes.
 */
export class RefcountArray {
  private counts: CountArray;
  readonly max: number;
  private length: number;

  constructor(bits: number, clusters: number) {
    this.max = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
    // One spare entry: the cluster just past the end, which a half-written last cluster adds.
    this.counts = allocCounts(bits <= 8 ? Uint8Array : bits <= 16 ? Uint16Array : Uint32Array, clusters + 1);
    this.length = clusters;
  }

  get size(): number {
    return this.length;
  }

  get(cluster: number): number {
    return cluster < this.length ? (this.counts[cluster] ?? 0) : 0;
  }

  /** Grows to `clusters` entries (qemu realloc_refcount_array for a semi-allocated last cluster). */
  grow(clusters: number): void {
    if (clusters <= this.length) return;
    if (clusters > this.counts.length) {
      // Past the spare entry: by what is asked, as doubling a large array would double its memory.
      const next = allocCounts(this.counts.constructor as CountArrayCtor, clusters);
      next.set(this.counts);
      this.counts = next;
    }
    this.length = clusters;
  }

  /**
   * Adds `times` references as far as the width allows; returns how many did not fit, each of
   * which qemu refuses with an overflow error.
   */
  add(cluster: number, times: number): number {
    const v = this.counts[cluster] ?? 0;
    const room = this.max - v;
    this.counts[cluster] = v + Math.min(room, times);
    return Math.max(0, times - room);
  }
}
