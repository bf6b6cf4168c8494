/**
 * `check` over the mapping tables (qemu check_refcounts_l1 / check_refcounts_l2): count a
 * reference for every L1 table, L2 table and data cluster, active and in each snapshot, and
 * report misaligned or reserved-bit entries, with the fragmentation figures of the active L1.
 */
import { ImageCorruptError, ImageLimitError } from '../errors.js';
import { CHECK_MAX_UNALIGNED_L2_BYTES, QCOW2_MAX_L1_BYTES } from '../limits.js';
import { addReferences, entryHex, incRefcounts, regionBeyondEof } from './check-context.js';
import type { CheckContext, CheckProgress, FragmentationInfo } from './check-context.js';
import { hex, UNLISTED } from './findings.js';
import type { FindingList } from './findings.js';
import { WalkMemo } from './walk-memo.js';
import type { Qcow2Image } from './open.js';
import type { Qcow2Snapshot } from './snapshots.js';
import {
  bigEndianWords, ClusterType, clusterType, decodeCompressed, decodeCompressedRaw, entryOffset,
  L1E_RESERVED_MASK_HI, L1E_RESERVED_MASK_LO, L2E_STD_RESERVED_MASK_HI, L2E_STD_RESERVED_MASK_LO, OFLAG_COPIED_HI,
  offsetIntoCluster, OFLAG_ZERO_LO,
} from './table-entries.js';
import { isAllZero } from '../all-zero.js';

/**
 * What one walk of an L2 table does: the first reports and counts (`times` 1); a walk for the
 * findings of a table already counted only reports (0); a walk for references deferred from
 * repeated walks only counts, `times` each (see walk-memo.ts).
 */
interface L2Pass {
  readonly findings: boolean;
  readonly times: number;
}

const FIRST_WALK: L2Pass = { findings: true, times: 1 };
const FINDINGS_ONLY: L2Pass = { findings: true, times: 0 };

/** Clusters the walk adds to the fragmentation figures (active L1 only). */
interface FragmentationDelta {
  allocated: number;
  compressed: number;
  fragmented: number;
}

const NOTHING_WALKED: FragmentationDelta = Object.freeze({ allocated: 0, compressed: 0, fragmented: 0 });

/** A reference from an L2 entry, as qemu's qcow2_inc_refcounts_imrt counts it, by `pass`. */
function refer(ctx: CheckContext, pass: L2Pass, offset: number, size: number): void {
  if (size <= 0 || (pass.findings && regionBeyondEof(ctx, offset, size))) return;
  addReferences(ctx, offset, size, pass.times);
}

/** qemu check_refcounts_l2. */
function checkL2(ctx: CheckContext, l2Offset: number, pass: L2Pass): FragmentationDelta {
  const { img } = ctx;
  const h = img.header;
  const ext = h.extendedL2;
  const entryBytes = ext ? 16 : 8;
  const l2 = ctx.window.view(l2Offset, img.l2Entries * entryBytes);
  if (isAllZero(l2)) return NOTHING_WALKED;
  const be = bigEndianWords(l2);
  const out = pass.findings ? ctx.out : undefined;
  const frag: FragmentationDelta = { allocated: 0, compressed: 0, fragmented: 0 };
  let nextContiguous = 0;
  for (let i = 0; i < img.l2Entries; i++) {
    const p = i * entryBytes;
    const hi = be.getUint32(p);
    const lo = be.getUint32(p + 4);
    const bitmapHi = ext ? be.getUint32(p + 8) : 0;
    const bitmapLo = ext ? be.getUint32(p + 12) : 0;
    if ((hi | lo | bitmapHi | bitmapLo) === 0) continue;
    const type = clusterType(hi, lo, ext, img.hasDataFile);
    if (out && type !== ClusterType.Compressed && ((hi & L2E_STD_RESERVED_MASK_HI) !== 0 || (lo & L2E_STD_RESERVED_MASK_LO) !== 0)) {
      reservedBitsFinding(out, hi, lo, l2Offset + p);
    }
    if (type === ClusterType.Compressed) {
      checkCompressed(ctx, pass, i, hi, lo, bitmapHi !== 0 || bitmapLo !== 0, l2Offset + p, frag);
    } else if (type === ClusterType.Normal || type === ClusterType.ZeroAlloc) {
      // At or above 2^53 the offset is past the end of the file: counted as qemu counts it.
      const offset = entryOffset(hi, lo);
      if (out && (bitmapHi & bitmapLo) !== 0) corruptBitmapFinding(out, offset, l2Offset + p);
      if (out && offsetIntoCluster(lo, h.clusterSize) !== 0) {
        unalignedClusterFinding(out, offset, ext ? bitmapLo !== 0 : (lo & OFLAG_ZERO_LO) === 0, l2Offset + p);
      }
      frag.allocated++;
      if (nextContiguous !== 0 && offset !== nextContiguous) frag.fragmented++;
      nextContiguous = offset + h.clusterSize;
      if (!img.hasDataFile) refer(ctx, pass, offset, h.clusterSize);
    } else if (type === ClusterType.Unallocated && bitmapLo !== 0) {
      out?.add('UNALLOCATED_WITH_SUBCLUSTER_BITMAP', 'corruption', 'ERROR: Unallocated cluster has non-zero subcluster allocation map', l2Offset + p);
    }
  }
  return frag;
}

