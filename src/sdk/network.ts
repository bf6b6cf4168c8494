// A virtual network and its ports; all their methods come from the rule (method-names.ts).
import type * as G from '../../generated/index.js';
import { rawFunction } from '../ffi/index.js';
import { LibvirtObject } from './libvirt-object.js';
import { installMethods } from './surface.js';
import { registerClass } from './wrap.js';
import type { GeneratedMethods } from './surface-types.js';
import { parseNetworkXml, type NetworkDescription } from './xml/index.js';

export interface Network extends GeneratedMethods<G.virNetworkPtr, 'virNetwork', never> {}

export class Network extends LibvirtObject {
  private constructor(ptr: bigint) {
    super(ptr, 'network', 'virNetworkFree');
  }

  /** @internal */
  static fromHandle(ptr: bigint): Network {
    return new Network(ptr);
  }

  get name(): string {
    return this.getName();
  }

  /** The network XML as a typed description; VIR_NETWORK_XML_INACTIVE for the persistent definition. */
  async getDescription(flags = 0): Promise<NetworkDescription> {
    return parseNetworkXml(await this.getXMLDesc(flags));
  }
}

export interface NetworkPort extends GeneratedMethods<G.virNetworkPortPtr, 'virNetworkPort', never> {}

/** A port of a network (a guest interface's connection to it); it has no name, only a UUID. */
export class NetworkPort extends LibvirtObject {
  private constructor(ptr: bigint) {
    // libvirt has no virNetworkPortGetConnect: the port's network knows the connection.
    super(ptr, 'network port', 'virNetworkPortFree', rawFunction('virNetworkGetConnect')(rawFunction('virNetworkPortGetNetwork')(ptr)) as bigint);
  }

  /** @internal */
  static fromHandle(ptr: bigint): NetworkPort {
    return new NetworkPort(ptr);
  }
}

registerClass('Network', Network, (ptr) => Network.fromHandle(ptr));
installMethods(Network, 'Network');
registerClass('NetworkPort', NetworkPort, (ptr) => NetworkPort.fromHandle(ptr));
installMethods(NetworkPort, 'NetworkPort');
