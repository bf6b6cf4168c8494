/**
 * The persistent dirty bitmaps directory (pointed to by the bitmaps header extension). Entries
 * are 8-byte aligned: u64 bitmap_table_offset, u32 bitmap_table_size, u32 flags, u8 type,
 * u8 granularity_bits, u16 name_size, u32 extra_data_size, extra data, name, padding.
 */
import type { ImageFile } from '../image-file.js';
import { bound, QCOW2_MAX_BITMAP_DIRECTORY_BYTES } from '../limits.js';
import { cStringFromBytes } from '../text.js';
import type { BitmapsExtension } from './extensions.js';
import type { Qcow2Header } from './header.js';

const FLAG_IN_USE = 1;
const FLAG_AUTO = 2;
const FLAG_EXTRA_DATA_COMPATIBLE = 4;
/** qemu BME_* limits. */
const MIN_GRANULARITY_BITS = 9;
const MAX_GRANULARITY_BITS = 31;
const MAX_TABLE_ENTRIES = 0x8000000;
const DIRTY_TRACKING_TYPE = 1;

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
  /** Reasons qemu's check_dir_entry would refuse this entry; empty when valid. */
  readonly problems: readonly string[];
}

export function readBitmapDirectory(file: ImageFile, h: Qcow2Header, ext: BitmapsExtension): Qcow2Bitmap[] {
  const range = bound({ what: 'bitmap directory', count: ext.directorySize, limitBytes: QCOW2_MAX_BITMAP_DIRECTORY_BYTES, offset: ext.directoryOffset, fileSize: file.size });
  const dir = file.read(range.offset, range.length);
  const out: Qcow2Bitmap[] = [];
  let p = 0;
  for (let i = 0; i < ext.nbBitmaps; i++) {
    if (p + 24 > dir.length) break;
    const extraDataSize = dir.readUInt32BE(p + 20);
    const nameSize = dir.readUInt16BE(p + 18);
    const end = p + 24 + extraDataSize + nameSize;
    if (end > dir.length) break;
    const granularityBits = dir[p + 17] ?? 0;
    const flags = dir.readUInt32BE(p + 12);
    const entry = {
      tableOffset: dir.readUInt32BE(p) * 2 ** 32 + dir.readUInt32BE(p + 4),
      tableSize: dir.readUInt32BE(p + 8),
      flags,
      type: dir[p + 16] ?? 0,
      granularityBits,
      granularity: 2 ** granularityBits,
      extraDataSize,
      name: cStringFromBytes(dir.subarray(end - nameSize, end)),
      flagNames: [...(flags & FLAG_IN_USE ? ['in-use'] : []), ...(flags & FLAG_AUTO ? ['auto'] : [])],
    };
    out.push({ ...entry, problems: entryProblems(h, entry) });
    p = Math.ceil(end / 8) * 8;
  }
  return out;
}

type EntryFields = Omit<Qcow2Bitmap, 'problems'>;

/** qemu block/qcow2-bitmap.c check_dir_entry, one reason per failed condition. */
function entryProblems(h: Qcow2Header, e: EntryFields): string[] {
  const problems: string[] = [];
  if (e.tableSize === 0) problems.push('bitmap table size is 0');
  if (e.tableOffset === 0 || e.tableOffset % h.clusterSize !== 0) problems.push('bitmap table offset is 0 or not cluster aligned');
  if (e.tableSize > MAX_TABLE_ENTRIES) problems.push(`bitmap table size ${e.tableSize} is above ${MAX_TABLE_ENTRIES}`);
  if (e.granularityBits < MIN_GRANULARITY_BITS || e.granularityBits > MAX_GRANULARITY_BITS) problems.push(`granularity bits ${e.granularityBits} outside 9..31`);
  if (e.flags & ~(FLAG_IN_USE | FLAG_AUTO | FLAG_EXTRA_DATA_COMPATIBLE)) problems.push(`reserved flags set: 0x${e.flags.toString(16)}`);
  if (e.type !== DIRTY_TRACKING_TYPE) problems.push(`unknown bitmap type ${e.type}`);
  if (e.name.length === 0) problems.push('empty name');
  return problems;
}
