/**
 * References held by persistent bitmaps (qemu qcow2_check_bitmaps_refcounts): the directory,
 * each bitmap table, and each data cluster a table entry points to.
 *
 * Bitmap table entry: bits 9-55 offset, bit 0 "all ones" when the offset is 0, other bits reserved.
 */
import { bound } from '../limits.js';
import { readBitmapDirectory } from './bitmaps.js';
import type { CheckContext } from './check-context.js';
import { incRefcounts } from './check-context.js';
import { isImageError } from '../errors.js';

const RESERVED_HI = 0xff000000;
const RESERVED_LO = 0x000001fe;
/** 8 bytes per entry, at most qemu's BME_MAX_TABLE_SIZE entries. */
const MAX_TABLE_BYTES = 0x8000000 * 8;

export function checkBitmapRefcounts(ctx: CheckContext): void {
  const ext = ctx.img.extensions.bitmaps;
  if (!ext || !ext.consistent) return;
  incRefcounts(ctx, ext.directoryOffset, ext.directorySize);
  let bitmaps;
  try {
    bitmaps = readBitmapDirectory(ctx.img.file, ctx.img.header, ext);
  } catch (err) {
    if (!isImageError(err)) throw err;
    ctx.out.add('BITMAP_DIRECTORY_INVALID', 'corruption', `ERROR bitmap directory: ${err.message}`, ext.directoryOffset);
    return;
  }
  const cs = ctx.img.header.clusterSize;
  for (const bm of bitmaps) {
    incRefcounts(ctx, bm.tableOffset, bm.tableSize * 8);
    let table: Buffer;
    try {
      const r = bound({ what: `bitmap '${bm.name}' table`, count: bm.tableSize, entryBytes: 8, limitBytes: MAX_TABLE_BYTES, offset: bm.tableOffset, fileSize: ctx.fileSize });
      table = ctx.img.file.read(r.offset, r.length);
    } catch (err) {
      if (!isImageError(err)) throw err;
      ctx.out.add('BITMAP_TABLE_ENTRY_INVALID', 'corruption', `ERROR bitmap '${bm.name}': ${err.message}`, bm.tableOffset);
      break;
    }
    for (let i = 0; i < bm.tableSize; i++) {
      const hi = table.readUInt32BE(i * 8);
      const lo = table.readUInt32BE(i * 8 + 4);
      const offset = (hi & 0x00ffffff) * 0x100000000 + ((lo & 0xfffffe00) >>> 0);
      const bad = (hi & RESERVED_HI) !== 0 || (lo & RESERVED_LO) !== 0 || (offset !== 0 && ((lo & 1) !== 0 || offset % cs !== 0));
      if (bad) {
        ctx.out.add('BITMAP_TABLE_ENTRY_INVALID', 'corruption', `ERROR bitmap '${bm.name}' table entry ${i} is invalid`, bm.tableOffset + i * 8);
        continue;
      }
      if (offset !== 0) incRefcounts(ctx, offset, cs);
    }
  }
}
