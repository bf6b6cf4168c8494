/**
 * Compressed QCOW2 clusters. Deflate is raw (no zlib header), as qemu writes it; the data may
 * be followed by bytes of the next compressed cluster, which inflate ignores. Output is capped
 * at one cluster, so a compression bomb costs one cluster at most.
 *
 * zstd: Node 22.15+ has it in node:zlib and it is used when present; on older Node a
 * decompressor can be registered (for example from the `fzstd` package).
 */
import * as zlib from 'node:zlib';
import { ImageCorruptError, ImageUnsupportedError } from './errors.js';
import type { CompressionType } from './qcow2/header.js';

export type ZstdDecompressor = (input: Uint8Array, maxOutputBytes: number) => Uint8Array;

let registeredZstd: ZstdDecompressor | undefined;

/** Lets callers on Node < 22.15 supply zstd, e.g. `(b) => fzstd.decompress(b)`. */
export function registerZstdDecompressor(fn: ZstdDecompressor | undefined): void {
  registeredZstd = fn;
}

function builtinZstd(): ZstdDecompressor | undefined {
  const z = zlib as unknown as { zstdDecompressSync?: (b: Uint8Array, o?: { maxOutputLength?: number }) => Buffer };
  const fn = z.zstdDecompressSync;
  return fn ? (input, max) => fn(input, { maxOutputLength: max }) : undefined;
}

export function zstdAvailable(): boolean {
  return (registeredZstd ?? builtinZstd()) !== undefined;
}

/** Decompresses one cluster into `out` (cluster-sized); the tail is zero if the data is shorter. */
export function decompressCluster(type: CompressionType, input: Buffer, out: Buffer, at: number): void {
  let result: Uint8Array;
  try {
    if (type === 'zlib') {
      result = zlib.inflateRawSync(input, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: out.length });
    } else {
      const zstd = registeredZstd ?? builtinZstd();
      if (!zstd) throw new ImageUnsupportedError('zstd-compressed clusters need Node 22.15+ or registerZstdDecompressor()');
      result = zstd(input, out.length);
    }
  } catch (err) {
    if (err instanceof ImageUnsupportedError) throw err;
    throw new ImageCorruptError(`compressed cluster at 0x${at.toString(16)} does not decompress: ${(err as Error).message}`, at);
  }
  // qemu requires a whole cluster of output (qcow2_decompress: Z_STREAM_END with avail_out 0).
  if (result.length !== out.length) {
    throw new ImageCorruptError(`compressed cluster at 0x${at.toString(16)} decompresses to ${result.length} bytes, not ${out.length}`, at);
  }
  out.set(result);
}
