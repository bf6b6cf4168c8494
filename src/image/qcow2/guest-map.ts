/**
 * Guest offset -> host location for one QCOW2 layer, as qemu's qcow2_get_host_offset and
 * qcow2_co_block_status answer it: one run of subclusters of the same kind (and, for allocated
 * ones, contiguous host offsets) inside one L2 table. Map, the guest reader and partitions all
 * go through this.
 */
import { ImageCorruptError, ImageOffsetError } from '../errors.js';
import { bound, MAX_SAFE_OFFSET_BYTES, QCOW2_MAX_L1_BYTES } from '../limits.js';
import { L2Cache } from './l2-cache.js';
import { runEnd, runStarts } from './l2-runs.js';
import type { Qcow2Image } from './open.js';
import { ClusterType, clusterType, decodeCompressed, decodeCompressedRaw, entryOffset, SubclusterType, subclusterType } from './table-entries.js';
import type { CompressedDescriptor } from './table-entries.js';

export interface HostRun {
  /** Guest bytes this run covers (> 0). */
  readonly bytes: number;
  readonly type: SubclusterType;
  /** Host offset of the run's first byte, for Normal / ZeroAlloc / UnallocatedAlloc. */
  readonly hostOffset: number | undefined;
  /** For a compressed cluster: where its data is. */
  readonly compressed: CompressedDescriptor | undefined;
}

export class Qcow2GuestMap {
  private readonly l1: Buffer;
  private readonly l2Cache: L2Cache;
  private readonly cs: number;
  private readonly scBytes: number;
  private readonly entryBytes: number;
  /** Subclusters per cluster: 32 with extended L2, else 1. */
  private readonly perCluster: number;
  /** Per cached table (dropped with it): where its runs start (see l2-runs.ts). */
  private readonly runStarts = new WeakMap<Buffer, Uint32Array>();
  /** Guest bytes the layer maps (virtual size, rounded down to sectors as qemu does). */
  readonly size: number;

  constructor(private readonly img: Qcow2Image) {
    const h = img.header;
    this.cs = h.clusterSize;
    this.scBytes = h.extendedL2 ? h.clusterSize / 32 : h.clusterSize;
    this.entryBytes = h.extendedL2 ? 16 : 8;
    this.perCluster = h.clusterSize / this.scBytes;
    // Bounded again here: a lenient open may have let an oversized L1 through as a finding.
    const l1 = bound({ what: 'active L1 table', count: h.l1Size, entryBytes: 8, limitBytes: QCOW2_MAX_L1_BYTES, offset: h.l1TableOffset, fileSize: img.file.size });
    this.l1 = img.file.read(l1.offset, l1.length);
    this.l2Cache = new L2Cache(img.file, img.l2Entries * this.entryBytes);
    this.size = Math.floor(h.virtualSize / 512) * 512;
  }

  /** The run starting at guest `offset`, at most `maxBytes` long. */
  lookup(offset: number, maxBytes: number): HostRun {
    const { cs, img } = this;
    const clusterIndex = Math.floor(offset / cs);
    const l1Index = Math.floor(clusterIndex / img.l2Entries);
    const l2Index = clusterIndex % img.l2Entries;
    const toTableEnd = (img.l2Entries - l2Index) * cs - (offset % cs);
    const limit = Math.min(maxBytes, toTableEnd);
    const unallocated = (bytes: number): HostRun => ({ bytes, type: SubclusterType.UnallocatedPlain, hostOffset: undefined, compressed: undefined });
    // Past the L1 table everything is unallocated: one run to the end, not one per table span.
    if (l1Index >= img.header.l1Size) return unallocated(maxBytes);
    const l2Offset = entryOffset(this.l1.readUInt32BE(l1Index * 8), this.l1.readUInt32BE(l1Index * 8 + 4));
    if (l2Offset === 0) return unallocated(this.unallocatedSpan(l1Index, limit, maxBytes));
    if (l2Offset % cs !== 0) {
      throw new ImageCorruptError(`L2 table offset 0x${l2Offset.toString(16)} unaligned (L1 index: 0x${l1Index.toString(16)})`);
    }
    // qemu reads such a table as zeros (it is past the end of the file); it is refused here.
    if (l2Offset >= MAX_SAFE_OFFSET_BYTES) throw new ImageOffsetError(`L1 entry 0x${l1Index.toString(16)}: L2 table offset`, BigInt(l2Offset));
    // A table of zeros maps nothing, and millions of L1 entries may name one such table (or
    // tables past the end of the file, which read as zeros): one run over all of them, instead
    // of a walk of every entry of every table.
    if (this.mapsNothing(l2Offset)) return unallocated(this.unallocatedSpan(l1Index, limit, maxBytes));
    return this.scan(this.l2Cache.get(l2Offset), l2Offset, l2Index, offset, limit);
  }