/*
 * Findings of L2 entries. Their messages are closures, built only for the findings that are
 * listed; the closures are made here, not in checkL2's loop, where capturing its variables would
 * allocate them for every entry walked, and not at all once the list is full.
 */

function reservedBitsFinding(out: FindingList, hi: number, lo: number, at: number): void {
  out.add('L2_RESERVED_BITS', 'corruption', out.full ? UNLISTED : () => `ERROR found l2 entry with reserved bits set: ${entryHex(hi, lo)}`, at);
}

function corruptBitmapFinding(out: FindingList, offset: number, at: number): void {
  out.add('SUBCLUSTER_BITMAP_CORRUPT', 'corruption',
    out.full ? UNLISTED : () => `ERROR offset=${hex(offset)}: Allocated cluster has corrupted subcluster allocation bitmap`, at);
}

function unalignedClusterFinding(out: FindingList, offset: number, containsData: boolean, at: number): void {
  if (containsData) {
    out.add('DATA_CLUSTER_UNALIGNED', 'corruption', out.full ? UNLISTED : () => `ERROR offset=${hex(offset)}: Data cluster is not properly aligned; L2 entry corrupted.`, at);
  } else {
    out.add('PREALLOCATED_CLUSTER_UNALIGNED', 'corruption',
      out.full ? UNLISTED : () => `ERROR offset=${hex(offset)}: Preallocated cluster is not properly aligned; L2 entry corrupted.`, at);
  }
}

function checkCompressed(ctx: CheckContext, pass: L2Pass, index: number, hi: number, lo: number, hasBitmap: boolean, at: number, frag: FragmentationDelta): void {
  const h = ctx.img.header;
  const out = pass.findings ? ctx.out : undefined;
  // Undefined for an offset at or above 2^53: far past the end of the file.
  const desc = decodeCompressed(hi, lo, h.clusterBits);
  const offsetHex = (): string => decodeCompressedRaw(hi, lo, h.clusterBits).offset.toString(16);
  if (hi & OFLAG_COPIED_HI) {
    out?.add('COMPRESSED_COPIED', 'corruption', () => `ERROR: coffset=0x${offsetHex()}: copied flag must never be set for compressed clusters`, at);
    hi &= ~OFLAG_COPIED_HI;
  }
  if (ctx.img.hasDataFile) {
    out?.add('COMPRESSED_WITH_DATA_FILE', 'corruption', () => `ERROR compressed cluster ${index} with data file, entry=0x${entryHex(hi, lo)}`, at);
    return;
  }
  if (hasBitmap) {
    out?.add('COMPRESSED_WITH_SUBCLUSTER_BITMAP', 'corruption', () => `ERROR compressed cluster ${index} with non-zero subcluster allocation bitmap, entry=0x${entryHex(hi, lo)}`, at);
    return;
  }
  if (desc) refer(ctx, pass, desc.offset, desc.size);
  else if (pass.findings) farRegionBeyondEof(ctx, () => decodeCompressedRaw(hi, lo, h.clusterBits), at);
  frag.allocated++;
  frag.compressed++;
  frag.fragmented++;
}

