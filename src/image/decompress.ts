/**
 * Compressed QCOW2 clusters. Deflate is raw (no zlib header), as qemu writes it; the data may
 * be followed by bytes of the next compressed cluster, which inflate ignores. Output is capped
 * at one cluster (plus a few KiB), so a compression bomb costs about one cluster at most.
 *
 * What is accepted is qemu 7.2's (block/qcow2-threads.c): deflate must fill the cluster, and a
 * stream that goes on past it is cut there (Z_BUF_ERROR with the cluster full is success);
 * a zstd frame must end exactly at the cluster's end (more output is -EIO).
 *
 * zstd: Node 22.15+ has it in node:zlib and it is used when present; on older Node the
 * pure-JS `fzstd` package decodes it, and a caller may register another decompressor.
 */
import * as zlib from 'node:zlib';
import { Decompress as FzstdStream } from 'fzstd';
import { ImageCorruptError, ImageUnsupportedError } from './errors.js';
import { ZSTD_JS_MAX_WINDOW_MOVES_BYTES, ZSTD_MAX_WINDOW_BYTES } from './limits.js';
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
  return fn ? (input, max) => fn(input, { maxOutputLength: max }) : pureJsZstd;
}

/**
 * fzstd, streamed block by block into a buffer of `max` bytes, so the output is counted (its
 * one-shot decompress returns the whole buffer it is given, however much it wrote) and a frame
 * with more is refused after one block (at most 128 KiB) past it. qemu stores one zstd frame
 * per cluster, possibly followed by bytes of the next cluster; fzstd reads trailing bytes as
 * another frame, so the frame is cut out first.
 */
const pureJsZstd: ZstdDecompressor = (input, max) => {
  const frame = zstdFrameShape(input);
  // fzstd allocates the window the frame declares and moves all of it once per block: both are
  // bounded before it starts (a few bytes of header can ask for 2 GiB, or a million blocks).
  if (frame.windowBytes > ZSTD_MAX_WINDOW_BYTES) {
    throw new RangeError(`the zstd frame declares a window of ${frame.windowBytes} bytes, above the ${ZSTD_MAX_WINDOW_BYTES} libzstd decodes`);
  }
  if (frame.blocks * frame.windowBytes > ZSTD_JS_MAX_WINDOW_MOVES_BYTES) {
    throw new RangeError(`the zstd frame has ${frame.blocks} blocks under a window of ${frame.windowBytes} bytes, more than the JS decoder takes (ZSTD_JS_MAX_WINDOW_MOVES_BYTES)`);
  }
  const out = new Uint8Array(max);
  let length = 0;
  const stream = new FzstdStream((chunk: Uint8Array) => {
    if (length + chunk.length > max) throw new RangeError(`the zstd frame holds more than ${max} bytes`);
    out.set(chunk, length);
    length += chunk.length;
  });
  stream.push(input.subarray(0, frame.length), true);
  return out.subarray(0, length);
};

/**
 * At most this many bytes of output follow from one more byte of deflate input: eight symbols
 * (one bit each at best) of a 258-byte match. Rounded up generously.
 */
const DEFLATE_OUTPUT_PER_INPUT_BYTE = 4096;

/** Inflates `input` with output capped at `max`; undefined when the stream has more than that. */
function inflateCapped(input: Buffer, max: number): Buffer | undefined {
  try {
    return zlib.inflateRawSync(input, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: max });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
    throw err;
  }
}

/** The prefix inflates without error to at most `max` bytes. */
function prefixFits(input: Buffer, n: number, max: number): boolean {
  try {
    return inflateCapped(input.subarray(0, n), max) !== undefined;
  } catch {
    return false;
  }
}

/**
 * The first `size` bytes a deflate stream inflates to (fewer when it is shorter), as qemu reads
 * it into one cluster and stops: what follows (more output, or damage) is never looked at. Such
 * a stream is rare (a damaged or hostile image); the longest input prefix that inflates cleanly
 * to at most `size` is found by bisection, each try capped at `size`, and one byte more inflates
 * to at most DEFLATE_OUTPUT_PER_INPUT_BYTE past it.
 */
