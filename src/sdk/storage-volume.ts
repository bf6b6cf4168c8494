// A storage volume: a disk image or device in a pool.
import type * as G from '../../generated/index.js';
import { LibvirtObject, withOwnReference } from './libvirt-object.js';
import { installMethods, invoke } from './surface.js';
import { registerClass } from './wrap.js';
import { storageVolumeType } from './enum-names.js';
import type { GeneratedMethods, Wrap } from './surface-types.js';
import type { StorageVolumeInfo } from './types.js';
import { parseVolumeXml, type StorageVolumeDescription } from './xml/index.js';
import type { Readable, Writable } from 'node:stream';
import { openDownload, openSparseDownload, openUpload, type DownloadOptions, type UploadOptions } from './volume-transfer.js';
import { downloadToFile, uploadFile, type DownloadFileOptions, type UploadFileOptions } from './volume-file-transfer.js';
import type { TransferResult } from './transfer-progress.js';
import { checkOptions, optionKeys } from './option-keys.js';

const UPLOAD_OPTIONS = optionKeys<UploadOptions>({ offset: true, length: true, sparse: true, onProgress: true });
const SPARSE_DOWNLOAD_OPTIONS = optionKeys<Omit<DownloadOptions, 'sparse'>>({ offset: true, length: true, onProgress: true, chunkSize: true });
const DOWNLOAD_OPTIONS = [...SPARSE_DOWNLOAD_OPTIONS, ...optionKeys<Pick<DownloadOptions, 'sparse'>>({ sparse: true })];
const UPLOAD_FILE_OPTIONS = optionKeys<UploadFileOptions>({ sparse: true, offset: true, onProgress: true, signal: true });
const DOWNLOAD_FILE_OPTIONS = optionKeys<DownloadFileOptions>({ sparse: true, force: true, offset: true, length: true, onProgress: true, signal: true });

type Own = 'virStorageVolGetInfo' | 'virStorageVolUpload' | 'virStorageVolDownload';
export interface StorageVolume extends GeneratedMethods<G.virStorageVolPtr, 'virStorageVol', Own> {}

export class StorageVolume extends LibvirtObject {
  private constructor(ptr: bigint) {
    super(ptr, 'storage volume', 'virStorageVolFree');
  }

  /** @internal */
  static fromHandle(ptr: bigint): StorageVolume {
    return new StorageVolume(ptr);
  }

  get name(): string {
    return this.getName();
  }

  get key(): string {
    return this.getKey();
  }

  async getDescription(flags = 0): Promise<StorageVolumeDescription> {
    return parseVolumeXml((await this.getXMLDesc(flags)) as string);
  }

  async getInfo(): Promise<StorageVolumeInfo> {
    // The type arrives named (an enum-valued field, see wrap.ts), by storageVolumeType's namer.
    const raw = (await invoke('virStorageVolGetInfo', [this])) as Wrap<G.virStorageVolInfo>;
    return { type: raw.type as ReturnType<typeof storageVolumeType>, capacity: raw.capacity, allocation: raw.allocation };
  }

  /**
   * A Writable into the volume (virStorageVolUpload). end() finishes the upload; an error or
   * destroy() aborts it. With `sparse`, all-zero chunks travel as holes.
   */
  upload(options: UploadOptions = {}): Promise<Writable> {
    return this.#own((vol) => openUpload(vol, options), 'upload', options, UPLOAD_OPTIONS);
  }

  /** The volume's bytes as a Readable (virStorageVolDownload); with `sparse`, holes cross as lengths and come out as zeros. */
  download(options: DownloadOptions = {}): Promise<Readable> {
    return this.#own((vol) => openDownload(vol, options), 'download', options, DOWNLOAD_OPTIONS);
  }

  /** A sparse download as an object-mode Readable of `{ kind: 'data', data } | { kind: 'hole', length }`. */
  downloadSparse(options: Omit<DownloadOptions, 'sparse'> = {}): Promise<Readable> {
    return this.#own((vol) => openSparseDownload(vol, options), 'downloadSparse', options, SPARSE_DOWNLOAD_OPTIONS);
  }

  /** Uploads a file, its holes (found with lseek SEEK_DATA/SEEK_HOLE) as holes unless `sparse: false`. */
  uploadFile(path: string, options: UploadFileOptions = {}): Promise<TransferResult> {
    return this.#own((vol) => uploadFile(vol, path, options), 'uploadFile', options, UPLOAD_FILE_OPTIONS);
  }

  /**
   * Downloads into a new file, keeping holes (sparse unless `sparse: false`). An existing file is
   * an EEXIST error unless `force`; a failed download leaves no file behind (and, with `force`,
   * the old one untouched).
   */
  downloadToFile(path: string, options: DownloadFileOptions = {}): Promise<TransferResult> {
    return this.#own((vol) => downloadToFile(vol, path, options), 'downloadToFile', options, DOWNLOAD_FILE_OPTIONS);
  }

  /**
   * The transfers make several calls: they run on a reference of their own (see withOwnReference),
   * once their options are known to hold no unknown key.
   */
  #own<R>(body: (vol: StorageVolume) => Promise<R>, method: string, options: unknown, known: readonly string[]): Promise<R> {
    try {
      checkOptions(method, options, known);
    } catch (err) {
      return Promise.reject(err);
    }
    return withOwnReference(this, 'virStorageVolRef', (ptr) => StorageVolume.fromHandle(ptr), body);
  }
}

registerClass('StorageVolume', StorageVolume, (ptr) => StorageVolume.fromHandle(ptr));
installMethods(StorageVolume, 'StorageVolume');