  /** Extends an unallocated L1 entry over the entries after it that map nothing, up to maxBytes. */
  private unallocatedSpan(l1Index: number, firstSpan: number, maxBytes: number): number {
    const span = this.img.l2Entries * this.cs;
    let bytes = firstSpan;
    for (let i = l1Index + 1; bytes < maxBytes; i++) {
      if (i >= this.img.header.l1Size) return maxBytes;
      if (!this.mapsNothingAt(i)) break;
      bytes += span;
    }
    return Math.min(bytes, maxBytes);
  }

  /** L1 entry `i` is empty or names a table that maps nothing; not when lookup would refuse the entry. */
  private mapsNothingAt(i: number): boolean {
    const l2Offset = entryOffset(this.l1.readUInt32BE(i * 8), this.l1.readUInt32BE(i * 8 + 4));
    if (l2Offset === 0) return true;
    return l2Offset % this.cs === 0 && l2Offset < MAX_SAFE_OFFSET_BYTES && this.mapsNothing(l2Offset);
  }

  private mapsNothing(l2Offset: number): boolean {
    return l2Offset >= this.img.file.size || this.l2Cache.allZero(l2Offset);
  }

  private entry(table: Buffer, index: number): [hi: number, lo: number, alloc: number, zero: number] {
    const p = index * this.entryBytes;
    const ext = this.entryBytes === 16;
    return [table.readUInt32BE(p), table.readUInt32BE(p + 4), ext ? table.readUInt32BE(p + 12) : 0, ext ? table.readUInt32BE(p + 8) : 0];
  }

  private subType(hi: number, lo: number, alloc: number, zero: number, sc: number, l2Offset: number, index: number): SubclusterType {
    const h = this.img.header;
    const t = subclusterType(clusterType(hi, lo, h.extendedL2, this.img.hasDataFile), h.extendedL2, alloc, zero, sc);
    if (t === SubclusterType.Invalid) throw new ImageCorruptError(`Invalid cluster entry found  (L2 offset: 0x${l2Offset.toString(16)}, L2 index: 0x${index.toString(16)})`);
    if (h.version < 3 && (t === SubclusterType.ZeroPlain || t === SubclusterType.ZeroAlloc)) {
      throw new ImageCorruptError(`Zero cluster entry found in pre-v3 image (L2 offset: 0x${l2Offset.toString(16)}, L2 index: 0x${index.toString(16)})`);
    }
    return t;
  }

  /** Counts subclusters like qemu count_contiguous_subclusters, from `offset` up to `limit` bytes. */
  private scan(table: Buffer, l2Offset: number, l2Index: number, offset: number, limit: number): HostRun {
    const { cs, scBytes } = this;
    const inCluster = offset % cs;
    let sc = Math.floor(inCluster / scBytes);
    const skip = inCluster % scBytes;
    const [hi, lo, alloc, zero] = this.entry(table, l2Index);
    const type = this.subType(hi, lo, alloc, zero, sc, l2Offset, l2Index);
    if (type === SubclusterType.Compressed) {
      if (this.img.hasDataFile) throw new ImageCorruptError(`Compressed cluster entry found in image with external data file (L2 offset: 0x${l2Offset.toString(16)}, L2 index: 0x${l2Index.toString(16)})`);
      const compressed = decodeCompressed(hi, lo, this.img.header.clusterBits);
      if (!compressed) {
        const what = `L2 table 0x${l2Offset.toString(16)} entry 0x${l2Index.toString(16)}: compressed cluster offset`;
        throw new ImageOffsetError(what, decodeCompressedRaw(hi, lo, this.img.header.clusterBits).offset);
      }
      return { bytes: Math.min(limit, cs - inCluster), type, hostOffset: undefined, compressed };
    }
    const hasHost = type === SubclusterType.Normal || type === SubclusterType.ZeroAlloc || type === SubclusterType.UnallocatedAlloc;
    const firstHost = hasHost ? this.hostCluster(hi, lo, offset, l2Offset, l2Index) : undefined;
    // The subclusters of the first cluster with the same type (the one of a standard entry).
    let bytes = 0;
    while (sc < this.perCluster && this.subType(hi, lo, alloc, zero, sc, l2Offset, l2Index) === type) {
      bytes += scBytes;
      sc++;
    }
    if (sc === this.perCluster && bytes - skip < limit) bytes = this.extendRun(table, l2Offset, l2Index, type, firstHost, bytes, skip, limit);
    const run = Math.min(limit, bytes - skip);
    return { bytes: run, type, hostOffset: firstHost === undefined ? undefined : firstHost + inCluster, compressed: undefined };
  }

