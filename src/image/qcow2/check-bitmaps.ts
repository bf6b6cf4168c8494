/**
 * References held by persistent bitmaps (qemu qcow2_check_bitmaps_refcounts): the directory,
 * each bitmap table, and each data cluster a table entry points to.
 */
import { ImageCorruptError, ImageLimitError, isImageError } from '../errors.js';
import { CHECK_MAX_BITMAP_TABLES_BYTES } from '../limits.js';
import { BITMAP_TABLE_ENTRY_BYTES, bitmapEntryOffset, bitmapTableEntryValid, readBitmapTable, walkBitmapDirectory } from './bitmaps.js';
import type { Qcow2Bitmap } from './bitmaps.js';
import type { CheckContext } from './check-context.js';
import { incRefcounts } from './check-context.js';

export function checkBitmapRefcounts(ctx: CheckContext): void {
  const ext = ctx.img.extensions.bitmaps;
  if (!ext || !ext.consistent) return;
  incRefcounts(ctx, ext.directoryOffset, ext.directorySize);
  const bitmaps = ctx.img.bitmaps ?? usableBitmaps(ctx);
  const tablesBytes = bitmaps.reduce((sum, bm) => sum + bm.tableSize * BITMAP_TABLE_ENTRY_BYTES, 0);
  if (tablesBytes > CHECK_MAX_BITMAP_TABLES_BYTES) {
    throw new ImageLimitError('bitmap tables', tablesBytes, CHECK_MAX_BITMAP_TABLES_BYTES, 'bytes');
  }
  for (const bm of bitmaps) {
    incRefcounts(ctx, bm.tableOffset, bm.tableSize * BITMAP_TABLE_ENTRY_BYTES);
    checkTable(ctx, bm);
  }
}

/**
 * The bitmaps whose tables can be read when the open could not load the directory (a strict
 * open refuses what qemu refuses, so this is after a lenient one): each problem is a finding,
 * and a refused entry's table is left alone (its size and offset are what is wrong).
 */
function usableBitmaps(ctx: CheckContext): readonly Qcow2Bitmap[] {
  const ext = ctx.img.extensions.bitmaps;
  if (!ext) return [];
  let dir;
  try {
    dir = walkBitmapDirectory(ctx.img.file, ctx.img.header, ext);
  } catch (err) {
    if (!isImageError(err)) throw err;
    ctx.out.add('BITMAP_DIRECTORY_INVALID', 'corruption', `ERROR bitmap directory: ${err.message}`, ext.directoryOffset);
    return [];
  }
  if (dir.broken !== undefined) ctx.out.add('BITMAP_DIRECTORY_INVALID', 'corruption', `ERROR bitmap directory: ${dir.broken}`, ext.directoryOffset);
  const usable: Qcow2Bitmap[] = [];
  for (const bm of dir.bitmaps) {
    if (bm.problems.length === 0) usable.push(bm);
    else ctx.out.add('BITMAP_DIRECTORY_INVALID', 'corruption', `ERROR bitmap '${bm.name}': ${bm.problems.join('; ')}`, ext.directoryOffset);
  }
  return usable;
}

/**
 * qemu check_table_entry over one table. The part past the end of the file reads as zeros (as
 * in qemu) and holds no references, so only the part inside is read: at most 8 MiB, since a
 * valid entry addresses at most 512 MiB of clusters.
 */
function checkTable(ctx: CheckContext, bm: Qcow2Bitmap): void {
  const cs = ctx.img.header.clusterSize;
  const table = readBitmapTable(ctx.img.file, bm);
  for (let i = 0; i < table.length / BITMAP_TABLE_ENTRY_BYTES; i++) {
    const hi = table.readUInt32BE(i * BITMAP_TABLE_ENTRY_BYTES);
    const lo = table.readUInt32BE(i * BITMAP_TABLE_ENTRY_BYTES + 4);
    if (!bitmapTableEntryValid(hi, lo, cs)) {
      invalidEntry(ctx, bm, i);
      continue;
    }
    const offset = bitmapEntryOffset(hi, lo);
    if (offset !== 0) incRefcounts(ctx, offset, cs);
  }
}

/**
 * qemu's bitmap_table_load refuses the whole table at its first invalid entry, and the check
 * fails with it (qemu-img: "Check failed: Invalid argument", exit 1, no summary). A lenient check
 * goes on instead, with a finding for each invalid entry.
 */
function invalidEntry(ctx: CheckContext, bm: Qcow2Bitmap, i: number): void {
  const at = bm.tableOffset + i * BITMAP_TABLE_ENTRY_BYTES;
  if (!ctx.lenient) throw new ImageCorruptError('Check failed: Invalid argument', at);
  ctx.out.add('BITMAP_TABLE_ENTRY_INVALID', 'corruption', () => `ERROR bitmap '${bm.name}' table entry ${i} is invalid`, at);
}
