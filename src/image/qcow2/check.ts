/**
 * `qemu-img check` for QCOW2, read-only (qemu 7.2 block/qcow2-refcount.c, no repair): rebuild
 * every refcount from the metadata (header, active L1/L2 and data, each snapshot's L1/L2,
 * snapshot table, refcount table and blocks, LUKS header, bitmaps), compare with the refcounts
 * on disk, then check the COPIED flags. Same counters, same stderr lines, same order.
 */
import { ReadWindow } from '../image-file.js';
import { bound, CHECK_MAX_HOST_CLUSTERS, QCOW2_MAX_L1_BYTES, QCOW2_MAX_REFTABLE_BYTES } from '../limits.js';
import { checkBitmapRefcounts } from './check-bitmaps.js';
import { incRefcounts } from './check-context.js';
import type { CheckContext, CheckProgress, FragmentationInfo, Qcow2CheckResult } from './check-context.js';
import { checkCopiedFlags, checkRefblocks, compareRefcounts } from './check-refcounts.js';
import { checkL1, checkSnapshots } from './check-tables.js';
import { FindingList } from './findings.js';
import type { Qcow2Image } from './open.js';
import { DiskRefcounts, readRefcountTable, RefcountArray } from './refcounts.js';

export type { CheckContext, CheckProgress, FragmentationInfo, Qcow2CheckResult } from './check-context.js';
export { incRefcounts } from './check-context.js';

/** qemu qcow2_check_fix_snapshot_table, read-only part: v3 entries need 16 bytes of extra data. */
function checkSnapshotEntries(ctx: CheckContext): void {
  if (ctx.img.header.version < 3) return;
  ctx.img.snapshots.forEach((sn, i) => {
    if (sn.extraDataSize < 16) ctx.out.add('SNAPSHOT_ENTRY_INCOMPLETE', 'corruption', `ERROR snapshot table entry ${i} is incomplete`, sn.entryOffset);
  });
}

export function checkQcow2(img: Qcow2Image, progress?: CheckProgress): Qcow2CheckResult {
  const h = img.header;
  const cs = h.clusterSize;
  const fileSize = img.file.size;
  const nbClusters = Math.ceil(fileSize / cs);
  bound({ what: 'host clusters to check', count: nbClusters, limitBytes: CHECK_MAX_HOST_CLUSTERS });
  const out = new FindingList();
  const ctx: CheckContext = { img, window: new ReadWindow(img.file), refs: new RefcountArray(h.refcountBits, nbClusters), out, fileSize };
  const frag: FragmentationInfo = {
    totalClusters: Math.ceil((Math.floor(h.virtualSize / 512) * 512) / cs),
    allocatedClusters: 0, compressedClusters: 0, fragmentedClusters: 0,
  };
  // Bounded again: a lenient open may have let oversized tables through as findings.
  bound({ what: 'active L1 table', count: h.l1Size, entryBytes: 8, limitBytes: QCOW2_MAX_L1_BYTES, offset: h.l1TableOffset, fileSize });
  bound({ what: 'refcount table', count: h.refcountTableClusters, entryBytes: cs, limitBytes: QCOW2_MAX_REFTABLE_BYTES, offset: h.refcountTableOffset, fileSize });
  const table = readRefcountTable(img.file, h);
  incRefcounts(ctx, 0, cs);
  checkL1(ctx, h.l1TableOffset, h.l1Size, frag, progress);
  checkSnapshots(ctx);
  incRefcounts(ctx, h.refcountTableOffset, h.refcountTableClusters * cs);
  const crypto = img.extensions.cryptoHeader;
  if (crypto && crypto.length > 0) incRefcounts(ctx, crypto.offset, crypto.length);
  checkBitmapRefcounts(ctx);
  checkRefblocks(ctx, table, nbClusters);
  const highest = compareRefcounts(ctx, table);
  const disk = new DiskRefcounts(img.file, h, table);
  checkCopiedFlags(ctx, disk);
  checkSnapshotEntries(ctx);
  return {
    corruptions: out.corruptions,
    leaks: out.leaks,
    checkErrors: out.checkErrors,
    imageEndOffset: (highest + 1) * cs,
    fragmentation: frag,
    findings: out.items,
  };
}
