/**
 * QCOW version 1 (qemu block/qcow.c): a 48-byte header, no refcounts, no snapshots, no
 * extensions. L1 size is computed from the virtual size; L2 entries are plain offsets with
 * bit 63 marking a compressed cluster whose byte size sits in the bits below it.
 */
import { ImageCorruptError, ImageFormatError, ImageUnsupportedError } from './errors.js';
import type { ImageFile } from './image-file.js';
import {
  bound, QCOW1_MAX_CLUSTER_BITS, QCOW1_MAX_L1_BYTES, QCOW1_MAX_L2_BITS, QCOW1_MIN_CLUSTER_BITS, QCOW1_MIN_L2_BITS,
  QCOW2_MAX_BACKING_NAME_BYTES,
} from './limits.js';
import { cStringFromBytes } from './text.js';
import { readU64BE } from './u64.js';

export interface QcowV1Header {
  readonly backingFileOffset: number;
  readonly backingFileSize: number;
  readonly mtime: number;
  readonly virtualSize: number;
  readonly clusterBits: number;
  readonly clusterSize: number;
  readonly l2Bits: number;
  readonly cryptMethod: number;
  readonly l1TableOffset: number;
  readonly l1Size: number;
}

export interface QcowV1Image {
  readonly file: ImageFile;
  readonly header: QcowV1Header;
  readonly backingFile: string | undefined;
}

/**
 * Layout (big-endian): 0 magic, 4 version, 8 backing_file_offset(8), 16 backing_file_size,
 * 20 mtime, 24 size(8), 32 cluster_bits(1), 33 l2_bits(1), 34 padding(2), 36 crypt_method,
 * 40 l1_table_offset(8). Checks and messages in qcow_open's order.
 */
export function parseQcowV1Header(buf: Buffer): QcowV1Header {
  if (buf.length < 48 || buf.readUInt32BE(0) !== 0x514649fb) throw new ImageFormatError('Image not in qcow format');
  const version = buf.readUInt32BE(4);
  if (version !== 1) throw new ImageUnsupportedError(`qcow (v1) does not support qcow version ${version}`);
  const virtualSize = readU64BE(buf, 24, 'virtual size');
  if (virtualSize <= 1) throw new ImageCorruptError('Image size is too small (must be at least 2 bytes)', 24);
  const clusterBits = buf[32] ?? 0;
  if (clusterBits < QCOW1_MIN_CLUSTER_BITS || clusterBits > QCOW1_MAX_CLUSTER_BITS) {
    throw new ImageCorruptError('Cluster size must be between 512 and 64k', 32);
  }
  const l2Bits = buf[33] ?? 0;
  if (l2Bits < QCOW1_MIN_L2_BITS || l2Bits > QCOW1_MAX_L2_BITS) throw new ImageCorruptError('L2 table size must be between 512 and 64k', 33);
  const cryptMethod = buf.readUInt32BE(36);
  if (cryptMethod > 1) throw new ImageCorruptError('invalid encryption method in qcow header', 36);
  const shift = clusterBits + l2Bits;
  return {
    backingFileOffset: readU64BE(buf, 8, 'backing file offset'),
    backingFileSize: buf.readUInt32BE(16),
    mtime: buf.readUInt32BE(20),
    virtualSize,
    clusterBits,
    clusterSize: 2 ** clusterBits,
    l2Bits,
    cryptMethod,
    l1TableOffset: readU64BE(buf, 40, 'L1 table offset'),
    l1Size: Math.ceil(virtualSize / 2 ** shift),
  };
}

export function openQcowV1(file: ImageFile): QcowV1Image {
  const header = parseQcowV1Header(file.read(0, 48));
  bound({ what: 'L1 table', count: header.l1Size, entryBytes: 8, limitBytes: QCOW1_MAX_L1_BYTES, limitMessage: 'Image too large', offset: header.l1TableOffset, fileSize: file.size });
  let backingFile: string | undefined;
  if (header.backingFileOffset !== 0) {
    const range = bound({ what: 'backing file name', count: header.backingFileSize, limitBytes: QCOW2_MAX_BACKING_NAME_BYTES, limitMessage: 'Backing file name too long', offset: header.backingFileOffset, fileSize: file.size });
    backingFile = cStringFromBytes(file.read(range.offset, range.length));
  }
  return { file, header, backingFile };
}
