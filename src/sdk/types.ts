// Typed results of the SDK's hand-written methods.
import type { DomainStateName, Named, StoragePoolStateName, StorageVolumeTypeName } from './enum-names.js';

export interface DomainInfo {
  state: Named<DomainStateName>;
  /** Maximum memory in KiB. */
  maxMemoryKiB: bigint;
  /** Current memory in KiB. */
  memoryKiB: bigint;
  vcpus: number;
  /** CPU time used, in nanoseconds (often above 2^53). */
  cpuTimeNs: bigint;
}

/** `reason` is named by its state's reason enum (virDomainRunningReason for running: 'booted', 'unpaused', ...). */
export interface DomainStateInfo { state: Named<DomainStateName>; reason: Named<string> }

export interface StoragePoolInfo {
  state: Named<StoragePoolStateName>;
  capacity: bigint;
  allocation: bigint;
  available: bigint;
}

export interface StorageVolumeInfo {
  type: Named<StorageVolumeTypeName>;
  /** Logical size in bytes. */
  capacity: bigint;
  /** Bytes allocated on the host. */
  allocation: bigint;
}
