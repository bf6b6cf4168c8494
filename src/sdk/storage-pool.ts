// A storage pool and the volumes in it.
import type * as G from '../../generated/index.js';
import { LibvirtObject } from './libvirt-object.js';
import { coveredBy, installMethods, invoke } from './surface.js';
import { registerClass } from './wrap.js';
import { storagePoolState } from './enum-names.js';
import type { GeneratedMethods, Wrap } from './surface-types.js';
import type { StoragePoolInfo } from './types.js';
import type { StorageVolume } from './storage-volume.js';
import { buildVolumeXml, parsePoolXml, type StoragePoolDescription, type StorageVolumeDescription } from './xml/index.js';
import { invokeWithXml } from './definition.js';

type Own = 'virStoragePoolGetInfo';
export interface StoragePool extends GeneratedMethods<G.virStoragePoolPtr, 'virStoragePool', Own> {}

export class StoragePool extends LibvirtObject {
  private constructor(ptr: bigint) {
    super(ptr, 'storage pool', 'virStoragePoolFree');
  }

  /** @internal */
  static fromHandle(ptr: bigint): StoragePool {
    return new StoragePool(ptr);
  }

  get name(): string {
    return this.getName();
  }

  async getInfo(): Promise<StoragePoolInfo> {
    // The state arrives named (an enum-valued field, see wrap.ts), by storagePoolState's namer.
    const raw = (await invoke('virStoragePoolGetInfo', [this])) as Wrap<G.virStoragePoolInfo>;
    return { state: raw.state as ReturnType<typeof storagePoolState>, capacity: raw.capacity, allocation: raw.allocation, available: raw.available };
  }

  listAllVolumes(flags = 0): Promise<StorageVolume[]> {
    return invoke('virStoragePoolListAllVolumes', [this, flags]) as Promise<StorageVolume[]>;
  }

  lookupVolume(name: string): Promise<StorageVolume> {
    return invoke('virStorageVolLookupByName', [this, name]) as Promise<StorageVolume>;
  }

  async getDescription(flags = 0): Promise<StoragePoolDescription> {
    return parsePoolXml((await this.getXMLDesc(flags)) as string);
  }

  /** Creates a volume (qcow2, raw, ...) from its XML or a typed description; VIR_STORAGE_VOL_CREATE_* flags. */
  createVolume(definition: string | StorageVolumeDescription, flags = 0): Promise<StorageVolume> {
    return invokeWithXml('virStorageVolCreateXML', definition, buildVolumeXml, (xml) => [this, xml, flags]);
  }

  /** Creates a volume with the contents of `source` (which may be in another pool). */
  cloneVolume(definition: string | StorageVolumeDescription, source: StorageVolume, flags = 0): Promise<StorageVolume> {
    return invokeWithXml('virStorageVolCreateXMLFrom', definition, buildVolumeXml, (xml) => [this, xml, source, flags]);
  }
}

registerClass('StoragePool', StoragePool, (ptr) => StoragePool.fromHandle(ptr));
installMethods(StoragePool, 'StoragePool');
coveredBy('virStorageVolLookupByName', 'StoragePool', 'lookupVolume');
coveredBy('virStorageVolCreateXML', 'StoragePool', 'createVolume');
coveredBy('virStorageVolCreateXMLFrom', 'StoragePool', 'cloneVolume');
