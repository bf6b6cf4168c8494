// Network filters and their bindings to guest interfaces; all their methods come from the rule.
import type * as G from '../../generated/index.js';
import { LibvirtObject } from './libvirt-object.js';
import { installMethods } from './surface.js';
import { registerClass } from './wrap.js';
import type { GeneratedMethods } from './surface-types.js';
import { parseNWFilterBindingXml, parseNWFilterXml, type NWFilterBindingDescription, type NWFilterDescription } from './xml/index.js';

export interface NWFilter extends GeneratedMethods<G.virNWFilterPtr, 'virNWFilter', never> {}

export class NWFilter extends LibvirtObject {
  // Its connection comes from its maker (see wrapFor): libvirt cannot be asked for it.
  private constructor(ptr: bigint) {
    super(ptr, 'network filter', 'virNWFilterFree');
  }

  /** @internal */
  static fromHandle(ptr: bigint): NWFilter {
    return new NWFilter(ptr);
  }

  get name(): string {
    return this.getName();
  }

  /** The filter XML as a typed description: its rules and the filters it references, in order. */
  async getDescription(flags = 0): Promise<NWFilterDescription> {
    return parseNWFilterXml(await this.getXMLDesc(flags));
  }
}

export interface NWFilterBinding extends GeneratedMethods<G.virNWFilterBindingPtr, 'virNWFilterBinding', never> {}

/** A filter bound to a guest interface, known by the interface's host device name (portDev). */
export class NWFilterBinding extends LibvirtObject {
  // Its connection comes from its maker (see wrapFor): libvirt cannot be asked for it.
  private constructor(ptr: bigint) {
    super(ptr, 'network filter binding', 'virNWFilterBindingFree');
  }

  /** @internal */
  static fromHandle(ptr: bigint): NWFilterBinding {
    return new NWFilterBinding(ptr);
  }

  /** The binding XML as a typed description: the guest, its port device and MAC, the filter applied. */
  async getDescription(flags = 0): Promise<NWFilterBindingDescription> {
    return parseNWFilterBindingXml(await this.getXMLDesc(flags));
  }
}

registerClass('NWFilter', NWFilter, (ptr) => NWFilter.fromHandle(ptr));
installMethods(NWFilter, 'NWFilter');
registerClass('NWFilterBinding', NWFilterBinding, (ptr) => NWFilterBinding.fromHandle(ptr));
installMethods(NWFilterBinding, 'NWFilterBinding');