function inflateCluster(input: Buffer, size: number): Buffer {
  let firstError: unknown;
  try {
    const whole = inflateCapped(input, size);
    if (whole) return whole;
  } catch (err) {
    firstError = err;
  }
  let fits = 0;
  let over = input.length;
  while (over - fits > 1) {
    const mid = Math.floor((fits + over) / 2);
    if (prefixFits(input, mid, size)) fits = mid;
    else over = mid;
  }
  let past: Buffer | undefined;
  try {
    past = inflateCapped(input.subarray(0, over), size + DEFLATE_OUTPUT_PER_INPUT_BYTE);
  } catch {
    past = undefined;
  }
  if (past && past.length >= size) return past.subarray(0, size);
  throw firstError ?? new RangeError(`one byte of the stream inflates to more than ${DEFLATE_OUTPUT_PER_INPUT_BYTE} bytes`);
}

const ZSTD_MAGIC = 0xfd2fb528;

/** Length of the zstd frame at the start of `b` (RFC 8878 section 3.1.1), from its headers alone. */
export function zstdFrameLength(b: Uint8Array): number {
  return zstdFrameShape(b).length;
}

/** What the headers of the zstd frame at the start of `b` say: its length, window and number of blocks. */
export function zstdFrameShape(b: Uint8Array): { length: number; windowBytes: number; blocks: number } {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const need = (end: number): void => {
    if (end > b.length) throw new RangeError('truncated zstd frame');
  };
  need(5);
  if (view.getUint32(0, true) !== ZSTD_MAGIC) throw new RangeError('not a zstd frame');
  // Frame_Header_Descriptor: FCS flag (bits 7-6), single segment (5), checksum (2), dictionary ID flag (1-0).
  const fhd = b[4] as number;
  const singleSegment = (fhd >> 5) & 1;
  const fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][fhd >> 6] as number;
  const dictSize = [0, 1, 2, 4][fhd & 3] as number;
  let at = 5 + (singleSegment ? 0 : 1) + dictSize + fcsSize;
  need(at);
  const windowBytes = singleSegment ? frameContentSize(b, at - fcsSize, fcsSize) : windowSize(b[5] as number);
  let blocks = 0;
  for (;;) {
    blocks++;
    // Block header, 3 bytes little-endian: last block (bit 0), type (bits 1-2), size (bits 3-23).
    need(at + 3);
    const header = (b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16);
    const type = (header >> 1) & 3;
    if (type === 3) throw new RangeError('reserved zstd block type');
    at += 3 + (type === 1 ? 1 : header >>> 3); // an RLE block stores its one byte
    need(at);
    if (header & 1) break;
  }
  return { length: at + ((fhd >> 2) & 1 ? 4 : 0), windowBytes, blocks };
}

/** Window_Descriptor: 2^(10 + exponent) plus mantissa eighths of it. */
const windowSize = (descriptor: number): number => {
  const base = 2 ** (10 + (descriptor >> 3));
  return base + (base / 8) * (descriptor & 7);
};

/** Frame_Content_Size, little-endian in 1, 2 (plus 256), 4 or 8 bytes; a number, inexact only far above any limit. */
function frameContentSize(b: Uint8Array, at: number, bytes: number): number {
  let value = 0;
  for (let i = bytes - 1; i >= 0; i--) value = value * 256 + (b[at + i] as number);
  return bytes === 2 ? value + 256 : value;
}

export function zstdAvailable(): boolean {
  return (registeredZstd ?? builtinZstd()) !== undefined;
}

/** Decompresses one cluster into `out` (cluster-sized); the tail is zero if the data is shorter. */
export function decompressCluster(type: CompressionType, input: Buffer, out: Buffer, at: number): void {
  let result: Uint8Array;
  try {
    if (type === 'zlib') {
      result = inflateCluster(input, out.length);
    } else {
      const zstd = registeredZstd ?? builtinZstd();
      if (!zstd) throw new ImageUnsupportedError('zstd-compressed clusters need Node 22.15+ or registerZstdDecompressor()');
      // One byte of room: a decompressor that stops at its limit instead of failing shows a
      // frame with more than a cluster as a longer result.
      result = zstd(input, out.length + 1);
      if (result.length > out.length) throw new RangeError(`the zstd frame holds more than ${out.length} bytes`);
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
