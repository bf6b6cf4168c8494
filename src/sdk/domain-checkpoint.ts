// A domain checkpoint (a point for incremental backups); all its methods come from the rule.
import type * as G from '../../generated/index.js';
import { LibvirtObject } from './libvirt-object.js';
import { installMethods } from './surface.js';
import { registerClass } from './wrap.js';
import type { GeneratedMethods } from './surface-types.js';

export interface DomainCheckpoint extends GeneratedMethods<G.virDomainCheckpointPtr, 'virDomainCheckpoint', never> {}

export class DomainCheckpoint extends LibvirtObject {
  private constructor(ptr: bigint) {
    super(ptr, 'domain checkpoint', 'virDomainCheckpointFree');
  }

  /** @internal */
  static fromHandle(ptr: bigint): DomainCheckpoint {
    return new DomainCheckpoint(ptr);
  }

  get name(): string {
    return this.getName();
  }
}

registerClass('DomainCheckpoint', DomainCheckpoint, (ptr) => DomainCheckpoint.fromHandle(ptr));
installMethods(DomainCheckpoint, 'DomainCheckpoint');
