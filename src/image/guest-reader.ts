/**
 * The guest-visible bytes of an image, through its backing chain: positioned reads, and a Node
 * Readable. Per layer: data clusters are read from the file (or the external data file), zero
 * clusters and subclusters read as zeros, compressed clusters are inflated, unallocated ranges
 * fall through to the backing file, and past the backing file's end read as zeros.
 */
import { Readable } from 'node:stream';
import { decompressCluster } from './decompress.js';
import { ImageUnsupportedError } from './errors.js';
import type { GuestLayer } from './guest-layer.js';
import type { ImageFile } from './image-file.js';
import { bound, MAX_GUEST_READ_BYTES } from './limits.js';
import { SubclusterType } from './qcow2/table-entries.js';

export interface GuestReaderOptions {
  /** External data files by layer index, opened by the caller when its policy allows. */
  readonly dataFiles?: ReadonlyMap<number, ImageFile>;
}

export class GuestReader {
  readonly size: number;
  private lastCompressed: { offset: number; depth: number; data: Buffer } | undefined;

  constructor(
    private readonly layers: readonly GuestLayer[],
    private readonly options: GuestReaderOptions = {},
  ) {
    this.size = layers[0]?.size ?? 0;
  }

  /** Fills `buf` with guest bytes from `offset`; bytes past the virtual size read as zeros. */
  readInto(buf: Buffer, offset: number): void {
    bound({ what: 'guest read', count: buf.length, limitBytes: MAX_GUEST_READ_BYTES });
    let done = 0;
    while (done < buf.length) {
      const pos = offset + done;
      if (pos >= this.size) {
        buf.fill(0, done);
        return;
      }
      const want = Math.min(buf.length - done, this.size - pos);
      done += this.readFromLayer(0, buf, done, pos, want);
    }
  }

  read(offset: number, length: number): Buffer {
    const buf = Buffer.alloc(length);
    this.readInto(buf, offset);
    return buf;
  }

  /** A Readable over [start, end) of the guest disk, in chunks of `chunkBytes`. */
  stream(start = 0, end = this.size, chunkBytes = 1024 * 1024): Readable {
    let pos = start;
    const read = (n: number): Buffer => this.read(pos, n);
    return new Readable({
      read(this: Readable): void {
        if (pos >= end) {
          this.push(null);
          return;
        }
        const n = Math.min(chunkBytes, end - pos);
        try {
          const chunk = read(n);
          pos += n;
          this.push(chunk);
        } catch (err) {
          this.destroy(err as Error);
        }
      },
    });
  }

  /** Reads up to `want` bytes of layer `depth` at guest `pos` into buf[at..]; returns bytes done. */
  private readFromLayer(depth: number, buf: Buffer, at: number, pos: number, want: number): number {
    const layer = this.layers[depth];
    if (!layer || pos >= layer.size) {
      buf.fill(0, at, at + want);
      return want;
    }
    const st = layer.status(pos, Math.min(want, layer.size - pos));
    const n = st.bytes;
    const run = st.run;
    if (layer.image.kind === 'raw') {
      layer.image.file.readInto(buf.subarray(at, at + n), pos);
      return n;
    }
    if (!run) throw new ImageUnsupportedError(`cannot read guest data of a '${layer.image.kind}' layer`);
    switch (run.type) {
      case SubclusterType.ZeroPlain:
      case SubclusterType.ZeroAlloc:
        buf.fill(0, at, at + n);
        return n;
      case SubclusterType.UnallocatedPlain:
      case SubclusterType.UnallocatedAlloc:
        return this.readBelow(depth, buf, at, pos, n);
      case SubclusterType.Compressed:
        return this.readCompressed(depth, buf, at, pos, n);
      default:
        this.hostFile(depth).readInto(buf.subarray(at, at + n), run.hostOffset ?? 0);
        return n;
    }
  }

  private readBelow(depth: number, buf: Buffer, at: number, pos: number, n: number): number {
    let done = 0;
    while (done < n) done += this.readFromLayer(depth + 1, buf, at + done, pos + done, n - done);
    return n;
  }

  private hostFile(depth: number): ImageFile {
    const layer = this.layers[depth];
    if (layer?.image.kind === 'qcow') {
      if (layer.image.qcow.header.cryptMethod !== 0) throw new ImageUnsupportedError('encrypted guest data cannot be read without the key');
      return layer.image.file;
    }
    if (!layer || layer.image.kind !== 'qcow2') throw new ImageUnsupportedError('no host file');
    const q = layer.image.qcow2;
    if (q.header.cryptMethod !== 0) throw new ImageUnsupportedError('encrypted guest data cannot be read without the key');
    if (q.hasDataFile) {
      const data = this.options.dataFiles?.get(depth);
      if (!data) throw new ImageUnsupportedError('the image keeps its data in an external data file, which was not opened');
      return data;
    }
    return layer.image.file;
  }

  private readCompressed(depth: number, buf: Buffer, at: number, pos: number, n: number): number {
    const layer = this.layers[depth];
    if (!layer || layer.image.kind === 'raw') throw new ImageUnsupportedError('compressed data in a raw layer');
    const header = layer.image.kind === 'qcow2' ? layer.image.qcow2.header : layer.image.qcow.header;
    const compression = layer.image.kind === 'qcow2' ? (layer.image.qcow2.header.compressionType ?? 'zlib') : 'zlib';
    const cs = header.clusterSize;
    const clusterStart = pos - (pos % cs);
    let cached = this.lastCompressed;
    if (!cached || cached.offset !== clusterStart || cached.depth !== depth) {
      const st = layer.status(clusterStart, cs);
      const desc = st.run?.compressed;
      if (!desc) throw new ImageUnsupportedError('compressed run without a descriptor');
      const input = this.hostFile(depth).read(desc.offset, desc.size);
      const data = Buffer.alloc(cs);
      decompressCluster(compression, input, data, desc.offset);
      cached = { offset: clusterStart, depth, data };
      this.lastCompressed = cached;
    }
    cached.data.copy(buf, at, pos - clusterStart, pos - clusterStart + n);
    return n;
  }
}
