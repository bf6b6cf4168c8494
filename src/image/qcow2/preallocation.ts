/**
 * Images made with preallocation=metadata have every data cluster allocated in the tables but
 * mostly unwritten in the file. qemu notices (qcow2_detect_metadata_preallocation: far more
 * clusters with a refcount than blocks the file system allocated) and then asks the file system
 * which data clusters are holes (lseek SEEK_HOLE), reporting them as zero; so does this.
 */
import type { ImageFile } from '../image-file.js';
import type { Qcow2Image } from './open.js';
import { readRefcountTable, refcountAt } from './refcounts.js';
import { PROBE_READ_MAX_BYTES, QCOW2_MAX_REFCOUNT_ORDER } from '../limits.js';

export function detectMetadataPreallocation(img: Qcow2Image): boolean {
  const h = img.header;
  // Only a lenient open gets here with refcounts too wide to read: no preallocation is assumed.
  if (h.refcountOrder > QCOW2_MAX_REFCOUNT_ORDER) return false;
  const cs = h.clusterSize;
  const realClusters = Math.floor(img.file.stat.allocatedBytes / cs);
  const threshold = Math.max(Math.floor((realClusters * 10) / 9), realClusters + 2);
  const endCluster = Math.ceil(img.file.size / cs);
  const perBlock = (cs * 8) / h.refcountBits;
  const table = readRefcountTable(img.file, h);
  let count = 0;
  for (let t = 0; t * perBlock < endCluster && count <= threshold; t++) {
    const entry = table[t];
    if (!entry || entry.offset === 0 || !entry.aligned) continue;
    const block = img.file.read(entry.offset, cs);
    const end = Math.min(perBlock, endCluster - t * perBlock);
    for (let i = 0; i < end && count <= threshold; i++) if (refcountAt(block, i, h.refcountBits) !== 0) count++;
  }
  return count > threshold;
}

/**
 * Splits a host range into a leading part that is all holes or all data, as the file system
 * reports its extents (lseek SEEK_DATA/SEEK_HOLE, what qemu asks); nothing is read. Past the end
 * of the file is a hole. Where the file system cannot tell, whole file-system blocks are read
 * instead, a block of zeros standing in for a hole (the same answer except for zeros written
 * explicitly), at most PROBE_READ_MAX_BYTES per call so that a caller's loop stays responsive.
 */
export class ZeroRangeProbe {
  private readonly block: Buffer;
  private readonly zeros: Buffer;
  private cachedBlock = -1;
  private cachedZero = false;

  constructor(
    private readonly file: ImageFile,
    private readonly blockSize: number,
  ) {
    this.block = Buffer.alloc(blockSize);
    this.zeros = Buffer.alloc(blockSize);
  }

  probe(hostOffset: number, bytes: number): { bytes: number; zero: boolean } {
    if (hostOffset >= this.file.size) return { bytes, zero: true };
    const extent = this.file.extentAt(hostOffset);
    if (extent && extent.end > hostOffset) return { bytes: Math.min(bytes, extent.end - hostOffset), zero: !extent.data };
    return this.probeByContent(hostOffset, Math.min(bytes, PROBE_READ_MAX_BYTES));
  }

  private blockIsZero(index: number): boolean {
    if (index !== this.cachedBlock) {
      this.file.readInto(this.block, index * this.blockSize);
      this.cachedZero = this.block.equals(this.zeros);
      this.cachedBlock = index;
    }
    return this.cachedZero;
  }

  private probeByContent(hostOffset: number, bytes: number): { bytes: number; zero: boolean } {
    let done = 0;
    let zero: boolean | undefined;
    while (done < bytes) {
      const pos = hostOffset + done;
      const index = Math.floor(pos / this.blockSize);
      const n = Math.min(bytes - done, (index + 1) * this.blockSize - pos);
      const isZero = this.blockIsZero(index);
      if (zero === undefined) zero = isZero;
      else if (zero !== isZero) break;
      done += n;
    }
    return { bytes: done, zero: zero ?? false };
  }
}
