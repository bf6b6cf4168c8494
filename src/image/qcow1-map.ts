/**
 * Guest offset -> host location for a QCOW version 1 image (qemu block/qcow.c get_cluster_offset
 * with allocate=0, and qcow_co_block_status): L1 and L2 entries are plain offsets; bit 63 of an
 * L2 entry marks a compressed cluster whose byte size sits in bits 63-cluster_bits..62.
 */
import { ImageOffsetError } from './errors.js';
import { bound, QCOW1_MAX_L1_BYTES } from './limits.js';
import type { QcowV1Image } from './qcow1.js';
import type { CompressedDescriptor } from './qcow2/table-entries.js';
import { L2Cache } from './qcow2/l2-cache.js';

export interface QcowV1Run {
  readonly bytes: number;
  readonly kind: 'unallocated' | 'data' | 'compressed';
  readonly hostOffset: number | undefined;
  readonly compressed: CompressedDescriptor | undefined;
}

export class QcowV1GuestMap {
  private readonly l1: Buffer;
  private readonly l2Cache: L2Cache;
  private readonly l2Entries: number;
  readonly size: number;

  constructor(private readonly img: QcowV1Image) {
    const h = img.header;
    const l1 = bound({ what: 'L1 table', count: h.l1Size, entryBytes: 8, limitBytes: QCOW1_MAX_L1_BYTES, offset: h.l1TableOffset, fileSize: img.file.size });
    this.l1 = img.file.read(l1.offset, l1.length);
    this.l2Entries = 2 ** h.l2Bits;
    this.l2Cache = new L2Cache(img.file, this.l2Entries * 8);
    this.size = Math.floor(h.virtualSize / 512) * 512;
  }

  /**
   * One cluster at most, as qemu answers (merging happens in the map walk), except that an
   * unallocated stretch is answered whole: up to the end of its L2 table, or of what a missing
   * L2 table would cover. The merged map is the same; a 16 TiB image with 512-byte clusters is
   * not walked one cluster at a time.
   */
  lookup(offset: number, maxBytes: number): QcowV1Run {
    const h = this.img.header;
    const cs = h.clusterSize;
    const bytes = Math.min(maxBytes, cs - (offset % cs));
    const cluster = Math.floor(offset / cs);
    const l1Index = Math.floor(cluster / this.l2Entries);
    const tableEnd = (l1Index + 1) * this.l2Entries * cs;
    const none = (end: number): QcowV1Run => ({ bytes: Math.max(bytes, Math.min(maxBytes, end - offset)), kind: 'unallocated', hostOffset: undefined, compressed: undefined });
    if (l1Index >= h.l1Size) return none(Number.MAX_SAFE_INTEGER);
    const l2Offset = this.l1.readUInt32BE(l1Index * 8) * 0x100000000 + this.l1.readUInt32BE(l1Index * 8 + 4);
    if (l2Offset === 0 || !Number.isSafeInteger(l2Offset)) return none(tableEnd);
    const l2 = this.l2Cache.get(l2Offset);
    const i = (cluster % this.l2Entries) * 8;
    const hi = l2.readUInt32BE(i);
    const lo = l2.readUInt32BE(i + 4);
    if (hi === 0 && lo === 0) {
      let j = i + 8;
      while (j < l2.length && l2.readUInt32BE(j) === 0 && l2.readUInt32BE(j + 4) === 0) j += 8;
      return none((cluster - (cluster % this.l2Entries)) * cs + (j / 8) * cs);
    }
    if (hi & 0x80000000) {
      // Compressed: offset mask (1 << (63 - cluster_bits)) - 1, byte size in the bits above it.
      const value = (BigInt(hi & 0x7fffffff) << 32n) | BigInt(lo);
      const shift = BigInt(63 - h.clusterBits);
      const coffset = Number(value & ((1n << shift) - 1n));
      const csize = Number((value >> shift) & BigInt(cs - 1));
      return { bytes, kind: 'compressed', hostOffset: undefined, compressed: { offset: coffset, size: csize, sectors: 0 } };
    }
    const host = hi * 0x100000000 + lo;
    // Past the end of any file (qemu reads zeros there): refused with its value, as for qcow2,
    // since a number cannot hold it and a reader must not read some other offset instead.
    if (!Number.isSafeInteger(host)) {
      throw new ImageOffsetError(`L2 table 0x${l2Offset.toString(16)} entry 0x${(i / 8).toString(16)}: cluster offset`, (BigInt(hi) << 32n) | BigInt(lo));
    }
    return { bytes, kind: 'data', hostOffset: host + (offset % cs), compressed: undefined };
  }
}
