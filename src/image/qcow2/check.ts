/**
 * `qemu-img check` for QCOW2, read-only (qemu 7.2 block/qcow2-refcount.c, no repair): rebuild
 * every refcount from the metadata (header, active L1/L2 and data, each snapshot's L1/L2,
 * snapshot table, refcount table and blocks, LUKS header, bitmaps), compare with the refcounts
 * on disk, then check the COPIED flags. Same counters, same stderr lines, same order.
 */
import { ImageLimitError, isImageError } from '../errors.js';
import { ReadWindow } from '../image-file.js';
import { bound, CHECK_MAX_HOST_CLUSTERS, CHECK_MAX_L1_ENTRIES, QCOW2_MAX_L1_BYTES } from '../limits.js';
import { checkBitmapRefcounts } from './check-bitmaps.js';
import { incRefcounts } from './check-context.js';
import type { CheckContext, CheckProgress, FragmentationInfo, Qcow2CheckResult } from './check-context.js';
import { checkCopiedFlags, checkRefblocks, compareRefcounts } from './check-refcounts.js';
import { checkL1, checkSnapshots, countRepeatedWalks, l1EntriesToWalk, l2Walks } from './check-tables.js';
import { FindingList } from './findings.js';
import { requireUsableRefcountWidth } from './header.js';
import type { Qcow2Image } from './open.js';
import { DiskRefcounts, readRefcountTable, RefcountArray } from './refcounts.js';
import type { RefcountTableEntry } from './refcounts.js';

export type { CheckContext, CheckProgress, FragmentationInfo, Qcow2CheckResult } from './check-context.js';
export { incRefcounts } from './check-context.js';

/** qemu qcow2_check_read_snapshot_table, read-only: v3 entries need 16 bytes of extra data. */
function checkSnapshotEntries(ctx: CheckContext): void {
  if (ctx.img.header.version < 3) return;
  ctx.img.snapshots.forEach((sn, i) => {
    if (sn.extraDataSize < 16) ctx.out.add('SNAPSHOT_ENTRY_INCOMPLETE', 'corruption', `ERROR snapshot table entry ${i} is incomplete`, sn.entryOffset);
  });
}

/**
 * qemu qcow2_check_refcounts refuses a file of more than INT_MAX clusters (-EFBIG), before
 * allocating the refcount array; qemu-img then says "Check failed: File too large".
 */
function hostClusters(img: Qcow2Image): number {
  const nbClusters = Math.ceil(img.file.size / img.header.clusterSize);
  if (nbClusters > CHECK_MAX_HOST_CLUSTERS) {
    throw new ImageLimitError('host clusters to check', nbClusters, CHECK_MAX_HOST_CLUSTERS, 'clusters', 'Check failed: File too large');
  }
  return nbClusters;
}

/**
 * What must hold before anything is allocated: a usable refcount width (a lenient open lets any
 * through), a file of at most INT_MAX clusters, and table sizes bounded again (a lenient open
 * may have let oversized ones through as findings). Returns the refcount table.
 */
function preflight(img: Qcow2Image): RefcountTableEntry[] {
  const h = img.header;
  requireUsableRefcountWidth(h);
  hostClusters(img);
  // Past the end of the file the tables read as zeros, as qemu's check reads them (and reports
  // them as beyond the end of the file): only their sizes are bounded.
  bound({ what: 'active L1 table', count: h.l1Size, entryBytes: 8, limitBytes: QCOW2_MAX_L1_BYTES, offset: h.l1TableOffset });
  const l1Entries = l1EntriesToWalk(img);
  if (l1Entries > CHECK_MAX_L1_ENTRIES) {
    throw new ImageLimitError('L1 entries of the image and its snapshots', l1Entries, CHECK_MAX_L1_ENTRIES, 'entries',
      `Check failed: the L1 tables of the image and its snapshots hold ${l1Entries} entries, more than the ${CHECK_MAX_L1_ENTRIES} this check reads`);
  }
  return readRefcountTable(img.file, h, true);
}

/** Every part of the check, in qemu's order; the index of the highest cluster in use. */
function walk(ctx: CheckContext, table: RefcountTableEntry[], nbClusters: number, frag: FragmentationInfo, progress: CheckProgress | undefined): number {
  const { img } = ctx;
  const h = img.header;
  const cs = h.clusterSize;
  // qemu reports incomplete entries when it reads the table for the check, before the rest.
  checkSnapshotEntries(ctx);
  incRefcounts(ctx, 0, cs);
  const walks = l2Walks(ctx);
  checkL1(ctx, walks, h.l1TableOffset, h.l1Size, frag, progress);
  checkSnapshots(ctx, walks);
  countRepeatedWalks(ctx, walks);
  incRefcounts(ctx, h.refcountTableOffset, h.refcountTableClusters * cs);
  const crypto = img.extensions.cryptoHeader;
  if (crypto && crypto.length > 0) incRefcounts(ctx, crypto.offset, crypto.length);
  checkBitmapRefcounts(ctx);
  checkRefblocks(ctx, table, nbClusters);
  const highest = compareRefcounts(ctx, table);
  checkCopiedFlags(ctx, new DiskRefcounts(img.file, h, table));
  return highest;
}

/**
 * `lenient` goes with a lenient open: what qemu would fail the whole check for (an invalid bitmap
 * table entry) becomes a finding and the check goes on.
 */
export function checkQcow2(img: Qcow2Image, progress?: CheckProgress, lenient = false): Qcow2CheckResult {
  const h = img.header;
  const cs = h.clusterSize;
  const table = preflight(img);
  const nbClusters = hostClusters(img);
  const out = new FindingList();
  const ctx: CheckContext = { img, window: new ReadWindow(img.file), refs: new RefcountArray(h.refcountBits, nbClusters), out, fileSize: img.file.size, lenient };
  const frag: FragmentationInfo = {
    totalClusters: Math.ceil((Math.floor(h.virtualSize / 512) * 512) / cs),
    allocatedClusters: 0, compressedClusters: 0, fragmentedClusters: 0,
  };
  let highest: number;
  try {
    highest = walk(ctx, table, nbClusters, frag, progress);
  } catch (err) {
    // qemu-img prints what it found before the failure, then the failure.
    if (isImageError(err)) err.problemLines = out.items.map((f) => f.message);
    throw err;
  }
  return {
    corruptions: out.corruptions,
    leaks: out.leaks,
    checkErrors: out.checkErrors,
    imageEndOffset: (highest + 1) * cs,
    fragmentation: frag,
    findings: out.items,
    unlistedFindings: out.unlisted,
  };
}
