/**
 * A seeded mutation fuzzer over images made by qemu-img: each case damages a copy (random bytes,
 * interesting values in header and table fields, truncation) and runs every inspector operation
 * on it. The rule checked: a typed ImageError or a result, never another exception. Each case's
 * reads are counted (a damaged header that names a huge table shows up as a case that reads far
 * more than its file holds) and timed, for the long run in bench/ (a near-hang shows up as a slow case).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  checkQcow2, closeImage, formatSnapshotList, guestLayerOf, GuestReader, ImageFile, isImageError, openImage, qcow2InfoJsonFor, readPartitions, walkMap,
} from './fuzz-targets.js';

export interface FuzzStats {
  cases: number;
  /** Cases where every operation finished with a result. */
  accepted: number;
  /** Cases refused with a typed error, by error code. */
  refusedByCode: Record<string, number>;
  /** Anything else: messages of untyped exceptions. */
  crashes: string[];
  slowestMs: number;
  slowestCase: string;
  /** The most bytes one case read from its file (reads past the end, which give zeros, included). */
  mostBytesRead: number;
  mostBytesCase: string;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING_U32 = [0, 1, 7, 8, 9, 21, 22, 63, 64, 65, 0x7fffffff, 0x80000000, 0xffffffff, 65536, 65537, 512, 4096];
const INTERESTING_U64 = [0n, 1n, 512n, 65536n, 0x10008n, 2n ** 53n, 2n ** 53n - 512n, 2n ** 56n, 2n ** 62n, 2n ** 63n, 2n ** 64n - 1n];

/** Offsets worth aiming at: the header fields, then the metadata clusters of a small image. */
const HEADER_FIELDS_U32 = [4, 16, 20, 32, 36, 56, 60, 96, 100];
const HEADER_FIELDS_U64 = [8, 24, 40, 48, 64, 72, 80, 88];

export function mutate(bytes: Buffer, rand: () => number, metadataBytes: number): { data: Buffer; what: string } {
  const data = Buffer.from(bytes);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const steps: string[] = [];
  const n = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) {
    const kind = rand();
    if (kind < 0.25) {
      const at = pick(HEADER_FIELDS_U32);
      const v = pick(INTERESTING_U32);
      data.writeUInt32BE(v >>> 0, at);
      steps.push(`u32@${at}=${v}`);
    } else if (kind < 0.45) {
      const at = pick(HEADER_FIELDS_U64);
      const v = pick(INTERESTING_U64);
      data.writeBigUInt64BE(v, at);
      steps.push(`u64@${at}=${v}`);
    } else if (kind < 0.85) {
      const at = Math.floor(rand() * Math.min(metadataBytes, data.length));
      const count = 1 + Math.floor(rand() * 8);
      for (let j = 0; j < count && at + j < data.length; j++) data[at + j] = Math.floor(rand() * 256);
      steps.push(`bytes@${at}x${count}`);
    } else if (kind < 0.95) {
      const at = Math.floor(rand() * Math.min(metadataBytes, data.length - 8)) & ~7;
      const v = pick(INTERESTING_U64);
      data.writeBigUInt64BE(v, at);
      steps.push(`u64@${at}=${v}`);
    } else {
      const len = Math.floor(rand() * data.length);
      steps.push(`truncate@${len}`);
      return { data: data.subarray(0, len), what: steps.join(',') };
    }
  }
  return { data, what: steps.join(',') };
}

/**
 * Every operation the inspector offers, on one (possibly damaged) image: opened strictly, and
 * when that is refused, opened leniently and inspected as far as it goes.
 */
export function exercise(path: string, format: 'qcow2' | 'qcow' = 'qcow2'): void {
  try {
    exerciseOpened(path, format, false);
  } catch (err) {
    if (!isImageError(err)) throw err;
    exerciseOpened(path, format, true);
    throw err;
  }
}

function exerciseOpened(path: string, format: 'qcow2' | 'qcow', lenient: boolean): void {
  const img = openImage(path, format, { lenient });
  try {
    if (img.kind === 'qcow2') {
      qcow2InfoJsonFor(img.qcow2);
      formatSnapshotList(img.qcow2.snapshots);
      checkQcow2(img.qcow2);
    }
    const layer = guestLayerOf(img);
    let entries = 0;
    walkMap([layer], () => void entries++);
    const reader = new GuestReader([layer]);
    reader.read(0, Math.min(65536, reader.size));
    if (reader.size > 4096) reader.read(Math.floor(reader.size / 3), 4096);
    readPartitions(reader);
  } finally {
    closeImage(img);
  }
}

export interface FuzzOptions {
  seed: number;
  maxCases: number;
  maxMs: number;
  /** qemu-made images to mutate. */
  corpus: readonly string[];
  /** Where mutated copies are written. */
  scratch: string;
}

export function runFuzz(o: FuzzOptions): FuzzStats {
  const rand = prng(o.seed);
  const stats: FuzzStats = { cases: 0, accepted: 0, refusedByCode: {}, crashes: [], slowestMs: 0, slowestCase: '', mostBytesRead: 0, mostBytesCase: '' };
  const originals = o.corpus.map((p) => readFileSync(p));
  const readInto = ImageFile.prototype.readInto;
  let bytes = 0;
  ImageFile.prototype.readInto = function (this: ImageFile, buf: Uint8Array, offset: number): void {
    bytes += buf.length;
    readInto.call(this, buf, offset);
  };
  try {
    const started = Date.now();
    while (stats.cases < o.maxCases && Date.now() - started < o.maxMs) {
      const index = Math.floor(rand() * originals.length);
      const original = originals[index] as Buffer;
      const { data, what } = mutate(original, rand, 6 * 65536);
      writeFileSync(o.scratch, data);
      bytes = 0;
      const t0 = performance.now();
      try {
        exercise(o.scratch, (o.corpus[index] ?? '').endsWith('.qcow') ? 'qcow' : 'qcow2');
        stats.accepted++;
      } catch (err) {
        if (isImageError(err)) stats.refusedByCode[err.code] = (stats.refusedByCode[err.code] ?? 0) + 1;
        else stats.crashes.push(`case ${stats.cases} (${o.corpus[index]}: ${what}): ${(err as Error).stack ?? String(err)}`);
      }
      const ms = performance.now() - t0;
      if (ms > stats.slowestMs) {
        stats.slowestMs = ms;
        stats.slowestCase = `${o.corpus[index]}: ${what}`;
      }
      if (bytes > stats.mostBytesRead) {
        stats.mostBytesRead = bytes;
        stats.mostBytesCase = `${o.corpus[index]}: ${what}`;
      }
      stats.cases++;
    }
  } finally {
    ImageFile.prototype.readInto = readInto;
  }
  return stats;
}
