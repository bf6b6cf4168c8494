// Network filters and their bindings to guest interfaces; all their methods come from the rule.
import type * as G from '../../generated/index.js';
import { LibvirtObject } from './libvirt-object.js';
import { installMethods } from './surface.js';
import { registerClass } from './wrap.js';
import type { GeneratedMethods } from './surface-types.js';

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
}

registerClass('NWFilter', NWFilter, (ptr) => NWFilter.fromHandle(ptr));
installMethods(NWFilter, 'NWFilter');
registerClass('NWFilterBinding', NWFilterBinding, (ptr) => NWFilterBinding.fromHandle(ptr));
installMethods(NWFilterBinding, 'NWFilterBinding');
