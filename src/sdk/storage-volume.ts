// A storage volume: a disk image or device in a pool.
import type * as G from '../../generated/index.js';
import { LibvirtObject } from './libvirt-object.js';
import { installMethods, invoke } from './surface.js';
import { registerClass } from './wrap.js';
import { storageVolumeType } from './enum-names.js';
import type { GeneratedMethods } from './surface-types.js';
import type { StorageVolumeInfo } from './types.js';
import { parseVolumeXml, type StorageVolumeDescription } from './xml/index.js';

type Own = 'virStorageVolGetInfo';
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
    const raw = (await invoke('virStorageVolGetInfo', [this])) as G.virStorageVolInfo;
    return { type: storageVolumeType(raw.type), capacity: raw.capacity, allocation: raw.allocation };
  }
}

registerClass('StorageVolume', (ptr) => StorageVolume.fromHandle(ptr));
installMethods(StorageVolume, 'StorageVolume');
