/**
 * Images made with preallocation=metadata have every data cluster allocated in the tables but
 * mostly unwritten in the file. qemu notices (qcow2_detect_metadata_preallocation: far more
 * clusters with a refcount than blocks the file system allocated) and then asks the file system
 * which data clusters are holes, reporting them as zero. Node cannot ask for holes (no
 * SEEK_HOLE), so a data cluster that reads as all zeros stands in for a hole: the same answer
 * except where a guest wrote explicit zeros into such an image.
 */
import type { ImageFile } from '../image-file.js';
import type { Qcow2Image } from './open.js';
import { readRefcountTable, refcountAt } from './refcounts.js';

export function detectMetadataPreallocation(img: Qcow2Image): boolean {
  const h = img.header;
  const cs = h.clusterSize;
  const realClusters = Math.floor(img.file.stat.allocatedBytes / cs);
  const threshold = Math.max(Math.floor((realClusters * 10) / 9), realClusters + 2);
  const endCluster = Math.ceil(img.file.size / cs);
  const perBlock = (cs * 8) / h.refcountBits;
  const table = readRefcountTable(img.file, h);
  let count = 0;
  for (let t = 0; t * perBlock < endCluster && count <= threshold; t++) {
    const entry = table[t];
    if (!entry || entry.offset <= 0 || entry.offset % cs !== 0) continue;
    const block = img.file.read(entry.offset, cs);
    const end = Math.min(perBlock, endCluster - t * perBlock);
    for (let i = 0; i < end && count <= threshold; i++) if (refcountAt(block, i, h.refcountBits) !== 0) count++;
  }
  return count > threshold;
}

/**
 * Splits a host range into a leading part that is all holes or all data, the way the file
 * system reports extents: whole file-system blocks, a block counting as a hole when every byte
 * of it is zero (an L2 table sharing a block with data clusters makes that block data, as it
 * does for qemu).
 */
export class ZeroRangeProbe {
  private readonly block: Buffer;
  private cachedBlock = -1;
  private cachedZero = false;

  constructor(
    private readonly file: ImageFile,
    private readonly blockSize: number,
  ) {
    this.block = Buffer.alloc(blockSize);
  }

  private blockIsZero(index: number): boolean {
    if (index !== this.cachedBlock) {
      this.file.readInto(this.block, index * this.blockSize);
      this.cachedZero = this.block.every((b) => b === 0);
      this.cachedBlock = index;
    }
    return this.cachedZero;
  }

  probe(hostOffset: number, bytes: number): { bytes: number; zero: boolean } {
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
