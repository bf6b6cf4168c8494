/**
 * QCOW2 header extensions: `{u32 type, u32 length, data, pad to 8}` from header_length up to the
 * backing file name (or the end of cluster 0), read the way qemu 7.2's qcow2_read_extensions
 * reads them, including its messages. Unknown types are kept as type, offset and length.
 */
import { ImageCorruptError, ImageLimitError } from '../errors.js';
import { bound, QCOW2_MAX_BACKING_FORMAT_BYTES, QCOW2_MAX_BITMAP_COUNT, QCOW2_MAX_BITMAP_DIRECTORY_BYTES } from '../limits.js';
import { cStringFromBytes } from '../text.js';
import { readU64BE } from '../u64.js';
import { AUTOCLEAR_BITMAPS, FEATURE_KIND_CODES } from './features.js';
import type { FeatureNameEntry } from './features.js';
import type { Qcow2Header } from './header.js';

export const EXT_END = 0x00000000;
export const EXT_BACKING_FORMAT = 0xe2792aca;
export const EXT_FEATURE_TABLE = 0x6803f857;
export const EXT_BITMAPS = 0x23852875;
export const EXT_CRYPTO_HEADER = 0x0537be77;
export const EXT_DATA_FILE = 0x44415441;

const EXT_NAMES: Readonly<Record<number, string>> = {
  [EXT_BACKING_FORMAT]: 'backing format',
  [EXT_FEATURE_TABLE]: 'feature name table',
  [EXT_BITMAPS]: 'bitmaps',
  [EXT_CRYPTO_HEADER]: 'full disk encryption header pointer',
  [EXT_DATA_FILE]: 'external data file',
};

export interface HeaderExtension {
  readonly type: number;
  /** undefined for types qemu does not know. */
  readonly name: string | undefined;
  /** Offset of the extension's data in the file. */
  readonly offset: number;
  readonly length: number;
}

export interface BitmapsExtension {
  readonly nbBitmaps: number;
  readonly directorySize: number;
  readonly directoryOffset: number;
  /** qemu ignores the bitmaps when autoclear bit 0 is clear (written by a program that did not know them). */
  readonly consistent: boolean;
}

export interface CryptoHeaderExtension {
  readonly offset: number;
  readonly length: number;
}

export interface Qcow2Extensions {
  readonly all: readonly HeaderExtension[];
  readonly backingFormat: string | undefined;
  readonly featureNames: readonly FeatureNameEntry[];
  readonly bitmaps: BitmapsExtension | undefined;
  readonly cryptoHeader: CryptoHeaderExtension | undefined;
  readonly dataFile: string | undefined;
  readonly unknown: readonly HeaderExtension[];
}

/** Feature name table entry: u8 type, u8 bit, char name[46]. */
const FEATURE_ENTRY_BYTES = 48;

