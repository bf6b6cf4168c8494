/**
 * `check` against the refcounts on disk: the refcount blocks themselves (check_refblocks), every
 * cluster's stored count against the rebuilt one (compare_refcounts), and the COPIED flags
 * (check_oflag_copied), with qemu's messages.
 */
import { entryHex, incRefcounts } from './check-context.js';
import { WalkMemo } from './walk-memo.js';
import type { CheckContext } from './check-context.js';
import { UNLISTED } from './findings.js';
import type { FindingList } from './findings.js';
import { refcountAt } from './refcounts.js';
import type { DiskRefcounts, RefcountTableEntry } from './refcounts.js';
import { bigEndianWords, ClusterType, clusterType, entryOffset, OFLAG_COPIED_HI } from './table-entries.js';
import { isAllZero } from '../all-zero.js';

/** qemu check_refblocks: the refcount blocks themselves, each must be referenced exactly once. */
export function checkRefblocks(ctx: CheckContext, table: readonly RefcountTableEntry[], nbClusters: number): void {
  const cs = ctx.img.header.clusterSize;
  for (const e of table) {
    if (e.reservedBits) {
      ctx.out.add('REFTABLE_RESERVED_BITS', 'corruption', () => `ERROR refcount table entry ${e.index} has reserved bits set`);
      continue;
    }
    if (e.offset === 0) continue;
    if (!e.aligned) {
      ctx.out.add('REFBLOCK_UNALIGNED', 'corruption', () => `ERROR refcount block ${e.index} is not cluster aligned; refcount table entry corrupted`);
      continue;
    }
    const cluster = e.offset / cs;
    if (cluster >= nbClusters) {
      ctx.out.add('REFBLOCK_OUTSIDE_IMAGE', 'corruption', () => `ERROR refcount block ${e.index} is outside image`, e.offset);
      continue;
    }
    incRefcounts(ctx, e.offset, cs);
    const count = ctx.refs.get(cluster);
    if (count !== 1) ctx.out.add('REFBLOCK_REFCOUNT', 'corruption', () => `ERROR refcount block ${e.index} refcount=${count}`, e.offset);
  }
}

/**
 * qemu compare_refcounts; returns the highest cluster in use either way. Walks one refcount
 * block at a time (the same answers as qcow2_get_refcount per cluster, without a lookup each).
 */
export function compareRefcounts(ctx: CheckContext, table: readonly RefcountTableEntry[]): number {
  const h = ctx.img.header;
  const cs = h.clusterSize;
  const perBlock = (cs * 8) / h.refcountBits;
  const total = ctx.refs.size;
  let highest = 0;
  for (let t = 0; t * perBlock < total; t++) {
    const entry = table[t];
    const first = t * perBlock;
    const end = Math.min(total, first + perBlock);
    const readable = entry === undefined || entry.offset === 0 || entry.aligned;
    if (!readable) {
      // qemu fails the lookup of every cluster the block covers: one error each, counted at once.
      ctx.out.addRun('REFCOUNT_UNREADABLE', 'check-error', end - first,
        (k) => `Can't get refcount for cluster ${first + k}: Input/output error`, (k) => (first + k) * cs);
      continue;
    }
    const block = entry !== undefined && entry.offset !== 0 ? ctx.img.file.read(entry.offset, cs) : undefined;
    for (let i = first; i < end; i++) {
      const onDisk = block ? refcountAt(block, i - first, h.refcountBits) : 0;
      const computed = ctx.refs.get(i);
      if (onDisk > 0 || computed > 0) highest = i;
      if (onDisk === computed) continue;
      if (onDisk < computed) ctx.out.add('REFCOUNT_TOO_LOW', 'corruption', () => `ERROR cluster ${i} refcount=${onDisk} reference=${computed}`, i * cs);
      else ctx.out.add('LEAKED_CLUSTER', 'leak', () => `Leaked cluster ${i} refcount=${onDisk} reference=${computed}`, i * cs);
    }
  }
  return highest;
}

/** qemu check_oflag_copied: COPIED must be set exactly when the on-disk refcount is 1. */
export function checkCopiedFlags(ctx: CheckContext, disk: DiskRefcounts): void {
  const { img } = ctx;
  const h = img.header;
  const cs = h.clusterSize;
  const l1 = img.file.read(h.l1TableOffset, h.l1Size * 8);
  // The L2 findings depend on the table and the refcounts on disk only: walked once per table.
  const walks = new WalkMemo<void>(ctx.out, 'REFCOUNT_OVERFLOW');
  for (let i = 0; i < h.l1Size; i++) {
    const l1hi = l1.readUInt32BE(i * 8);
    const l1lo = l1.readUInt32BE(i * 8 + 4);
    const l2Offset = entryOffset(l1hi, l1lo);
    if (l2Offset === 0) continue;
    const l2Ref = disk.get(Math.floor(l2Offset / cs));
    if (l2Ref === undefined) continue;
    if ((l2Ref === 1) !== ((l1hi & OFLAG_COPIED_HI) !== 0)) {
      ctx.out.add('OFLAG_COPIED_L2', 'corruption', () => `ERROR OFLAG_COPIED L2 cluster: l1_index=${i} l1_entry=${entryHex(l1hi, l1lo)} refcount=${l2Ref}`, h.l1TableOffset + i * 8);
    }
    // Past the end of the file the table reads as zeros: no data clusters (see checkL1).
    if (l2Offset >= ctx.fileSize) continue;
    const walk = (): void => checkCopiedData(ctx, disk, l2Offset);
    walks.visit(l2Offset, walk, walk);
  }
}

/** The data clusters of one L2 table (qemu check_oflag_copied, inner loop). */
function checkCopiedData(ctx: CheckContext, disk: DiskRefcounts, l2Offset: number): void {
  const { img } = ctx;
  const h = img.header;
  const entryBytes = h.extendedL2 ? 16 : 8;
  const l2 = ctx.window.view(l2Offset, img.l2Entries * entryBytes);
  if (isAllZero(l2)) return;
  const be = bigEndianWords(l2);
  for (let j = 0; j < img.l2Entries; j++) {
    const hi = be.getUint32(j * entryBytes);
    const lo = be.getUint32(j * entryBytes + 4);
    if ((hi | lo) === 0) continue;
    const type = clusterType(hi, lo, h.extendedL2, img.hasDataFile);
    if (type !== ClusterType.Normal && type !== ClusterType.ZeroAlloc) continue;
    const dataOffset = entryOffset(hi, lo);
    const ref = img.hasDataFile ? 1 : disk.get(Math.floor(dataOffset / h.clusterSize));
    if (ref === undefined) continue;
    if ((ref === 1) !== ((hi & OFLAG_COPIED_HI) !== 0)) copiedDataFinding(ctx.out, hi, lo, ref, l2Offset + j * entryBytes);
  }
}

/** A closure made here, not in checkCopiedData's loop, where it would allocate its variables for every entry. */
function copiedDataFinding(out: FindingList, hi: number, lo: number, ref: number, at: number): void {
  out.add('OFLAG_COPIED_DATA', 'corruption', out.full ? UNLISTED : () => `ERROR OFLAG_COPIED data cluster: l2_entry=${entryHex(hi, lo)} refcount=${ref}`, at);
}
