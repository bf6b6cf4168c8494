/**
 * `qemu-img check` for QCOW2, read-only (qemu 7.2 block/qcow2-refcount.c, no repair): rebuild
 * every refcount from the metadata (header, active L1/L2 and data, each snapshot's L1/L2,
 * snapshot table, refcount table and blocks, LUKS header, bitmaps), compare with the refcounts
 * on disk, then check the COPIED flags. Same counters, same stderr lines, same order.
 */
import { ReadWindow } from '../image-file.js';
import { bound, CHECK_MAX_HOST_CLUSTERS, QCOW2_MAX_L1_BYTES, QCOW2_MAX_REFTABLE_BYTES } from '../limits.js';
import { checkBitmapRefcounts } from './check-bitmaps.js';
import { FindingList, hex } from './findings.js';
import type { Finding } from './findings.js';
import type { Qcow2Image } from './open.js';
import { DiskRefcounts, readRefcountTable, refcountAt, RefcountArray } from './refcounts.js';
import type { RefcountTableEntry } from './refcounts.js';
import {
  ClusterType, clusterType, decodeCompressed, entryOffset, L1E_RESERVED_MASK_HI, L1E_RESERVED_MASK_LO,
  L2E_STD_RESERVED_MASK_HI, L2E_STD_RESERVED_MASK_LO, OFLAG_COPIED_HI, OFLAG_ZERO_LO,
} from './table-entries.js';

export interface FragmentationInfo {
  totalClusters: number;
  allocatedClusters: number;
  compressedClusters: number;
  fragmentedClusters: number;
}

export interface Qcow2CheckResult {
  readonly corruptions: number;
  readonly leaks: number;
  readonly checkErrors: number;
  readonly imageEndOffset: number;
  readonly fragmentation: FragmentationInfo;
  readonly findings: readonly Finding[];
}

export interface CheckProgress {
  (done: number, total: number): void;
}

/** State shared by the steps of one check. */
export interface CheckContext {
  readonly img: Qcow2Image;
  /** Read-ahead for the L2 walks (views are used before the next read). */
  readonly window: ReadWindow;
  readonly refs: RefcountArray;
  readonly out: FindingList;
  readonly fileSize: number;
}

const CHECK_FRAG_INFO = true;

/** qemu qcow2_inc_refcounts_imrt: one reference to every cluster of [offset, offset+size). */
export function incRefcounts(ctx: CheckContext, offset: number, size: number): void {
  if (size <= 0) return;
  const cs = ctx.img.header.clusterSize;
  // The last cluster may be half written, so less than one cluster past the end is accepted.
  if (offset + size - ctx.fileSize >= cs) {
    ctx.out.add('REGION_BEYOND_EOF', 'corruption',
      `ERROR: counting reference for region exceeding the end of the file by one cluster or more: offset 0x${hex(offset)} size 0x${hex(size)}`, offset);
    return;
  }
  const first = Math.floor(offset / cs);
  const last = Math.floor((offset + size - 1) / cs);
  for (let k = first; k <= last; k++) {
    if (k >= ctx.refs.size) ctx.refs.grow(k + 1);
    if (!ctx.refs.increment(k)) {
      ctx.out.add('REFCOUNT_OVERFLOW', 'corruption', `ERROR: overflow cluster offset=0x${hex(k * cs)}`, k * cs);
    }
  }
}

