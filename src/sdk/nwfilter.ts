// Network filters and their bindings to guest interfaces; all their methods come from the rule.
import type * as G from '../../generated/index.js';
import { LibvirtObject } from './libvirt-object.js';
import { installMethods } from './surface.js';
import { makerConnection, registerClass } from './wrap.js';
import type { GeneratedMethods } from './surface-types.js';

export interface NWFilter extends GeneratedMethods<G.virNWFilterPtr, 'virNWFilter', never> {}

export class NWFilter extends LibvirtObject {
  private constructor(ptr: bigint, conn: bigint | undefined) {
    super(ptr, 'network filter', 'virNWFilterFree', conn);
  }

  /** @internal `conn`: its connection, which libvirt cannot be asked for (see wrapFor). */
  static fromHandle(ptr: bigint, conn: bigint | undefined = makerConnection()): NWFilter {
    return new NWFilter(ptr, conn);
  }

  get name(): string {
    return this.getName();
  }
}

export interface NWFilterBinding extends GeneratedMethods<G.virNWFilterBindingPtr, 'virNWFilterBinding', never> {}

/** A filter bound to a guest interface, known by the interface's host device name (portDev). */
export class NWFilterBinding extends LibvirtObject {
  private constructor(ptr: bigint, conn: bigint | undefined) {
    super(ptr, 'network filter binding', 'virNWFilterBindingFree', conn);
  }

  /** @internal `conn`: its connection, which libvirt cannot be asked for (see wrapFor). */
  static fromHandle(ptr: bigint, conn: bigint | undefined = makerConnection()): NWFilterBinding {
    return new NWFilterBinding(ptr, conn);
  }
}

registerClass('NWFilter', NWFilter, (ptr) => NWFilter.fromHandle(ptr));
installMethods(NWFilter, 'NWFilter');
registerClass('NWFilterBinding', NWFilterBinding, (ptr) => NWFilterBinding.fromHandle(ptr));
installMethods(NWFilterBinding, 'NWFilterBinding');