/** The L2 walks of one check: each table walked once, later references replay it (walk-memo.ts). */
export interface L2Walks {
  readonly memo: WalkMemo<FragmentationDelta>;
  /** Bytes of tables at unaligned offsets walked so far (see CHECK_MAX_UNALIGNED_L2_BYTES). */
  unalignedBytes: number;
}

export function l2Walks(ctx: CheckContext): L2Walks {
  // An overflow depends on every reference counted before it, not on the table alone.
  return { memo: new WalkMemo<FragmentationDelta>(ctx.out, 'REFCOUNT_OVERFLOW'), unalignedBytes: 0 };
}

/**
 * The references of every repeated walk, `repeats` each, once every L1 table has been walked.
 * Refcounts are sums, so they end as qemu's; only an overflow can be listed at another place.
 */
export function countRepeatedWalks(ctx: CheckContext, walks: L2Walks): void {
  for (const [offset, repeats] of walks.memo.repeated()) checkL2(ctx, offset, { findings: false, times: repeats });
}

/**
 * The first walk of the table at `l2Offset`. One at an unaligned offset counts against
 * CHECK_MAX_UNALIGNED_L2_BYTES first; the other walks of a table (its references again when it is
 * named more than once, its COPIED flags) are at most two per first walk, and its findings are
 * walked again only while the list has room for more than CHECK_MAX_RECORDED_FINDINGS of them.
 */
function firstWalk(ctx: CheckContext, walks: L2Walks, l2Offset: number, unaligned: boolean): FragmentationDelta {
  if (unaligned) {
    walks.unalignedBytes += ctx.img.header.clusterSize;
    if (walks.unalignedBytes > CHECK_MAX_UNALIGNED_L2_BYTES) {
      throw new ImageLimitError('bytes of unaligned L2 tables walked', walks.unalignedBytes, CHECK_MAX_UNALIGNED_L2_BYTES, 'bytes',
        `Check failed: the L1 tables name more than ${CHECK_MAX_UNALIGNED_L2_BYTES} bytes of L2 tables that are not cluster aligned, more than this check walks`);
    }
  }
  return checkL2(ctx, l2Offset, FIRST_WALK);
}

/** qemu check_refcounts_l1. */
export function checkL1(ctx: CheckContext, walks: L2Walks, l1Offset: number, l1Size: number, fragInfo: FragmentationInfo | undefined, progress?: CheckProgress): void {
  if (l1Size === 0) return;
  incRefcounts(ctx, l1Offset, l1Size * 8);
  const l1 = bigEndianWords(ctx.img.file.read(l1Offset, l1Size * 8));
  for (let i = 0; i < l1Size; i++) {
    const hi = l1.getUint32(i * 8);
    const lo = l1.getUint32(i * 8 + 4);
    if ((hi | lo) === 0) continue;
    if ((hi & L1E_RESERVED_MASK_HI) !== 0 || (lo & L1E_RESERVED_MASK_LO) !== 0) {
      ctx.out.add('L1_RESERVED_BITS', 'corruption', () => `ERROR found L1 entry with reserved bits set: ${entryHex(hi, lo)}`, l1Offset + i * 8);
    }
    // At or above 2^53 the table is past the end of the file: counted as such, and it reads as
    // zeros (no reads happen past the end), as in qemu.
    const l2Offset = entryOffset(hi, lo);
    incRefcounts(ctx, l2Offset, ctx.img.header.clusterSize);
    const unaligned = offsetIntoCluster(lo, ctx.img.header.clusterSize) !== 0;
    if (unaligned) {
      ctx.out.add('L2_TABLE_UNALIGNED', 'corruption', () => `ERROR l2_offset=${hex(l2Offset)}: Table is not cluster aligned; L1 entry corrupted`, l1Offset + i * 8);
    }
    // A table that starts past the end of the file reads as zeros, as in qemu: nothing in it to
    // count or report, so it is not walked (an L1 table of a few megabytes can name millions).
    const frag = l2Offset >= ctx.fileSize ? NOTHING_WALKED
      : walks.memo.visit(l2Offset, () => firstWalk(ctx, walks, l2Offset, unaligned), () => checkL2(ctx, l2Offset, FINDINGS_ONLY));
    if (fragInfo) {
      fragInfo.allocatedClusters += frag.allocated;
      fragInfo.compressedClusters += frag.compressed;
      fragInfo.fragmentedClusters += frag.fragmented;
    }
    progress?.(i + 1, l1Size);
  }
}

