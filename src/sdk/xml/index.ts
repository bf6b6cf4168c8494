// Typed libvirt XML documents: parse libvirt's XML into typed objects and build XML from them.
export { XmlDocumentError, isXmlDocumentError, type XmlDocumentErrorCode } from './xml-errors.js';
export { parseXmlElement, buildXmlElement, isXmlElement, type XmlElement, type XmlNode, type XmlText } from './xml-codec.js';
export type { XmlExtra, XmlExtraChild } from './xml-element.js';
export { checkSize, sizeToBytes, unitMultiplier, type SizeValue } from './xml-units.js';
export type { OptionalLists } from './optional-lists.js';
export { parseDomainXml, buildDomainXml, type DomainDescription, type DomainOs } from './domain-xml.js';
export type {
  DomainDevices,
  DiskDescription,
  DiskSource,
  InterfaceDescription,
  GraphicsDescription,
  CharDeviceDescription,
} from './domain-devices-xml.js';
export {
  parseSnapshotXml,
  buildSnapshotXml,
  type DomainSnapshotDescription,
  type SnapshotDiskDescription,
  type SnapshotState,
  type SnapshotMemoryMode,
  type SnapshotDiskMode,
} from './snapshot-xml.js';
export { parsePoolXml, buildPoolXml, type StoragePoolDescription, type StoragePoolSource, type StoragePoolType } from './pool-xml.js';
export { parseVolumeXml, buildVolumeXml, type StorageVolumeDescription, type StorageVolumeTarget, type StorageVolumeFormat } from './volume-xml.js';
export type { StoragePermissions } from './storage-common-xml.js';
export {
  parseNetworkXml,
  buildNetworkXml,
  type NetworkDescription,
  type NetworkForward,
  type NetworkForwardMode,
  type NetworkBridge,
  type NetworkIp,
  type NetworkDhcp,
} from './network-xml.js';
export { parseSecretXml, buildSecretXml, type SecretDescription, type SecretUsage, type SecretUsageType } from './secret-xml.js';
export {
  parseInterfaceXml,
  buildInterfaceXml,
  type HostInterfaceDescription,
  type EthernetInterfaceDescription,
  type BridgeInterfaceDescription,
  type BondInterfaceDescription,
  type VlanInterfaceDescription,
  type BridgeMemberDescription,
  type BondMemberDescription,
  type HostInterfaceType,
  type HostInterfaceStartMode,
  type HostInterfaceLink,
  type HostInterfaceLinkState,
  type HostInterfaceProtocol,
  type HostInterfaceIp,
  type HostInterfaceBridge,
  type HostInterfaceBond,
  type HostInterfaceBondMode,
  type HostInterfaceVlan,
} from './interface-xml.js';
export type { NetLink, NetLinkState } from './net-link-xml.js';
export { parseNodeDeviceXml, buildNodeDeviceXml, type NodeDeviceDescription } from './nodedev-xml.js';
export type {
  NodeDeviceCapability,
  NodeDeviceCapabilityType,
  NodeDeviceSystemCapability,
  NodeDevicePciCapability,
  NodeDeviceUsbDeviceCapability,
  NodeDeviceNetCapability,
  NodeDeviceLinkState,
  NodeDeviceStorageCapability,
  NodeDeviceScsiHostCapability,
  NodeDeviceScsiCapability,
  NodeDeviceMdevCapability,
} from './nodedev-capability-types.js';
export type { NodeDeviceId } from './nodedev-capability-fields.js';
export {
  parseNWFilterXml,
  buildNWFilterXml,
  type NWFilterDescription,
  type NWFilterEntry,
  type NWFilterRule,
  type NWFilterReferenceEntry,
  type NWFilterProtocol,
  type NWFilterProtocolName,
  type NWFilterMatch,
  type NWFilterAction,
  type NWFilterDirection,
  type NWFilterChain,
} from './nwfilter-xml.js';
export type { NWFilterReference, NWFilterParameter } from './nwfilter-params-xml.js';
export {
  parseNWFilterBindingXml,
  buildNWFilterBindingXml,
  type NWFilterBindingDescription,
  type NWFilterBindingOwner,
} from './nwfilter-binding-xml.js';
