// A host device (PCI, USB, SCSI host, mediated device, ...); all its methods come from the rule.
import type * as G from '../../generated/index.js';
import { LibvirtObject } from './libvirt-object.js';
import { installMethods } from './surface.js';
import { registerClass } from './wrap.js';
import type { GeneratedMethods } from './surface-types.js';
import { parseNodeDeviceXml, type NodeDeviceDescription } from './xml/index.js';

export interface NodeDevice extends GeneratedMethods<G.virNodeDevicePtr, 'virNodeDevice', never> {}

export class NodeDevice extends LibvirtObject {
  // Its connection comes from its maker (see wrapFor): libvirt cannot be asked for it.
  private constructor(ptr: bigint) {
    super(ptr, 'node device', 'virNodeDeviceFree');
  }

  /** @internal */
  static fromHandle(ptr: bigint): NodeDevice {
    return new NodeDevice(ptr);
  }

  get name(): string {
    return this.getName();
  }

  /** The device XML as a typed description (libvirt 9.0 takes no flags here: 0). */
  async getDescription(flags = 0): Promise<NodeDeviceDescription> {
    return parseNodeDeviceXml(await this.getXMLDesc(flags));
  }
}

registerClass('NodeDevice', NodeDevice, (ptr) => NodeDevice.fromHandle(ptr));
installMethods(NodeDevice, 'NodeDevice');
