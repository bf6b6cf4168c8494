// Volume upload and download as Node streams (virStorageVolUpload / virStorageVolDownload). The
// stream is created on the volume's connection; if attaching it to the volume fails, it is closed
// before the error is passed on.
import * as v from '../../generated/index.js';
import { isLibvirtError, tsvirtError } from '../ffi/index.js';
import { invoke } from './surface.js';
import { streamOf, type Stream } from './stream.js';
import { streamReadable, streamSparseReadable, streamWritable } from './stream-node.js';
import type { Readable, Writable } from 'node:stream';
import type { ProgressListener } from './transfer-progress.js';
import type { StorageVolume } from './storage-volume.js';

export interface VolumeRangeOptions {
  /** Byte offset in the volume (default 0). */
  offset?: number;
  /** Bytes to transfer; 0 or absent: to the end of the volume (download) or of the data (upload). */
  length?: number;
}

export interface UploadOptions extends VolumeRangeOptions {
  /**
   * VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM: all-zero chunks travel as holes where that loses
   * nothing of the volume, elsewhere as zeros (see attachUpload).
   */
  sparse?: boolean;
  onProgress?: ProgressListener;
}

export interface DownloadOptions extends VolumeRangeOptions {
  /** VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM: holes travel as lengths, not zeros. */
  sparse?: boolean;
  onProgress?: ProgressListener;
  /** Bytes per receive (default 256 KiB). */
  chunkSize?: number;
}

export function checkRange(fn: string, o: VolumeRangeOptions): { offset: number; length: number } {
  const offset = o.offset ?? 0;
  const length = o.length ?? 0;
  for (const [what, n] of [['offset', offset], ['length', length]] as const) {
    if (!Number.isSafeInteger(n) || n < 0) throw tsvirtError(v.VIR_ERR_INVALID_ARG, fn, `${fn}: ${what} must be a non-negative integer, got ${String(n)}`);
  }
  return { offset, length };
}

/** The most bytes one receive may ask for; 64 MiB, far above what a transfer gains from. */
export const MAX_CHUNK_SIZE = 64 * 1024 * 1024;

function checkChunkSize(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_CHUNK_SIZE) {
    throw tsvirtError(v.VIR_ERR_INVALID_ARG, 'download', `download: chunkSize must be an integer of 1..${MAX_CHUNK_SIZE}, got ${String(n)}`);
  }
}

/** A stream on the volume's connection, attached by `fn`; closed again if attaching fails. */
export async function attach(vol: StorageVolume, fn: 'virStorageVolUpload' | 'virStorageVolDownload', range: { offset: number; length: number },
  flags: number): Promise<Stream> {
  const stream = await streamOf(vol, 'virStorageVolGetConnect');
  try {
    // invoke(): the volume and the stream stay referenced until the call settles.
    await invoke(fn, [vol, stream, range.offset, range.length, flags]);
  } catch (err) {
    await stream.close();
    throw err;
  }
  return stream;
}

/**
 * A stream attached for an upload of `range`, and, for a sparse one, where in the upload holes
 * may start. libvirt writes a hole by seeking past it and cutting the volume's file at its end
 * (virfdstream.c): a hole over bytes the volume has would keep them instead of reading as zeros,
 * and cut off everything after it. So holes are sent only where nothing of the volume can be
 * under them or after them: past the volume's current end, or anywhere in a volume with nothing
 * allocated that the upload fills to its end. Elsewhere a hole's zeros are sent as data. A sparse
 * upload is then as safe as a non-sparse one, and as sparse as the volume allows.
 */
export async function attachUpload(vol: StorageVolume, range: { offset: number; length: number }, sparse: boolean): Promise<{ stream: Stream; holesFrom: number }> {
  const holesFrom = sparse ? await firstSafeHole(vol, range) : Infinity;
  const stream = await attach(vol, 'virStorageVolUpload', range, sparse ? v.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM : 0);
  return { stream, holesFrom };
}