/**
 * qemu's beyond-the-end finding for a region whose offset (at or above 2^53) only a bigint holds;
 * `region` is asked only when the finding is listed.
 */
function farRegionBeyondEof(ctx: CheckContext, region: () => { offset: bigint; size: number }, at: number): void {
  ctx.out.add('REGION_BEYOND_EOF', 'corruption', () => {
    const { offset, size } = region();
    return `ERROR: counting reference for region exceeding the end of the file by one cluster or more: offset 0x${offset.toString(16)} size 0x${hex(size)}`;
  }, at);
}

/** INT64_MAX aligned down to 1 GiB: qemu's block layer fails a request that ends past it (EIO). */
const BDRV_MAX_LENGTH = 0x7fffffffc0000000n;

/**
 * A snapshot L1 table at or above 2^53, far past any file: qemu counts the reference as beyond
 * the end of the file; the table then reads as zeros (no entries to follow), unless the read
 * ends past BDRV_MAX_LENGTH, where it fails and so does the whole check.
 */
function checkFarSnapshotL1(ctx: CheckContext, offset: bigint, l1Size: number, entryOffset: number): void {
  if (l1Size === 0) return;
  farRegionBeyondEof(ctx, () => ({ offset, size: l1Size * 8 }), entryOffset);
  if (offset + BigInt(l1Size * 8) <= BDRV_MAX_LENGTH) return;
  ctx.out.add('L1_READ_FAILED', 'corruption', 'ERROR: I/O error in check_refcounts_l1', entryOffset);
  if (!ctx.lenient) throw new ImageCorruptError('Check failed: Input/output error', entryOffset);
}

/** Why check_refcounts_l1 is not run on a snapshot's L1 table, if it is not. */
function snapshotL1Fault(img: Qcow2Image, sn: Qcow2Snapshot): 'unaligned' | 'too-large' | 'far' | undefined {
  if (sn.l1TableOffsetRaw % BigInt(img.header.clusterSize) !== 0n) return 'unaligned';
  if (sn.l1Size > QCOW2_MAX_L1_BYTES / 8) return 'too-large';
  return sn.l1TableOffset < 0 ? 'far' : undefined;
}

/**
 * L1 entries the check reads over the active table and the snapshots' (CHECK_MAX_L1_ENTRIES
 * bounds it before any is read).
 */
export function l1EntriesToWalk(img: Qcow2Image): number {
  let n = img.header.l1Size;
  for (const sn of img.snapshots) if (snapshotL1Fault(img, sn) === undefined) n += sn.l1Size;
  return n;
}

export function checkSnapshots(ctx: CheckContext, walks: L2Walks): void {
  const { img } = ctx;
  if (img.hasDataFile && img.snapshots.length > 0) {
    ctx.out.add('SNAPSHOTS_WITH_DATA_FILE', 'corruption', `ERROR ${img.snapshots.length} snapshots in image with data file`);
  }
  for (const sn of img.snapshots) {
    const fault = snapshotL1Fault(img, sn);
    if (fault === 'unaligned') {
      ctx.out.add('SNAPSHOT_L1_UNALIGNED', 'corruption', `ERROR snapshot ${sn.id} (${sn.name}) l1_offset=0x${sn.l1TableOffsetRaw.toString(16)}: L1 table is not cluster aligned; snapshot table entry corrupted`, sn.entryOffset);
    } else if (fault === 'too-large') {
      ctx.out.add('SNAPSHOT_L1_TOO_LARGE', 'corruption', `ERROR snapshot ${sn.id} (${sn.name}) l1_size=0x${hex(sn.l1Size)}: L1 table is too large; snapshot table entry corrupted`, sn.entryOffset);
    } else if (fault === 'far') {
      checkFarSnapshotL1(ctx, sn.l1TableOffsetRaw, sn.l1Size, sn.entryOffset);
    } else {
      checkL1(ctx, walks, sn.l1TableOffset, sn.l1Size, undefined);
    }
  }
  incRefcounts(ctx, img.header.snapshotsOffset, img.snapshotTableBytes);
}
