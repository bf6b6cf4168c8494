/**
 * The QCOW2 header (v2: 72 bytes; v3: header_length >= 104), validated in qemu 7.2's order
 * (block/qcow2.c qcow2_do_open) with qemu's messages, so the first complaint matches qemu-img's.
 */
import { ImageCorruptError, ImageFormatError, ImageUnsupportedError } from '../errors.js';
import { QCOW2_MAX_CLUSTER_BITS, QCOW2_MAX_REFCOUNT_ORDER, QCOW2_MIN_CLUSTER_BITS } from '../limits.js';
import { readBigU64BE, readU64BE } from '../u64.js';
import { INCOMPAT_COMPRESSION, INCOMPAT_EXTL2 } from './features.js';

export const QCOW_MAGIC = 0x514649fb;
/** sizeof(QCowHeader) in qemu: everything up to and including compression_type + padding. */
export const QCOW2_HEADER_STRUCT_BYTES = 112;
export const QCOW2_V2_HEADER_BYTES = 72;
export const QCOW2_V3_MIN_HEADER_BYTES = 104;

export type CompressionType = 'zlib' | 'zstd';

export interface Qcow2Header {
  readonly version: 2 | 3;
  readonly backingFileOffset: number;
  readonly backingFileSize: number;
  readonly clusterBits: number;
  readonly clusterSize: number;
  readonly virtualSize: number;
  readonly cryptMethod: number;
  readonly l1Size: number;
  readonly l1TableOffset: number;
  readonly refcountTableOffset: number;
  readonly refcountTableClusters: number;
  readonly nbSnapshots: number;
  readonly snapshotsOffset: number;
  readonly incompatibleFeatures: bigint;
  readonly compatibleFeatures: bigint;
  readonly autoclearFeatures: bigint;
  readonly refcountOrder: number;
  /**
   * 2^refcount_order, as declared. Only orders up to 6 are usable (see requireUsableRefcountWidth);
   * a larger one is kept for what a lenient open reports (capped, see MAX_REPORTED_REFCOUNT_ORDER).
   */
  readonly refcountBits: number;
  readonly headerLength: number;
  /** undefined for a code qemu does not know (validateQcow2Header refuses it). */
  readonly compressionType: CompressionType | undefined;
  readonly compressionTypeCode: number;
  readonly extendedL2: boolean;
  /** Bytes between qemu's known header (112) and header_length, kept as qemu keeps them. */
  readonly unknownHeaderFieldsBytes: number;
  /** Non-zero padding after compression_type (bytes 105..111); the spec says it must be zero. */
  readonly nonZeroPadding: boolean;
}

/**
 * Parses the fixed header from the first bytes of the file (at least 112 of them; the caller
 * reads a whole cluster-0 prefix). Throws the error qemu-img would print.
 */
