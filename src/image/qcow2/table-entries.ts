/**
 * L1, L2 and refcount-table entries. A 64-bit entry is handled as two 32-bit words (hi, lo) so
 * the hot loops stay in plain numbers. A host offset (bits 9..55) is a multiple of 512 below
 * 2^56, at most 47 significant bits, so a number holds it exactly whatever its size; one at or
 * above 2^53 lies far past the end of any file: `check` counts it as beyond the end of the file,
 * as qemu does, and readers refuse it with an ImageOffsetError naming the value.
 *
 * L1 entry:  bit 63 COPIED | bits 56-62 reserved | bits 9-55 L2 offset | bits 0-8 reserved
 * L2 entry:  bit 63 COPIED | bit 62 COMPRESSED | standard: bits 56-61 reserved, 9-55 offset,
 *            1-8 reserved, 0 ZERO;  compressed: see decodeCompressed
 * Extended L2 adds a second word: bits 0-31 "allocated" and 32-63 "reads as zero" per subcluster.
 */

export const L1E_OFFSET_MASK_HI = 0x00ffffff;
export const L1E_RESERVED_MASK_HI = 0x7f000000;
export const L1E_RESERVED_MASK_LO = 0x000001ff;
export const L2E_STD_RESERVED_MASK_HI = 0x3f000000;
export const L2E_STD_RESERVED_MASK_LO = 0x000001fe;
export const OFLAG_COPIED_HI = 0x80000000;
export const OFLAG_COMPRESSED_HI = 0x40000000;
export const OFLAG_ZERO_LO = 0x1;

/** Host offset in bits 9..55, exact (see above); check it against MAX_SAFE_OFFSET_BYTES before reading. */
export function entryOffset(hi: number, lo: number): number {
  return (hi & L1E_OFFSET_MASK_HI) * 0x100000000 + ((lo & 0xfffffe00) >>> 0);
}

/**
 * entryOffset(hi, lo) % clusterSize, from the low word alone (2^32 is a multiple of every cluster
 * size): integer operations, where `%` on the offset, a double above 2^31, is a slow fmod.
 */
export function offsetIntoCluster(lo: number, clusterSize: number): number {
  return (lo & 0xfffffe00 & (clusterSize - 1)) >>> 0;
}

/** qemu's cluster types (block/qcow2.h). */
export const ClusterType = { Unallocated: 0, ZeroPlain: 1, ZeroAlloc: 2, Normal: 3, Compressed: 4 } as const;
export type ClusterType = (typeof ClusterType)[keyof typeof ClusterType];

/** qemu's subcluster types; for images without extended L2 a cluster is one subcluster. */
export const SubclusterType = {
  UnallocatedPlain: 0, UnallocatedAlloc: 1, ZeroPlain: 2, ZeroAlloc: 3, Normal: 4, Compressed: 5, Invalid: 6,
} as const;
export type SubclusterType = (typeof SubclusterType)[keyof typeof SubclusterType];

/** qemu qcow2_get_cluster_type. */
export function clusterType(hi: number, lo: number, extendedL2: boolean, hasDataFile: boolean): ClusterType {
  if (hi & OFLAG_COMPRESSED_HI) return ClusterType.Compressed;
  const hasOffset = (hi & L1E_OFFSET_MASK_HI) !== 0 || (lo & 0xfffffe00) !== 0;
  if (lo & OFLAG_ZERO_LO && !extendedL2) return hasOffset ? ClusterType.ZeroAlloc : ClusterType.ZeroPlain;
  if (!hasOffset) {
    // Offset 0 is valid in an external data file; COPIED (refcount 1) tells it from "unallocated".
    return hasDataFile && hi & OFLAG_COPIED_HI ? ClusterType.Normal : ClusterType.Unallocated;
  }
  return ClusterType.Normal;
}

