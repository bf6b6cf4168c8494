// A secret (a passphrase or key libvirt keeps for disks, iSCSI, Ceph, ...); all its methods come
// from the rule. It has no name: a UUID, and a usage (what it is for) with an ID.
import type * as G from '../../generated/index.js';
import { LibvirtObject } from './libvirt-object.js';
import { installMethods } from './surface.js';
import { registerClass } from './wrap.js';
import type { GeneratedMethods } from './surface-types.js';
import { parseSecretXml, type SecretDescription } from './xml/index.js';

export interface Secret extends GeneratedMethods<G.virSecretPtr, 'virSecret', never> {}

export class Secret extends LibvirtObject {
  private constructor(ptr: bigint) {
    super(ptr, 'secret', 'virSecretFree');
  }

  /** @internal */
  static fromHandle(ptr: bigint): Secret {
    return new Secret(ptr);
  }

  /** The secret's XML as a typed description (never its value: see getValue). */
  async getDescription(): Promise<SecretDescription> {
    return parseSecretXml(await this.getXMLDesc(0));
  }
}

registerClass('Secret', Secret, (ptr) => Secret.fromHandle(ptr));
installMethods(Secret, 'Secret');
