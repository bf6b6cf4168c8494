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
    return this.#own((vol) => openUpload(vol, options));
  }

  /** The volume's bytes as a Readable (virStorageVolDownload); with `sparse`, holes cross as lengths and come out as zeros. */
  download(options: DownloadOptions = {}): Promise<Readable> {
    return this.#own((vol) => openDownload(vol, options));
  }

  /** A sparse download as an object-mode Readable of `{ kind: 'data', data } | { kind: 'hole', length }`. */
  downloadSparse(options: Omit<DownloadOptions, 'sparse'> = {}): Promise<Readable> {
    return this.#own((vol) => openSparseDownload(vol, options));
  }

  /** Uploads a file, its holes (found with lseek SEEK_DATA/SEEK_HOLE) as holes unless `sparse: false`. */
  uploadFile(path: string, options: UploadFileOptions = {}): Promise<TransferResult> {
    return this.#own((vol) => uploadFile(vol, path, options));
  }

  /**
   * Downloads into a new file, keeping holes (sparse unless `sparse: false`). An existing file is
   * an EEXIST error unless `force`; a failed download leaves no file behind (and, with `force`,
   * the old one untouched).
   */
  downloadToFile(path: string, options: DownloadFileOptions = {}): Promise<TransferResult> {
    return this.#own((vol) => downloadToFile(vol, path, options));
  }

  /** The transfers make several calls: they run on a reference of their own (see withOwnReference). */
  #own<R>(body: (vol: StorageVolume) => Promise<R>): Promise<R> {
    return withOwnReference(this, 'virStorageVolRef', (ptr) => StorageVolume.fromHandle(ptr), body);
  }
}

registerClass('StorageVolume', StorageVolume, (ptr) => StorageVolume.fromHandle(ptr));
installMethods(StorageVolume, 'StorageVolume');