function checkL2(ctx: CheckContext, l2Offset: number, fragInfo: FragmentationInfo | undefined): void {
  const { img } = ctx;
  const h = img.header;
  const ext = h.extendedL2;
  const entryBytes = ext ? 16 : 8;
  const l2 = ctx.window.view(l2Offset, img.l2Entries * entryBytes);
  let nextContiguous = 0;
  for (let i = 0; i < img.l2Entries; i++) {
    const p = i * entryBytes;
    const hi = l2.readUInt32BE(p);
    const lo = l2.readUInt32BE(p + 4);
    const bitmapHi = ext ? l2.readUInt32BE(p + 8) : 0;
    const bitmapLo = ext ? l2.readUInt32BE(p + 12) : 0;
    if (hi === 0 && lo === 0 && bitmapHi === 0 && bitmapLo === 0) continue;
    const type = clusterType(hi, lo, ext, img.hasDataFile);
    if (type !== ClusterType.Compressed && ((hi & L2E_STD_RESERVED_MASK_HI) !== 0 || (lo & L2E_STD_RESERVED_MASK_LO) !== 0)) {
      ctx.out.add('L2_RESERVED_BITS', 'corruption', `ERROR found l2 entry with reserved bits set: ${entryHex(hi, lo)}`, l2Offset + p);
    }
    if (type === ClusterType.Compressed) {
      checkCompressed(ctx, i, hi, lo, bitmapHi !== 0 || bitmapLo !== 0, l2Offset + p, fragInfo);
    } else if (type === ClusterType.Normal || type === ClusterType.ZeroAlloc) {
      const offset = entryOffset(hi, lo);
      if (offset < 0) {
        ctx.out.add('OFFSET_UNSAFE', 'corruption', `ERROR l2 entry ${entryHex(hi, lo)}: offset at or above 2^53`, l2Offset + p);
        continue;
      }
      if ((bitmapHi & bitmapLo) !== 0) {
        ctx.out.add('SUBCLUSTER_BITMAP_CORRUPT', 'corruption', `ERROR offset=${hex(offset)}: Allocated cluster has corrupted subcluster allocation bitmap`, l2Offset + p);
      }
      if (offset % h.clusterSize !== 0) {
        const containsData = ext ? bitmapLo !== 0 : (lo & OFLAG_ZERO_LO) === 0;
        if (containsData) ctx.out.add('DATA_CLUSTER_UNALIGNED', 'corruption', `ERROR offset=${hex(offset)}: Data cluster is not properly aligned; L2 entry corrupted.`, l2Offset + p);
        else ctx.out.add('PREALLOCATED_CLUSTER_UNALIGNED', 'corruption', `ERROR offset=${hex(offset)}: Preallocated cluster is not properly aligned; L2 entry corrupted.`, l2Offset + p);
      }
      if (fragInfo) {
        fragInfo.allocatedClusters++;
        if (nextContiguous !== 0 && offset !== nextContiguous) fragInfo.fragmentedClusters++;
        nextContiguous = offset + h.clusterSize;
      }
      if (!img.hasDataFile) incRefcounts(ctx, offset, h.clusterSize);
    } else if (type === ClusterType.Unallocated && bitmapLo !== 0) {
      ctx.out.add('UNALLOCATED_WITH_SUBCLUSTER_BITMAP', 'corruption', 'ERROR: Unallocated cluster has non-zero subcluster allocation map', l2Offset + p);
    }
  }
}

function checkCompressed(ctx: CheckContext, index: number, hi: number, lo: number, hasBitmap: boolean, at: number, fragInfo: FragmentationInfo | undefined): void {
  const h = ctx.img.header;
  const desc = decodeCompressed(hi, lo, h.clusterBits);
  if (hi & OFLAG_COPIED_HI) {
    ctx.out.add('COMPRESSED_COPIED', 'corruption', `ERROR: coffset=0x${hex(desc?.offset ?? 0)}: copied flag must never be set for compressed clusters`, at);
    hi &= ~OFLAG_COPIED_HI;
  }
  if (ctx.img.hasDataFile) {
    ctx.out.add('COMPRESSED_WITH_DATA_FILE', 'corruption', `ERROR compressed cluster ${index} with data file, entry=0x${entryHex(hi, lo)}`, at);
    return;
  }
  if (hasBitmap) {
    ctx.out.add('COMPRESSED_WITH_SUBCLUSTER_BITMAP', 'corruption', `ERROR compressed cluster ${index} with non-zero subcluster allocation bitmap, entry=0x${entryHex(hi, lo)}`, at);
    return;
  }
  if (desc === undefined) {
    ctx.out.add('OFFSET_UNSAFE', 'corruption', `ERROR compressed cluster ${index}: offset at or above 2^53`, at);
    return;
  }
  incRefcounts(ctx, desc.offset, desc.size);
  if (fragInfo) {
    fragInfo.allocatedClusters++;
    fragInfo.compressedClusters++;
    fragInfo.fragmentedClusters++;
  }
}

const entryHex = (hi: number, lo: number): string => ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString(16);