  /**
   * A run that has consumed all of entry `l2Index`, `bytes` so far, extended over the entries
   * after it as the scan would: the whole ones that continue it (from the table's run starts,
   * decoded once) as far as `limit` asks, then a look at the entry that ends it.
   */
  private extendRun(table: Buffer, l2Offset: number, l2Index: number, type: SubclusterType, firstHost: number | undefined, bytes: number, skip: number, limit: number): number {
    const end = runEnd(this.runStartsOf(table), l2Index);
    const whole = end - l2Index - 1;
    // The scan stops after the first whole entry that reaches the limit.
    const taken = Math.min(whole, Math.ceil((limit - (bytes - skip)) / this.cs));
    const extended = bytes + taken * this.cs;
    if (taken < whole || extended - skip >= limit || end >= this.img.l2Entries) return extended;
    const expectedHost = firstHost === undefined ? undefined : firstHost + (end - l2Index) * this.cs;
    return extended + this.continuingSubclusters(table, l2Offset, end, type, expectedHost);
  }

  /**
   * What the scan makes of the entry that ends a run: it refuses it as the scan would (an invalid
   * entry), or takes the subclusters at its start that still have the run's type (extended L2).
   */
  private continuingSubclusters(table: Buffer, l2Offset: number, index: number, type: SubclusterType, expectedHost: number | undefined): number {
    const [hi, lo, alloc, zero] = this.entry(table, index);
    if (this.subType(hi, lo, alloc, zero, 0, l2Offset, index) !== type) return 0;
    if (expectedHost !== undefined && (entryOffset(hi, lo) !== expectedHost || expectedHost >= MAX_SAFE_OFFSET_BYTES)) return 0;
    let sc = 0;
    while (sc < this.perCluster && this.subType(hi, lo, alloc, zero, sc, l2Offset, index) === type) sc++;
    return sc * this.scBytes;
  }

  /** The run starts of a cached table, decoded on the first run that goes past one entry of it. */
  private runStartsOf(table: Buffer): Uint32Array {
    let starts = this.runStarts.get(table);
    if (starts === undefined) {
      starts = this.decodeRuns(table);
      this.runStarts.set(table, starts);
    }
    return starts;
  }

  private decodeRuns(table: Buffer): Uint32Array {
    const h = this.img.header;
    return runStarts(table, { entries: this.img.l2Entries, clusterSize: this.cs, extendedL2: h.extendedL2, hasDataFile: this.img.hasDataFile, zeroClusters: h.version >= 3 });
  }

  private hostCluster(hi: number, lo: number, guestOffset: number, l2Offset: number, l2Index: number): number {
    const host = entryOffset(hi, lo);
    if (host % this.cs !== 0) {
      throw new ImageCorruptError(`Cluster allocation offset 0x${host.toString(16)} unaligned (L2 offset: 0x${l2Offset.toString(16)}, L2 index: 0x${l2Index.toString(16)})`);
    }
    // Past the end of any file (qemu maps it there and reads zeros): refused with its value.
    if (host >= MAX_SAFE_OFFSET_BYTES) throw new ImageOffsetError(`L2 table 0x${l2Offset.toString(16)} entry 0x${l2Index.toString(16)}: cluster offset`, BigInt(host));
    const guestCluster = guestOffset - (guestOffset % this.cs);
    if (this.img.hasDataFile && host !== guestCluster) {
      throw new ImageCorruptError(`External data file host cluster offset 0x${host.toString(16)} does not match guest cluster offset: 0x${guestCluster.toString(16)}, L2 index: 0x${l2Index.toString(16)})`);
    }
    return host;
  }
}
