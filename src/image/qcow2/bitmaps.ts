/**
 * The persistent dirty bitmaps directory (pointed to by the bitmaps header extension). Entries
 * are 8-byte aligned: u64 bitmap_table_offset, u32 bitmap_table_size, u32 flags, u8 type,
 * u8 granularity_bits, u16 name_size, u32 extra_data_size, extra data, name, padding.
 */
import type { ImageFile } from '../image-file.js';
import { ImageCorruptError } from '../errors.js';
import {
  bound, QCOW2_MAX_BITMAP_DIRECTORY_BYTES, QCOW2_MAX_BITMAP_NAME_BYTES, QCOW2_MAX_BITMAP_PHYS_BYTES, QCOW2_MAX_BITMAP_TABLE_ENTRIES,
} from '../limits.js';
import { cStringFromBytes } from '../text.js';
import type { BitmapsExtension } from './extensions.js';
import type { Qcow2Header } from './header.js';

export const FLAG_IN_USE = 1;
const FLAG_AUTO = 2;
/** qemu BME_RESERVED_FLAGS: every bit but in-use and auto (qemu 7.2 refuses extra_data_compatible too). */
const RESERVED_FLAGS = ~(FLAG_IN_USE | FLAG_AUTO);
/** qemu BME_* limits. */
const MIN_GRANULARITY_BITS = 9;
const MAX_GRANULARITY_BITS = 31;
const DIRTY_TRACKING_TYPE = 1;
const ENTRY_FIXED_BYTES = 24;
const SECTOR = 512;

/** The disk's length as qemu's bitmaps see it (bdrv_getlength: whole sectors). */
export const bitmapDiskBytes = (h: Qcow2Header): number => Math.floor(h.virtualSize / SECTOR) * SECTOR;

/** Bitmap table entry: bits 9-55 offset, bit 0 "all ones" when the offset is 0, the others reserved. */
const ENTRY_RESERVED_HI = 0xff000000;
const ENTRY_RESERVED_LO = 0x000001fe;

/** Bytes of one bitmap table entry. */
export const BITMAP_TABLE_ENTRY_BYTES = 8;

/**
 * The part of a bitmap's table inside the file, whole entries. Past the end a table reads as
 * zeros (as in qemu), which are valid entries that reference nothing.
 */
export const bitmapTableInFileBytes = (fileSize: number, bm: Qcow2Bitmap): number =>
  Math.ceil(Math.max(0, Math.min(bm.tableSize * BITMAP_TABLE_ENTRY_BYTES, fileSize - bm.tableOffset)) / BITMAP_TABLE_ENTRY_BYTES) * BITMAP_TABLE_ENTRY_BYTES;

export const readBitmapTable = (file: ImageFile, bm: Qcow2Bitmap): Buffer => file.read(bm.tableOffset, bitmapTableInFileBytes(file.size, bm));

/** The data cluster offset of a bitmap table entry (0: none). */
export const bitmapEntryOffset = (hi: number, lo: number): number => (hi & 0x00ffffff) * 0x100000000 + ((lo & 0xfffffe00) >>> 0);

/** qemu check_table_entry. */
export function bitmapTableEntryValid(hi: number, lo: number, clusterSize: number): boolean {
  if ((hi & ENTRY_RESERVED_HI) !== 0 || (lo & ENTRY_RESERVED_LO) !== 0) return false;
  const offset = bitmapEntryOffset(hi, lo);
  return offset === 0 || ((lo & 1) === 0 && offset % clusterSize === 0);
}

export interface Qcow2Bitmap {
  readonly name: string;
  readonly granularity: number;
  readonly granularityBits: number;
  readonly flags: number;
  /** qemu's names for the flags it reports: in-use, auto. */
  readonly flagNames: readonly string[];
  readonly type: number;
  readonly tableOffset: number;
  readonly tableSize: number;
  readonly extraDataSize: number;
  /** Reasons qemu would refuse this entry (extra data, check_dir_entry); empty when valid. */
  readonly problems: readonly string[];
}

/** The directory as far as it parses, and the error qemu's bitmap_list_load stops with, if any. */
export interface BitmapDirectory {
  readonly bitmaps: readonly Qcow2Bitmap[];
  /** qemu's error: the first entry it refuses, or what is wrong with the directory as a whole. */
  readonly refusal: string | undefined;
  /** What is wrong with the directory as a whole (it stops parsing, or holds the wrong count). */
  readonly broken: string | undefined;
}

/** The directory as qemu loads it when opening: the first entry or structure qemu refuses is an error. */
export function readBitmapDirectory(file: ImageFile, h: Qcow2Header, ext: BitmapsExtension): Qcow2Bitmap[] {
  const dir = walkBitmapDirectory(file, h, ext);
  if (dir.refusal !== undefined) throw new ImageCorruptError(dir.refusal, ext.directoryOffset);
  return [...dir.bitmaps];
}

/**
 * qemu bitmap_list_load: entries one after another, each 8-byte aligned, exactly nb_bitmaps of
 * them filling the directory. An entry qemu refuses is kept with its problems (a lenient check
 * skips its table); a directory that stops parsing ends the walk.
 */
