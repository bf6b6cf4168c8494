// A host network interface (netcf/udev); all its methods come from the rule (method-names.ts).
import type * as G from '../../generated/index.js';
import { LibvirtObject } from './libvirt-object.js';
import { installMethods } from './surface.js';
import { registerClass } from './wrap.js';
import type { GeneratedMethods } from './surface-types.js';
import { parseInterfaceXml, type HostInterfaceDescription } from './xml/index.js';

export interface Interface extends GeneratedMethods<G.virInterfacePtr, 'virInterface', never> {}

export class Interface extends LibvirtObject {
  private constructor(ptr: bigint) {
    super(ptr, 'interface', 'virInterfaceFree');
  }

  /** @internal */
  static fromHandle(ptr: bigint): Interface {
    return new Interface(ptr);
  }

  get name(): string {
    return this.getName();
  }

  /** The interface XML as a typed description; VIR_INTERFACE_XML_INACTIVE for the definition rather than the live state. */
  async getDescription(flags = 0): Promise<HostInterfaceDescription> {
    return parseInterfaceXml(await this.getXMLDesc(flags));
  }
}

registerClass('Interface', Interface, (ptr) => Interface.fromHandle(ptr));
installMethods(Interface, 'Interface');
