// The node device capabilities that have types of their own, a union on `type`. What a type
// leaves out stays in its `extra` (nodedev-capabilities-xml.ts reads and writes them).
import type { XmlExtra } from './xml-element.js';
import type { NodeDeviceId } from './nodedev-capability-fields.js';

/** The host itself (the device named 'computer'). */
export interface NodeDeviceSystemCapability {
  readonly type: 'system';
  readonly product?: string;
  readonly hardware?: { readonly vendor?: string; readonly version?: string; readonly serial?: string; readonly uuid?: string; readonly extra?: XmlExtra };
  /** `releaseDate` as the firmware reports it (libvirt does not parse it: '01/22/2007'). */
  readonly firmware?: { readonly vendor?: string; readonly version?: string; readonly releaseDate?: string; readonly extra?: XmlExtra };
  readonly extra?: XmlExtra;
}

export interface NodeDevicePciCapability {
  readonly type: 'pci';
  /** The class code as libvirt writes it, hexadecimal ('0x020000': an Ethernet controller). */
  readonly class?: string;
  readonly domain: number;
  readonly bus: number;
  readonly slot: number;
  readonly function: number;
  readonly product: NodeDeviceId;
  readonly vendor: NodeDeviceId;
  /** The IOMMU group's number; the addresses of its members stay in `extra.leaves.iommuGroup`. */
  readonly iommuGroup?: number;
  readonly numaNode?: number;
  readonly extra?: XmlExtra;
}

export interface NodeDeviceUsbDeviceCapability {
  readonly type: 'usb_device';
  readonly bus: number;
  readonly device: number;
  readonly product: NodeDeviceId;
  readonly vendor: NodeDeviceId;
  readonly extra?: XmlExtra;
}

/** A network interface's operational state, as the kernel reports it (RFC 2863). */
export type NodeDeviceLinkState = 'unknown' | 'notpresent' | 'down' | 'lowerlayerdown' | 'testing' | 'dormant' | 'up' | (string & {});

export interface NodeDeviceNetCapability {
  readonly type: 'net';
  readonly interface: string;
  /** MAC address. */
  readonly address?: string;
  /** `speed` in Mbit/s, absent when the link is down (virtio reports 4294967295: unknown). */
  readonly link?: { readonly state?: NodeDeviceLinkState; readonly speed?: number };
  /** Offload features the interface has on ('rx', 'tso', 'gro', ...). */
  readonly features: readonly string[];
  /** The nested `<capability type=…>`: '80203' (Ethernet) or '80211' (wireless). */
  readonly subtype?: '80203' | '80211' | (string & {});
  readonly extra?: XmlExtra;
}

/** A block device; removable media (a `<capability type='removable'>` in `extra`) has no `size`. */
export interface NodeDeviceStorageCapability {
  readonly type: 'storage';
  /** Its /dev path. */
  readonly block: string;
  readonly bus?: string;
  /** 'disk', 'cdrom', ... */
  readonly driveType?: string;
  readonly model?: string;
  readonly vendor?: string;
  readonly serial?: string;
  /** In bytes. */
  readonly size?: bigint;
  readonly logicalBlockSize?: bigint;
  readonly numBlocks?: bigint;
  readonly extra?: XmlExtra;
}

/**
 * A SCSI host adapter. A fibre channel one has `fcHost`, and `vportOps` when it can make virtual
 * ports: a vHBA is created (Connection#createNodeDevice) as a scsi_host with an `fcHost`, whose
 * names libvirt generates when left out, under a `parent` that has `vportOps`.
 */
export interface NodeDeviceScsiHostCapability {
  readonly type: 'scsi_host';
  /** The host number (the N of scsi_hostN); libvirt assigns it to a device it creates. */
  readonly host?: number;
  readonly uniqueId?: number;
  /** World wide node and port names, and the fabric's: 16 hexadecimal digits each. */
  readonly fcHost?: { readonly wwnn?: string; readonly wwpn?: string; readonly fabricWwn?: string; readonly extra?: XmlExtra };
  readonly vportOps?: { readonly maxVports?: number; readonly vports?: number; readonly extra?: XmlExtra };
  readonly extra?: XmlExtra;
}

/** A SCSI device (a LUN) at host:bus:target:lun. */
export interface NodeDeviceScsiCapability {
  readonly type: 'scsi';
  readonly host: number;
  readonly bus: number;
  readonly target: number;
  readonly lun: number;
  /** The `<type>` of the device: 'disk', 'cdrom', 'tape', ... */
  readonly deviceType?: string;
  readonly extra?: XmlExtra;
}

/** A mediated device (a vGPU, a vfio-ccw or vfio-ap device). */
export interface NodeDeviceMdevCapability {
  readonly type: 'mdev';
  /** The mdev type it is an instance of (`<type id=…>`), e.g. 'nvidia-63'. */
  readonly typeId: string;
  readonly uuid?: string;
  readonly iommuGroup?: number;
  /** Vendor attributes written to the device in this order when it is started. */
  readonly attributes: readonly { readonly name: string; readonly value: string }[];
  readonly extra?: XmlExtra;
}

export type NodeDeviceCapability =
  | NodeDeviceSystemCapability
  | NodeDevicePciCapability
  | NodeDeviceUsbDeviceCapability
  | NodeDeviceNetCapability
  | NodeDeviceStorageCapability
  | NodeDeviceScsiHostCapability
  | NodeDeviceScsiCapability
  | NodeDeviceMdevCapability;

export type NodeDeviceCapabilityType = NodeDeviceCapability['type'];
