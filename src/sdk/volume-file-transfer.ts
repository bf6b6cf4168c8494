// Volume upload from a file and download to a file, sparse by default. Upload finds the file's
// holes with lseek (image/file-extents.ts) and sends them as lengths where that loses nothing of
// the volume, elsewhere as the zeros they read as (see attachUpload). Download writes data at its
// offset and never writes zeros: holes (and all-zero chunks) are skipped and the file is cut to
// its length at the end, so it comes out as sparse as the file system allows. A download never
// leaves a half-written file, nor replaces a file unless asked (output-file.ts).
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import * as v from '../../generated/index.js';
import { tsvirtError } from '../ffi/index.js';
import { fileExtents, type Extent } from '../image/file-extents.js';
import type { Stream } from './stream.js';
import { ProgressCounter, type ProgressListener, type TransferResult } from './transfer-progress.js';
import { attachUpload, checkRange, openDownloadStream } from './volume-transfer.js';
import { withOutputFile } from './output-file.js';
import type { StorageVolume } from './storage-volume.js';

export interface UploadFileOptions {
  /** Send holes as lengths where that loses nothing of the volume (default true; see attachUpload). */
  sparse?: boolean;
  /** Byte offset in the volume (default 0). */
  offset?: number;
  onProgress?: ProgressListener;
  /** Aborts the upload at once, also in the middle of a request; it rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface DownloadFileOptions {
  /** Ask libvirt for holes as lengths (default true). */
  sparse?: boolean;
  /** Replace an existing file (default false: EEXIST). */
  force?: boolean;
  offset?: number;
  length?: number;
  onProgress?: ProgressListener;
  /** Aborts the download at once, also in the middle of a request: it rejects with the signal's reason and leaves no file. */
  signal?: AbortSignal;
}

/**
 * Data bytes per request to the stream thread, which reads and sends (or receives and writes)
 * them in one go, holes included: progress is reported at least this often.
 */
const REQUEST_BYTES = 8 * 1024 * 1024;

export async function uploadFile(vol: StorageVolume, path: string, options: UploadFileOptions = {}): Promise<TransferResult> {
  options.signal?.throwIfAborted();
  const { offset } = checkRange('uploadFile', { offset: options.offset ?? 0 });
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer before the check below.
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = await fh.stat();
    if (!stat.isFile()) throw tsvirtError(v.VIR_ERR_INVALID_ARG, 'uploadFile', `uploadFile: ${path} is not a regular file`);
    const size = stat.size;
    const sparse = options.sparse ?? true;
    const progress = new ProgressCounter(size, options.onProgress);
    const { stream, holesFrom } = await attachUpload(vol, { offset, length: size }, sparse);
    const extents = sparse ? holesFromOn(fileExtents(fh.fd, size), holesFrom) : [{ offset: 0, length: size, data: true }];
    try {
      await underSignal(stream, options.signal, async () => {
        for (const batch of batches(extents)) {
          const r = await stream.sendFromFile(fh.fd, batch);
          if (r.dataBytes > 0) progress.data(r.dataBytes);
          if (r.holeBytes > 0) progress.hole(r.holeBytes);
        }
        await stream.finish();
      });
    } finally {
      await stream.close();
    }
    return { ...progress.snapshot(), total: size };
  } finally {
    await fh.close();
  }
}

/** The file's holes before `from` are sent as the zeros they read as (see attachUpload). */
function holesFromOn(extents: Extent[], from: number): Extent[] {
  return extents.flatMap((e) => {
    if (e.data || e.offset >= from) return [e];
    if (e.offset + e.length <= from) return [{ ...e, data: true }];
    return [{ offset: e.offset, length: from - e.offset, data: true }, { offset: from, length: e.offset + e.length - from, data: false }];
  });
}

/** Extents in requests of at most REQUEST_BYTES of data each (holes cost nothing to send). */
function batches(extents: Extent[]): Extent[][] {
  const out: Extent[][] = [];
  let batch: Extent[] = [];
  let data = 0;
  for (const e of extents) {
    if (!e.data) batch.push(e);
    for (let at = e.offset; e.data && at < e.offset + e.length;) {
      const piece = Math.min(REQUEST_BYTES - data, e.offset + e.length - at);
      batch.push({ offset: at, length: piece, data: true });
      at += piece;
      data += piece;
      if (data === REQUEST_BYTES) {
        out.push(batch);
        batch = [];
        data = 0;
      }
    }
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

export async function downloadToFile(vol: StorageVolume, path: string, options: DownloadFileOptions = {}): Promise<TransferResult> {
  options.signal?.throwIfAborted();
  const sparse = options.sparse ?? true;
  const range = checkRange('downloadToFile', options);
  return withOutputFile(path, options.force === true, async (fh) => {
    const { stream, total } = await openDownloadStream(vol, { ...range, sparse });
    try {
      return await underSignal(stream, options.signal, async () => {
        const progress = await receiveInto(stream, fh, new ProgressCounter(total, options.onProgress), sparse);
        await stream.finish();
        return { ...progress.snapshot(), total: total ?? progress.bytes };
      });
    } finally {
      await stream.close();
    }
  });
}

/**
 * Runs a transfer that `signal` aborts at once: it closes the stream, which aborts beside a
 * request in flight (one that a hung daemon would never end); the transfer then rejects with the
 * signal's reason rather than the request's "closed" error.
 */
async function underSignal<T>(stream: Stream, signal: AbortSignal | undefined, body: () => Promise<T>): Promise<T> {
  if (!signal) return body();
  // Aborted while the stream was being set up: no event will come.
  signal.throwIfAborted();
  const onAbort = (): void => void stream.close();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await body();
  } catch (err) {
    throw signal.aborted ? signal.reason : err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Receives until the end; the file gets its length at the end, so trailing holes exist too. */
async function receiveInto(stream: Stream, fh: FileHandle, progress: ProgressCounter, sparse: boolean): Promise<ProgressCounter> {
  let pos = 0;
  for (;;) {
    const r = await stream.recvToFile(fh.fd, pos, REQUEST_BYTES, { stopAtHole: sparse });
    pos += r.dataBytes + r.holeBytes;
    if (r.dataBytes > 0) progress.data(r.dataBytes);
    if (r.holeBytes > 0) progress.hole(r.holeBytes);
    if (r.end) break;
  }
  await fh.truncate(pos);
  return progress;
}
