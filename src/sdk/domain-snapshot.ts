// A domain snapshot. libvirt keeps its metadata; for internal snapshots of qcow2 disks the
// data lives in the images (see snapshot-introspection.ts to read those offline).
import type * as G from '../../generated/index.js';
import { LibvirtObject } from './libvirt-object.js';
import { coveredBy, installMethods, invoke } from './surface.js';
import { registerClass } from './wrap.js';
import type { GeneratedMethods } from './surface-types.js';
import { parseSnapshotXml, type DomainSnapshotDescription } from './xml/index.js';

/** virDomainSnapshotDelete flags, by what they delete. */
export const SnapshotDeleteMode = {
  /** This snapshot only; its children move to its parent. */
  self: 0,
  /** This snapshot and all its descendants (VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN). */
  withChildren: 1,
  /** libvirt's metadata only; the disk data stays (VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY). */
  metadataOnly: 2,
  /** Only the descendants, not this snapshot (VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY). */
  childrenOnly: 4,
} as const;

type Own = 'virDomainSnapshotDelete' | 'virDomainRevertToSnapshot';
export interface DomainSnapshot extends GeneratedMethods<G.virDomainSnapshotPtr, 'virDomainSnapshot', Own> {}

export class DomainSnapshot extends LibvirtObject {
  private constructor(ptr: bigint) {
    super(ptr, 'domain snapshot', 'virDomainSnapshotFree');
  }

  /** @internal */
  static fromHandle(ptr: bigint): DomainSnapshot {
    return new DomainSnapshot(ptr);
  }

  get name(): string {
    return this.getName();
  }

  getXml(flags = 0): Promise<string> {
    return invoke('virDomainSnapshotGetXMLDesc', [this, flags]) as Promise<string>;
  }

  /** The snapshot XML as a typed description: parent, state, creation time, memory, disks. */
  async getDescription(flags = 0): Promise<DomainSnapshotDescription> {
    return parseSnapshotXml(await this.getXml(flags));
  }

  /** Reverts the domain to this snapshot; VIR_DOMAIN_SNAPSHOT_REVERT_* flags. */
  revert(flags = 0): Promise<void> {
    return (invoke('virDomainRevertToSnapshot', [this, flags]) as Promise<unknown>).then(() => undefined);
  }

  /**
   * Deletes the snapshot: `mode` is a SnapshotDeleteMode (or raw flags). The object stays
   * valid to free; libvirt calls on it fail afterwards.
   */
  delete(mode: number = SnapshotDeleteMode.self): Promise<void> {
    return (invoke('virDomainSnapshotDelete', [this, mode]) as Promise<unknown>).then(() => undefined);
  }
}

registerClass('DomainSnapshot', DomainSnapshot, (ptr) => DomainSnapshot.fromHandle(ptr));
installMethods(DomainSnapshot, 'DomainSnapshot');
coveredBy('virDomainRevertToSnapshot', 'DomainSnapshot', 'revert');
coveredBy('virDomainSnapshotDelete', 'DomainSnapshot', 'delete');
