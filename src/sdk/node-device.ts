// A host device (PCI, USB, SCSI host, mediated device, ...); all its methods come from the rule.
import type * as G from '../../generated/index.js';
import { LibvirtObject } from './libvirt-object.js';
import { installMethods, invoke } from './surface.js';
import { registerClass } from './wrap.js';
import type { GeneratedMethods } from './surface-types.js';
import { parseNodeDeviceXml, type NodeDeviceDescription } from './xml/index.js';

export interface NodeDevice extends GeneratedMethods<G.virNodeDevicePtr, 'virNodeDevice', 'virNodeDeviceListCaps'> {}

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

  /**
   * The names of the device's capabilities ('pci', 'net', 'scsi_host', ...). Without `maxNames`,
   * libvirt is asked how many there are first, as libvirt-python does.
   */
  async listCaps(maxNames?: number): Promise<string[]> {
    const n = maxNames ?? ((await invoke('virNodeDeviceNumOfCaps', [this])) as number);
    return (await invoke('virNodeDeviceListCaps', [this, n])) as string[];
  }

  /** The device XML as a typed description (libvirt 9.0 takes no flags here: 0). */
  async getDescription(flags = 0): Promise<NodeDeviceDescription> {
    return parseNodeDeviceXml(await this.getXMLDesc(flags));
  }
}

registerClass('NodeDevice', NodeDevice, (ptr) => NodeDevice.fromHandle(ptr));
installMethods(NodeDevice, 'NodeDevice');