/** qemu check_refcounts_l1. */
function checkL1(ctx: CheckContext, l1Offset: number, l1Size: number, fragInfo: FragmentationInfo | undefined, progress?: CheckProgress): void {
  if (l1Size === 0) return;
  incRefcounts(ctx, l1Offset, l1Size * 8);
  const l1 = ctx.img.file.read(l1Offset, l1Size * 8);
  for (let i = 0; i < l1Size; i++) {
    const hi = l1.readUInt32BE(i * 8);
    const lo = l1.readUInt32BE(i * 8 + 4);
    if (hi === 0 && lo === 0) continue;
    if ((hi & L1E_RESERVED_MASK_HI) !== 0 || (lo & L1E_RESERVED_MASK_LO) !== 0) {
      ctx.out.add('L1_RESERVED_BITS', 'corruption', `ERROR found L1 entry with reserved bits set: ${entryHex(hi, lo)}`, l1Offset + i * 8);
    }
    const l2Offset = entryOffset(hi, lo);
    if (l2Offset < 0) {
      ctx.out.add('OFFSET_UNSAFE', 'corruption', `ERROR L1 entry ${entryHex(hi, lo)}: offset at or above 2^53`, l1Offset + i * 8);
      continue;
    }
    incRefcounts(ctx, l2Offset, ctx.img.header.clusterSize);
    if (l2Offset % ctx.img.header.clusterSize !== 0) {
      ctx.out.add('L2_TABLE_UNALIGNED', 'corruption', `ERROR l2_offset=${hex(l2Offset)}: Table is not cluster aligned; L1 entry corrupted`, l1Offset + i * 8);
    }
    checkL2(ctx, l2Offset, fragInfo);
    progress?.(i + 1, l1Size);
  }
}

function checkSnapshots(ctx: CheckContext): void {
  const { img } = ctx;
  if (img.hasDataFile && img.snapshots.length > 0) {
    ctx.out.add('SNAPSHOTS_WITH_DATA_FILE', 'corruption', `ERROR ${img.snapshots.length} snapshots in image with data file`);
  }
  for (const sn of img.snapshots) {
    if (sn.l1TableOffset % img.header.clusterSize !== 0) {
      ctx.out.add('SNAPSHOT_L1_UNALIGNED', 'corruption', `ERROR snapshot ${sn.id} (${sn.name}) l1_offset=0x${hex(sn.l1TableOffset)}: L1 table is not cluster aligned; snapshot table entry corrupted`, sn.entryOffset);
      continue;
    }
    if (sn.l1Size > QCOW2_MAX_L1_BYTES / 8) {
      ctx.out.add('SNAPSHOT_L1_TOO_LARGE', 'corruption', `ERROR snapshot ${sn.id} (${sn.name}) l1_size=0x${hex(sn.l1Size)}: L1 table is too large; snapshot table entry corrupted`, sn.entryOffset);
      continue;
    }
    checkL1(ctx, sn.l1TableOffset, sn.l1Size, undefined);
  }
  incRefcounts(ctx, img.header.snapshotsOffset, img.snapshotTableBytes);
}

/** qemu check_refblocks: the refcount blocks themselves, each must be referenced exactly once. */
function checkRefblocks(ctx: CheckContext, table: readonly RefcountTableEntry[], nbClusters: number): void {
  const cs = ctx.img.header.clusterSize;
  for (const e of table) {
    if (e.reservedBits) {
      ctx.out.add('REFTABLE_RESERVED_BITS', 'corruption', `ERROR refcount table entry ${e.index} has reserved bits set`);
      continue;
    }
    if (e.offset === 0) continue;
    if (e.offset < 0 || e.offset % cs !== 0) {
      ctx.out.add('REFBLOCK_UNALIGNED', 'corruption', `ERROR refcount block ${e.index} is not cluster aligned; refcount table entry corrupted`);
      continue;
    }
    const cluster = e.offset / cs;
    if (cluster >= nbClusters) {
      ctx.out.add('REFBLOCK_OUTSIDE_IMAGE', 'corruption', `ERROR refcount block ${e.index} is outside image`, e.offset);
      continue;
    }
    incRefcounts(ctx, e.offset, cs);
    const count = ctx.refs.get(cluster);
    if (count !== 1) ctx.out.add('REFBLOCK_REFCOUNT', 'corruption', `ERROR refcount block ${e.index} refcount=${count}`, e.offset);
  }
}

