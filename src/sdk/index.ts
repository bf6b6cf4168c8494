// tsvirt's SDK: Connection, Domain, DomainSnapshot, StoragePool, StorageVolume.
export { Connection, defaultUri } from './connection.js';
export type { OpenOptions } from './connection.js';
export { Domain } from './domain.js';
export { DomainSnapshot, SnapshotDeleteMode } from './domain-snapshot.js';
export { DomainCheckpoint } from './domain-checkpoint.js';
export { StoragePool } from './storage-pool.js';
export { StorageVolume } from './storage-volume.js';
export { LibvirtObject } from './libvirt-object.js';
export type { SnapshotNode, SnapshotTree } from './snapshot-tree.js';
export type { DomainInfo, DomainStateInfo, StoragePoolInfo, StorageVolumeInfo } from './types.js';
export type { DomainStateName, StoragePoolStateName, StorageVolumeTypeName, Named } from './enum-names.js';
export { methodName, excludedFunctions } from './method-names.js';
export { methodTable } from './surface.js';
export { sharedPool, CallPool } from './engine/call-pool.js';
export { compareImageSnapshots, domainDiskSnapshots, volumeSnapshots, qcow2Disks } from './snapshot-introspection.js';
export type { DiskSnapshots, SnapshotComparison, ImageSnapshotEntry } from './snapshot-introspection.js';
export * from './xml/index.js';
