// A host device (PCI, USB, SCSI host, mediated device, ...); all its methods come from the rule.
import type * as G from '../../generated/index.js';
import { LibvirtObject } from './libvirt-object.js';
import { installMethods } from './surface.js';
import { makerConnection, registerClass } from './wrap.js';
import type { GeneratedMethods } from './surface-types.js';

export interface NodeDevice extends GeneratedMethods<G.virNodeDevicePtr, 'virNodeDevice', never> {}

export class NodeDevice extends LibvirtObject {
  private constructor(ptr: bigint, conn: bigint | undefined) {
    super(ptr, 'node device', 'virNodeDeviceFree', conn);
  }

  /** @internal `conn`: its connection, which libvirt cannot be asked for (see wrapFor). */
  static fromHandle(ptr: bigint, conn: bigint | undefined = makerConnection()): NodeDevice {
    return new NodeDevice(ptr, conn);
  }

  get name(): string {
    return this.getName();
  }
}

registerClass('NodeDevice', NodeDevice, (ptr) => NodeDevice.fromHandle(ptr));
installMethods(NodeDevice, 'NodeDevice');