/** From which byte of an upload of `range` a hole loses nothing of the volume (see attachUpload); Infinity: none. */
async function firstSafeHole(vol: StorageVolume, range: { offset: number; length: number }): Promise<number> {
  const size = await physicalSize(vol);
  if (size === null) return Infinity;
  if (range.length > 0 && range.offset + range.length >= size) {
    const info = (await invoke('virStorageVolGetInfo', [vol])) as { allocation: bigint };
    if (info.allocation === 0n) return 0;
  }
  return Math.max(0, size - range.offset);
}

/** The volume's size on the host (a qcow2 file's, not its capacity); null where the driver cannot tell. */
async function physicalSize(vol: StorageVolume): Promise<number | null> {
  try {
    const info = (await invoke('virStorageVolGetInfoFlags', [vol, v.VIR_STORAGE_VOL_GET_PHYSICAL])) as { allocation: bigint };
    return Number(info.allocation);
  } catch (err) {
    if (isLibvirtError(err) && err.code === v.VIR_ERR_NO_SUPPORT) return null;
    throw err;
  }
}

/**
 * The bytes a download of `range` yields: the volume's size on the host (a qcow2 file's, not its
 * capacity); null where the driver cannot tell (no VIR_STORAGE_VOL_GET_PHYSICAL).
 */
export async function downloadLength(vol: StorageVolume, range: { offset: number; length: number }): Promise<number | null> {
  const size = await physicalSize(vol);
  if (size === null) return range.length > 0 ? range.length : null;
  // libvirt answers an offset past the end with nothing, or on a sparse stream with an error
  // that names no reason; a length past it gives what there is.
  if (range.offset > size) {
    throw tsvirtError(v.VIR_ERR_INVALID_ARG, 'download', `download: offset ${range.offset} is past the end of the volume (${size} bytes)`);
  }
  const rest = size - range.offset;
  return range.length > 0 ? Math.min(range.length, rest) : rest;
}

/** A Writable into the volume; end() finishes the upload, an error or destroy() aborts it. */
export async function openUpload(vol: StorageVolume, options: UploadOptions = {}): Promise<Writable> {
  const range = checkRange('upload', options);
  const { stream, holesFrom } = await attachUpload(vol, range, options.sparse === true);
  return streamWritable(stream, { sparse: options.sparse === true, holesFrom, total: range.length || null, ...progressOf(options) });
}

/** Opens a download stream and says how long it should be. */
export async function openDownloadStream(vol: StorageVolume, options: DownloadOptions): Promise<{ stream: Stream; total: number | null }> {
  const range = checkRange('download', options);
  // Checked before the stream exists: a bad size found later would leave it attached.
  if (options.chunkSize !== undefined) checkChunkSize(options.chunkSize);
  const total = await downloadLength(vol, range);
  const stream = await attach(vol, 'virStorageVolDownload', range, options.sparse ? v.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM : 0);
  return { stream, total };
}

/** The volume's bytes as a Readable; on a sparse download holes come through as zeros (but cross the wire as lengths). */
export async function openDownload(vol: StorageVolume, options: DownloadOptions = {}): Promise<Readable> {
  const { stream, total } = await openDownloadStream(vol, options);
  return streamReadable(stream, { sparse: options.sparse === true, total, ...chunkOf(options), ...progressOf(options) });
}

/** A sparse download as SparseChunk objects: data, and holes as lengths. */
export async function openSparseDownload(vol: StorageVolume, options: Omit<DownloadOptions, 'sparse'> = {}): Promise<Readable> {
  const { stream, total } = await openDownloadStream(vol, { ...options, sparse: true });
  return streamSparseReadable(stream, { sparse: true, total, ...chunkOf(options), ...progressOf(options) });
}

// exactOptionalPropertyTypes: absent options stay absent.
const progressOf = (o: { onProgress?: ProgressListener }): { onProgress?: ProgressListener } => (o.onProgress ? { onProgress: o.onProgress } : {});
const chunkOf = (o: { chunkSize?: number }): { chunkSize?: number } => (o.chunkSize === undefined ? {} : { chunkSize: o.chunkSize });