/**
 * qemu compare_refcounts; returns the highest cluster in use either way. Walks one refcount
 * block at a time (the same answers as qcow2_get_refcount per cluster, without a lookup each).
 */
function compareRefcounts(ctx: CheckContext, table: readonly RefcountTableEntry[]): number {
  const h = ctx.img.header;
  const cs = h.clusterSize;
  const perBlock = (cs * 8) / h.refcountBits;
  const total = ctx.refs.size;
  let highest = 0;
  for (let t = 0; t * perBlock < total; t++) {
    const entry = table[t];
    const first = t * perBlock;
    const end = Math.min(total, first + perBlock);
    const readable = entry === undefined || entry.offset === 0 || (entry.offset > 0 && entry.offset % cs === 0);
    const block = readable && entry !== undefined && entry.offset !== 0 ? ctx.img.file.read(entry.offset, cs) : undefined;
    for (let i = first; i < end; i++) {
      if (!readable) {
        ctx.out.add('REFCOUNT_UNREADABLE', 'check-error', `Can't get refcount for cluster ${i}: Input/output error`, i * cs);
        continue;
      }
      const onDisk = block ? refcountAt(block, i - first, h.refcountBits) : 0;
      const computed = ctx.refs.get(i);
      if (onDisk > 0 || computed > 0) highest = i;
      if (onDisk === computed) continue;
      if (onDisk < computed) ctx.out.add('REFCOUNT_TOO_LOW', 'corruption', `ERROR cluster ${i} refcount=${onDisk} reference=${computed}`, i * cs);
      else ctx.out.add('LEAKED_CLUSTER', 'leak', `Leaked cluster ${i} refcount=${onDisk} reference=${computed}`, i * cs);
    }
  }
  return highest;
}

/** qemu check_oflag_copied: COPIED must be set exactly when the on-disk refcount is 1. */
function checkCopiedFlags(ctx: CheckContext, disk: DiskRefcounts): void {
  const { img } = ctx;
  const h = img.header;
  const cs = h.clusterSize;
  const entryBytes = h.extendedL2 ? 16 : 8;
  const l1 = img.file.read(h.l1TableOffset, h.l1Size * 8);
  for (let i = 0; i < h.l1Size; i++) {
    const l1hi = l1.readUInt32BE(i * 8);
    const l1lo = l1.readUInt32BE(i * 8 + 4);
    const l2Offset = entryOffset(l1hi, l1lo);
    if (l2Offset <= 0) continue;
    const l2Ref = disk.get(Math.floor(l2Offset / cs));
    if (l2Ref === undefined) continue;
    if ((l2Ref === 1) !== ((l1hi & OFLAG_COPIED_HI) !== 0)) {
      ctx.out.add('OFLAG_COPIED_L2', 'corruption', `ERROR OFLAG_COPIED L2 cluster: l1_index=${i} l1_entry=${entryHex(l1hi, l1lo)} refcount=${l2Ref}`, h.l1TableOffset + i * 8);
    }
    const l2 = ctx.window.view(l2Offset, img.l2Entries * entryBytes);
    for (let j = 0; j < img.l2Entries; j++) {
      const hi = l2.readUInt32BE(j * entryBytes);
      const lo = l2.readUInt32BE(j * entryBytes + 4);
      if (hi === 0 && lo === 0) continue;
      const type = clusterType(hi, lo, h.extendedL2, img.hasDataFile);
      if (type !== ClusterType.Normal && type !== ClusterType.ZeroAlloc) continue;
      const dataOffset = entryOffset(hi, lo);
      if (dataOffset < 0) continue;
      const ref = img.hasDataFile ? 1 : disk.get(Math.floor(dataOffset / cs));
      if (ref === undefined) continue;
      if ((ref === 1) !== ((hi & OFLAG_COPIED_HI) !== 0)) {
        ctx.out.add('OFLAG_COPIED_DATA', 'corruption', `ERROR OFLAG_COPIED data cluster: l2_entry=${entryHex(hi, lo)} refcount=${ref}`, l2Offset + j * entryBytes);
      }
    }
  }
}

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
  checkL1(ctx, h.l1TableOffset, h.l1Size, CHECK_FRAG_INFO ? frag : undefined, progress);
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