export function walkBitmapDirectory(file: ImageFile, h: Qcow2Header, ext: BitmapsExtension): BitmapDirectory {
  if (ext.directorySize === 0) return broken([], undefined, 'Requested bitmap directory size is zero');
  const range = bound({ what: 'bitmap directory', count: ext.directorySize, limitBytes: QCOW2_MAX_BITMAP_DIRECTORY_BYTES, offset: ext.directoryOffset, fileSize: file.size });
  const dir = file.read(range.offset, range.length);
  const bitmaps: Qcow2Bitmap[] = [];
  let refusal: string | undefined;
  let p = 0;
  while (p < dir.length) {
    if (p + ENTRY_FIXED_BYTES > dir.length) return broken(bitmaps, refusal, 'Broken bitmap directory');
    if (bitmaps.length + 1 > ext.nbBitmaps) return broken(bitmaps, refusal, 'More bitmaps found than specified in header extension');
    const end = p + ENTRY_FIXED_BYTES + dir.readUInt32BE(p + 20) + dir.readUInt16BE(p + 18);
    if (Math.ceil(end / 8) * 8 > dir.length) return broken(bitmaps, refusal, 'Broken bitmap directory');
    const bm = parseEntry(h, dir, p, end);
    refusal ??= entryRefusal(bm);
    bitmaps.push(bm);
    p = Math.ceil(end / 8) * 8;
  }
  if (bitmaps.length !== ext.nbBitmaps) return broken(bitmaps, refusal, 'Less bitmaps found than specified in header extension');
  return { bitmaps, refusal, broken: undefined };
}

/** qemu stops at the first error: a refused entry before the directory breaks keeps its message. */
function broken(bitmaps: readonly Qcow2Bitmap[], refusal: string | undefined, why: string): BitmapDirectory {
  return { bitmaps, refusal: refusal ?? why, broken: why };
}

function parseEntry(h: Qcow2Header, dir: Buffer, p: number, end: number): Qcow2Bitmap {
  const nameSize = dir.readUInt16BE(p + 18);
  const granularityBits = dir[p + 17] ?? 0;
  const flags = dir.readUInt32BE(p + 12);
  const entry = {
    tableOffset: dir.readUInt32BE(p) * 2 ** 32 + dir.readUInt32BE(p + 4),
    tableSize: dir.readUInt32BE(p + 8),
    flags,
    type: dir[p + 16] ?? 0,
    granularityBits,
    granularity: 2 ** granularityBits,
    extraDataSize: dir.readUInt32BE(p + 20),
    name: cStringFromBytes(dir.subarray(end - nameSize, end)),
    flagNames: [...(flags & FLAG_IN_USE ? ['in-use'] : []), ...(flags & FLAG_AUTO ? ['auto'] : [])],
  };
  return { ...entry, problems: entryProblems(h, entry, nameSize) };
}

/** qemu's message for the first problem of an entry: extra data is refused before check_dir_entry runs. */
function entryRefusal(bm: Qcow2Bitmap): string | undefined {
  if (bm.problems.length === 0) return undefined;
  return bm.extraDataSize !== 0 ? 'Bitmap extra data is not supported' : `Bitmap '${bm.name}' doesn't satisfy the constraints`;
}

type EntryFields = Omit<Qcow2Bitmap, 'problems'>;

/** The extra-data refusal of bitmap_list_load, then qemu 7.2 check_dir_entry, one reason per failed condition. */
function entryProblems(h: Qcow2Header, e: EntryFields, nameSize: number): string[] {
  const problems: string[] = [];
  if (e.extraDataSize !== 0) problems.push(`extra data (${e.extraDataSize} bytes) is not supported`);
  if (e.tableSize === 0) problems.push('bitmap table size is 0');
  if (e.tableOffset === 0 || e.tableOffset % h.clusterSize !== 0) problems.push('bitmap table offset is 0 or not cluster aligned');
  if (e.tableSize > QCOW2_MAX_BITMAP_TABLE_ENTRIES) problems.push(`bitmap table size ${e.tableSize} is above ${QCOW2_MAX_BITMAP_TABLE_ENTRIES}`);
  if (e.granularityBits < MIN_GRANULARITY_BITS || e.granularityBits > MAX_GRANULARITY_BITS) problems.push(`granularity bits ${e.granularityBits} outside 9..31`);
  if (e.flags & RESERVED_FLAGS) problems.push(`reserved flags set: 0x${e.flags.toString(16)}`);
  if (nameSize > QCOW2_MAX_BITMAP_NAME_BYTES) problems.push(`name of ${nameSize} bytes is above ${QCOW2_MAX_BITMAP_NAME_BYTES}`);
  if (e.type !== DIRTY_TRACKING_TYPE) problems.push(`unknown bitmap type ${e.type}`);
  if (problems.length > 0) return problems;
  return sizeProblems(h, e);
}

/**
 * The size conditions, checked by qemu only once the others hold: what the table addresses is at
 * most 512 MiB, and a bitmap not in use covers the whole disk (bdrv_getlength, whole sectors).
 */
function sizeProblems(h: Qcow2Header, e: EntryFields): string[] {
  const physBytes = e.tableSize * h.clusterSize;
  if (physBytes > QCOW2_MAX_BITMAP_PHYS_BYTES) return [`bitmap table addresses ${physBytes} bytes, above ${QCOW2_MAX_BITMAP_PHYS_BYTES}`];
  // Exact in a double: a table size under 2^27 times a power of two.
  const coveredBytes = physBytes * 8 * e.granularity;
  const diskBytes = bitmapDiskBytes(h);
  if ((e.flags & FLAG_IN_USE) === 0 && diskBytes > coveredBytes) return [`bitmap covers ${coveredBytes} bytes of a ${diskBytes}-byte disk`];
  return [];
}