export function parseQcow2Header(bytes: Buffer): Qcow2Header {
  if (bytes.length < 8 || bytes.readUInt32BE(0) !== QCOW_MAGIC) throw new ImageFormatError('Image is not in qcow2 format');
  // A file shorter than the header reads as zeros past its end, as qemu's reads do.
  const buf = bytes.length >= QCOW2_HEADER_STRUCT_BYTES ? bytes : Buffer.concat([bytes, Buffer.alloc(QCOW2_HEADER_STRUCT_BYTES - bytes.length)]);
  // Layout (big-endian): 0 magic, 4 version, 8 backing_file_offset(8), 16 backing_file_size(4),
  // 20 cluster_bits, 24 size(8), 32 crypt_method, 36 l1_size, 40 l1_table_offset(8),
  // 48 refcount_table_offset(8), 56 refcount_table_clusters, 60 nb_snapshots, 64 snapshots_offset(8)
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 3) throw new ImageUnsupportedError(`Unsupported qcow2 version ${version}`);
  const clusterBits = buf.readUInt32BE(20);
  if (clusterBits < QCOW2_MIN_CLUSTER_BITS || clusterBits > QCOW2_MAX_CLUSTER_BITS) {
    throw new ImageUnsupportedError(`Unsupported cluster size: 2^${clusterBits}`);
  }
  const clusterSize = 2 ** clusterBits;
  // v3 adds: 72 incompatible(8), 80 compatible(8), 88 autoclear(8), 96 refcount_order, 100 header_length,
  // 104 compression_type(1), 105 padding(7).
  const v3 = version === 3;
  const headerLength = v3 ? buf.readUInt32BE(100) : QCOW2_V2_HEADER_BYTES;
  if (v3 && headerLength < QCOW2_V3_MIN_HEADER_BYTES) throw new ImageCorruptError('qcow2 header too short', 100);
  if (headerLength > clusterSize) throw new ImageCorruptError('qcow2 header exceeds cluster size', 100);
  const backingFileOffset = readU64BE(buf, 8, 'backing file offset');
  if (backingFileOffset > clusterSize) throw new ImageCorruptError('Invalid backing file offset', 8);
  const incompatibleFeatures = v3 ? readBigU64BE(buf, 72) : 0n;
  const compressionTypeCode = v3 && headerLength > QCOW2_V3_MIN_HEADER_BYTES ? (buf[104] ?? 0) : 0;
  const compressionType = compressionTypeCode === 0 ? 'zlib' : compressionTypeCode === 1 ? 'zstd' : undefined;
  const refcountOrder = v3 ? buf.readUInt32BE(96) : 4;
  let nonZeroPadding = false;
  for (let i = 105; i < Math.min(headerLength, 112); i++) if (buf[i] !== 0) nonZeroPadding = true;
  return {
    version: v3 ? 3 : 2,
    backingFileOffset,
    backingFileSize: buf.readUInt32BE(16),
    clusterBits,
    clusterSize,
    virtualSize: readU64BE(buf, 24, 'virtual size'),
    cryptMethod: buf.readUInt32BE(32),
    l1Size: buf.readUInt32BE(36),
    l1TableOffset: readU64BE(buf, 40, 'L1 table offset'),
    refcountTableOffset: readU64BE(buf, 48, 'refcount table offset'),
    refcountTableClusters: buf.readUInt32BE(56),
    nbSnapshots: buf.readUInt32BE(60),
    snapshotsOffset: snapshotsOffsetOf(buf, clusterSize),
    incompatibleFeatures,
    compatibleFeatures: v3 ? readBigU64BE(buf, 80) : 0n,
    autoclearFeatures: v3 ? readBigU64BE(buf, 88) : 0n,
    refcountOrder,
    refcountBits: 2 ** Math.min(refcountOrder, MAX_REPORTED_REFCOUNT_ORDER),
    headerLength,
    compressionType,
    compressionTypeCode,
    extendedL2: (incompatibleFeatures & INCOMPAT_EXTL2) !== 0n,
    unknownHeaderFieldsBytes: Math.max(0, headerLength - QCOW2_HEADER_STRUCT_BYTES),
    nonZeroPadding,
  };
}

/**
 * refcount_order is a u32, so 2^order can be far beyond a number; past 2^53 bits a width no
 * longer prints exactly, and the (unusable) orders above 53 are all reported as 2^53.
 */
const MAX_REPORTED_REFCOUNT_ORDER = 53;

/** qemu's refusal of a refcount_order above 6. */
export const REFCOUNT_WIDTH_MESSAGE = 'Reference count entry width too large; may not exceed 64 bits';

/**
 * Anything that reads or rebuilds refcounts needs a width of 1 to 64 bits. Open refuses other
 * widths as qemu does; after a lenient open this is what stops the refcount readers.
 */
export function requireUsableRefcountWidth(h: Qcow2Header): void {
  if (h.refcountOrder > QCOW2_MAX_REFCOUNT_ORDER) throw new ImageUnsupportedError(REFCOUNT_WIDTH_MESSAGE);
}

/** qemu validate_compression_type: the type and incompatible bit 3 must agree. */
export function checkCompressionType(code: number, incompat: bigint): CompressionType {
  const bitSet = (incompat & INCOMPAT_COMPRESSION) !== 0n;
  if (code === 0) {
    if (bitSet) throw new ImageCorruptError('qcow2: Compression type incompatible feature bit must not be set', 72);
    return 'zlib';
  }
  if (code === 1) {
    if (!bitSet) throw new ImageCorruptError('qcow2: Compression type incompatible feature bit must be set', 72);
    return 'zstd';
  }
  throw new ImageUnsupportedError(`qcow2: unknown compression type: ${code}`);
}

/**
 * With no snapshots the offset is never used, and qemu only checks its alignment: an unusable
 * value (>= 2^53) is then replaced by 0 or 1, which keeps the alignment verdict. This is what
 * lets a qcow2/VDI polyglot (VDI's signature sits on this field) open as qemu opens it.
 */
function snapshotsOffsetOf(buf: Buffer, clusterSize: number): number {
  const raw = readBigU64BE(buf, 64);
  if (buf.readUInt32BE(60) === 0 && raw >= 2n ** 53n) return raw % BigInt(clusterSize) === 0n ? 0 : 1;
  return readU64BE(buf, 64, 'snapshot table offset');
}