/** qemu qcow2_get_subcluster_type; `allocBits`/`zeroBits` are the bitmap words (extended L2 only). */
export function subclusterType(type: ClusterType, extendedL2: boolean, allocBits: number, zeroBits: number, sc: number): SubclusterType {
  if (!extendedL2) {
    switch (type) {
      case ClusterType.Compressed: return SubclusterType.Compressed;
      case ClusterType.ZeroPlain: return SubclusterType.ZeroPlain;
      case ClusterType.ZeroAlloc: return SubclusterType.ZeroAlloc;
      case ClusterType.Normal: return SubclusterType.Normal;
      default: return SubclusterType.UnallocatedPlain;
    }
  }
  const bit = 1 << sc;
  if (type === ClusterType.Compressed) return SubclusterType.Compressed;
  if (type === ClusterType.Normal) {
    if ((allocBits & zeroBits) !== 0) return SubclusterType.Invalid;
    if (zeroBits & bit) return SubclusterType.ZeroAlloc;
    if (allocBits & bit) return SubclusterType.Normal;
    return SubclusterType.UnallocatedAlloc;
  }
  if (allocBits !== 0) return SubclusterType.Invalid;
  return zeroBits & bit ? SubclusterType.ZeroPlain : SubclusterType.UnallocatedPlain;
}

export interface CompressedDescriptor {
  /** Byte offset of the compressed data (not cluster aligned). */
  readonly offset: number;
  /** Bytes to read: whole 512-byte sectors minus the offset into the first one. */
  readonly size: number;
  /** Number of 512-byte sectors the data spans, as qemu counts them for refcounts. */
  readonly sectors: number;
}

/** A compressed descriptor as stored: the offset may be any byte up to 2^61, so a bigint. */
export interface CompressedDescriptorRaw {
  readonly offset: bigint;
  readonly size: number;
  readonly sectors: number;
}

/** The fields of a compressed descriptor as numbers: the offset is offsetHi * 2^32 + offsetLo. */
interface CompressedFields {
  readonly offsetHi: number;
  readonly offsetLo: number;
  readonly sectors: number;
}

/**
 * Compressed descriptor, x = 62 - (cluster_bits - 8): bits 0..x-1 host byte offset, bits x..61
 * the number of additional 512-byte sectors (qemu qcow2_parse_compressed_l2_entry). x is 49 to
 * 61, so the offset's low word is `lo` and both fields are cut from `hi` alone: no bigint, which
 * a walk of millions of compressed entries would otherwise allocate one by one.
 */
function compressedFields(hi: number, lo: number, clusterBits: number): CompressedFields {
  const hiBits = 62 - (clusterBits - 8) - 32;
  const offsetHi = hi & ((1 << hiBits) - 1);
  const sectors = (((hi & 0x3fffffff) >>> hiBits) & ((1 << (clusterBits - 8)) - 1)) + 1;
  return { offsetHi, offsetLo: lo >>> 0, sectors };
}

/** Offsets up to 2^53 - 1 have a high word below this, and are numbers exactly. */
const SAFE_OFFSET_HI_LIMIT = 2 ** 21;

/** The descriptor with its exact offset, which may be any value up to 2^61 (see decodeCompressed). */
export function decodeCompressedRaw(hi: number, lo: number, clusterBits: number): CompressedDescriptorRaw {
  const f = compressedFields(hi, lo, clusterBits);
  const offset = (BigInt(f.offsetHi) << 32n) | BigInt(f.offsetLo);
  return { offset, size: f.sectors * 512 - (f.offsetLo % 512), sectors: f.sectors };
}

/** The descriptor with a number offset; undefined when the offset is at or above 2^53 (see decodeCompressedRaw). */
export function decodeCompressed(hi: number, lo: number, clusterBits: number): CompressedDescriptor | undefined {
  const f = compressedFields(hi, lo, clusterBits);
  if (f.offsetHi >= SAFE_OFFSET_HI_LIMIT) return undefined;
  return { offset: f.offsetHi * 0x100000000 + f.offsetLo, size: f.sectors * 512 - (f.offsetLo % 512), sectors: f.sectors };
}

/**
 * A table's big-endian 32-bit words, for the walks: DataView reads are compiled to plain loads,
 * where Buffer.readUInt32BE checks its argument on every call, which showed as most of the time
 * of a walk over millions of entries (and all of it for empty ones).
 */
export function bigEndianWords(table: Buffer): DataView {
  return new DataView(table.buffer, table.byteOffset, table.length);
}