/** `cluster0` holds at least the first min(cluster size, file size) bytes of the file. */
export function readExtensions(h: Qcow2Header, cluster0: Buffer): Qcow2Extensions {
  const end = h.backingFileOffset !== 0 ? h.backingFileOffset : h.clusterSize;
  const all: HeaderExtension[] = [];
  const featureNames: FeatureNameEntry[] = [];
  let backingFormat: string | undefined;
  let bitmaps: BitmapsExtension | undefined;
  let cryptoHeader: CryptoHeaderExtension | undefined;
  let dataFile: string | undefined;
  let offset = h.headerLength;
  while (offset < end) {
    if (offset + 8 > cluster0.length) break; // past the end of file: qemu reads zeros = end marker
    const type = cluster0.readUInt32BE(offset);
    const len = cluster0.readUInt32BE(offset + 4);
    offset += 8;
    if (offset > end || len > end - offset) throw new ImageCorruptError('Header extension too large', offset - 8);
    if (type === EXT_END) break;
    const data = cluster0.subarray(offset, offset + len);
    all.push({ type, name: EXT_NAMES[type], offset, length: len });
    switch (type) {
      case EXT_BACKING_FORMAT:
        if (len > QCOW2_MAX_BACKING_FORMAT_BYTES) {
          throw new ImageLimitError('backing format name', len, QCOW2_MAX_BACKING_FORMAT_BYTES, 'bytes',
            `ERROR: ext_backing_format: len=${len} too large (>=${QCOW2_MAX_BACKING_FORMAT_BYTES + 1})`);
        }
        backingFormat = cStringFromBytes(data);
        break;
      case EXT_FEATURE_TABLE:
        for (let p = 0; p + FEATURE_ENTRY_BYTES <= len; p += FEATURE_ENTRY_BYTES) {
          const code = data[p] ?? 0;
          featureNames.push({ kind: FEATURE_KIND_CODES[code] ?? code, bit: data[p + 1] ?? 0, name: cStringFromBytes(data.subarray(p + 2, p + 48)) });
        }
        break;
      case EXT_CRYPTO_HEADER:
        cryptoHeader = parseCryptoExtension(h, data, offset);
        break;
      case EXT_BITMAPS:
        bitmaps = parseBitmapsExtension(h, data, offset);
        break;
      case EXT_DATA_FILE:
        dataFile = cStringFromBytes(data);
        break;
      default:
        break;
    }
    offset += (len + 7) & ~7;
  }
  const unknown = all.filter((e) => e.name === undefined);
  return { all, backingFormat, featureNames, bitmaps, cryptoHeader, dataFile, unknown };
}

/** 16 bytes: u64 offset, u64 length of the LUKS header inside the qcow2 file. */
function parseCryptoExtension(h: Qcow2Header, data: Buffer, at: number): CryptoHeaderExtension {
  if (h.cryptMethod !== 2) throw new ImageCorruptError('CRYPTO header extension only expected with LUKS encryption method', at);
  if (data.length !== 16) throw new ImageCorruptError(`CRYPTO header extension size ${data.length}, but expected size 16`, at);
  return { offset: readU64BE(data, 0, 'crypto header offset'), length: readU64BE(data, 8, 'crypto header length') };
}

/** 24 bytes: u32 nb_bitmaps, u32 reserved, u64 directory size, u64 directory offset. */
function parseBitmapsExtension(h: Qcow2Header, data: Buffer, at: number): BitmapsExtension {
  if (data.length !== 24) throw new ImageCorruptError('bitmaps_ext: Invalid extension length', at);
  const consistent = (h.autoclearFeatures & AUTOCLEAR_BITMAPS) !== 0n;
  const nbBitmaps = data.readUInt32BE(0);
  const directorySize = readU64BE(data, 8, 'bitmap directory size');
  const directoryOffset = readU64BE(data, 16, 'bitmap directory offset');
  if (consistent) {
    if (data.readUInt32BE(4) !== 0) throw new ImageCorruptError('bitmaps_ext: Reserved field is not zero', at + 4);
    bound({ what: 'bitmap count', count: nbBitmaps, limitBytes: QCOW2_MAX_BITMAP_COUNT,
      limitMessage: `bitmaps_ext: Image has ${nbBitmaps} bitmaps, exceeding the QEMU supported maximum of ${QCOW2_MAX_BITMAP_COUNT}` });
    if (nbBitmaps === 0) throw new ImageCorruptError('found bitmaps extension with zero bitmaps', at);
    if (directoryOffset % h.clusterSize !== 0) throw new ImageCorruptError('bitmaps_ext: invalid dir offset', at + 16);
    bound({ what: 'bitmap directory', count: directorySize, limitBytes: QCOW2_MAX_BITMAP_DIRECTORY_BYTES,
      limitMessage: `bitmaps_ext: bitmap directory size (${directorySize}) exceeds the maximum supported size (${QCOW2_MAX_BITMAP_DIRECTORY_BYTES})` });
  }
  return { nbBitmaps, directorySize, directoryOffset, consistent };
}
