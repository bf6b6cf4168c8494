/**
 * What qemu's qcow2_load_dirty_bitmaps does when an image is opened, as far as it can fail the
 * open: every bitmap not in use is loaded, its whole table read and each entry checked
 * (bitmap_table_load), and the table must have exactly as many clusters as the disk's bitmap
 * serializes to (load_bitmap_data). qemu-img info, check, map and snapshot all fail on either.
 * Bitmaps in use are not loaded (their data is known to be stale).
 */
import { ImageCorruptError, ImageLimitError } from '../errors.js';
import type { ImageFile } from '../image-file.js';
import { OPEN_MAX_BITMAP_TABLES_BYTES } from '../limits.js';
import { BITMAP_TABLE_ENTRY_BYTES, bitmapDiskBytes, bitmapTableEntryValid, bitmapTableInFileBytes, FLAG_IN_USE, readBitmapTable } from './bitmaps.js';
import type { Qcow2Bitmap } from './bitmaps.js';
import type { Qcow2Header } from './header.js';

/** hbitmap serializes in 64-bit words. */
const BITS_PER_WORD = 64;

export function loadBitmaps(file: ImageFile, h: Qcow2Header, bitmaps: readonly Qcow2Bitmap[]): void {
  const loaded = bitmaps.filter((bm) => (bm.flags & FLAG_IN_USE) === 0);
  // A table that several entries share reads the same each time: it is read and checked once.
  const tables = new Map<string, Qcow2Bitmap>();
  for (const bm of loaded) if (!tables.has(tableKey(bm))) tables.set(tableKey(bm), bm);
  let bytes = 0;
  for (const bm of tables.values()) bytes += bitmapTableInFileBytes(file.size, bm);
  if (bytes > OPEN_MAX_BITMAP_TABLES_BYTES) {
    throw new ImageLimitError('bitmap tables read when opening', bytes, OPEN_MAX_BITMAP_TABLES_BYTES, 'bytes');
  }
  const checked = new Set<string>();
  for (const bm of loaded) {
    if (!checked.has(tableKey(bm)) && !tableValid(file, h, bm)) {
      throw new ImageCorruptError(`Could not read bitmap_table table from image for bitmap '${bm.name}': Invalid argument`, bm.tableOffset);
    }
    checked.add(tableKey(bm));
    if (bm.tableSize !== serializedClusters(h, bm)) {
      throw new ImageCorruptError(`Could not read bitmap '${bm.name}' from image: Invalid argument`, bm.tableOffset);
    }
  }
}

const tableKey = (bm: Qcow2Bitmap): string => `${bm.tableOffset}:${bm.tableSize}`;

/** qemu check_table_entry over the part of the table inside the file. */
function tableValid(file: ImageFile, h: Qcow2Header, bm: Qcow2Bitmap): boolean {
  const table = readBitmapTable(file, bm);
  for (let p = 0; p < table.length; p += BITMAP_TABLE_ENTRY_BYTES) {
    if (!bitmapTableEntryValid(table.readUInt32BE(p), table.readUInt32BE(p + 4), h.clusterSize)) return false;
  }
  return true;
}

/**
 * Clusters the bitmap of the whole disk takes serialized: one
 * bit per granule, in 64-bit words (qemu hbitmap_serialization_size); 0 for an empty disk, which
 * qemu refuses as well.
 */
export function serializedClusters(h: Qcow2Header, bm: Qcow2Bitmap): number {
  const diskBytes = bitmapDiskBytes(h);
  if (diskBytes === 0) return 0;
  const words = Math.floor((diskBytes - 1) / bm.granularity / BITS_PER_WORD) + 1;
  return Math.ceil((words * 8) / h.clusterSize);
}
