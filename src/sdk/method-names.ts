// One rule names SDK methods after C functions: drop the prefix of the class that owns the
// function (the kind of its first argument), then lower the first letter:
//   virDomainGetInfo -> Domain#getInfo, virStorageVolGetPath -> StorageVolume#getPath,
//   virDomainLookupByName (first argument a connection) -> Connection#domainLookupByName.
// Functions the SDK handles itself (references, frees) are excluded, each with a reason.

export type SdkClass = 'Connection' | 'Domain' | 'DomainSnapshot' | 'DomainCheckpoint' | 'StoragePool' | 'StorageVolume';

export const classPrefixes: Readonly<Record<SdkClass, string>> = {
  Connection: 'virConnect',
  Domain: 'virDomain',
  DomainSnapshot: 'virDomainSnapshot',
  DomainCheckpoint: 'virDomainCheckpoint',
  StoragePool: 'virStoragePool',
  StorageVolume: 'virStorageVol',
};

/** Handle typedef -> the class that wraps it. */
export const classOfHandle: Readonly<Record<string, SdkClass>> = {
  virConnectPtr: 'Connection',
  virDomainPtr: 'Domain',
  virDomainSnapshotPtr: 'DomainSnapshot',
  virDomainCheckpointPtr: 'DomainCheckpoint',
  virStoragePoolPtr: 'StoragePool',
  virStorageVolPtr: 'StorageVolume',
};

export function methodName(cName: string, owner: SdkClass): string {
  const prefix = classPrefixes[owner];
  const rest = cName.startsWith(prefix) ? cName.slice(prefix.length) : cName.replace(/^vir/, '');
  return rest.charAt(0).toLowerCase() + rest.slice(1);
}

/** Functions in the SDK's families that are not methods, and why. */
/**
 * Functions of a connection that make or list handles the SDK has no object for: as methods
 * they would hand out bare handles that nothing frees, each keeping its connection open (close()
 * would never reach 0). A test checks that this list is every such function.
 */
const UNOWNED_HANDLES = 'returns network, interface, node device, secret or nwfilter handles, which no SDK object owns (nothing would free them): reachable in generated/, whose caller frees them';

export const excludedFunctions = {
  virConnectListAllInterfaces: UNOWNED_HANDLES,
  virConnectListAllNWFilterBindings: UNOWNED_HANDLES,
  virConnectListAllNWFilters: UNOWNED_HANDLES,
  virConnectListAllNetworks: UNOWNED_HANDLES,
  virConnectListAllNodeDevices: UNOWNED_HANDLES,
  virConnectListAllSecrets: UNOWNED_HANDLES,
  virInterfaceDefineXML: UNOWNED_HANDLES,
  virInterfaceLookupByMACString: UNOWNED_HANDLES,
  virInterfaceLookupByName: UNOWNED_HANDLES,
  virNWFilterBindingCreateXML: UNOWNED_HANDLES,
  virNWFilterBindingLookupByPortDev: UNOWNED_HANDLES,
  virNWFilterDefineXML: UNOWNED_HANDLES,
  virNWFilterDefineXMLFlags: UNOWNED_HANDLES,
  virNWFilterLookupByName: UNOWNED_HANDLES,
  virNWFilterLookupByUUID: UNOWNED_HANDLES,
  virNWFilterLookupByUUIDString: UNOWNED_HANDLES,
  virNetworkCreateXML: UNOWNED_HANDLES,
  virNetworkCreateXMLFlags: UNOWNED_HANDLES,
  virNetworkDefineXML: UNOWNED_HANDLES,
  virNetworkDefineXMLFlags: UNOWNED_HANDLES,
  virNetworkLookupByName: UNOWNED_HANDLES,
  virNetworkLookupByUUID: UNOWNED_HANDLES,
  virNetworkLookupByUUIDString: UNOWNED_HANDLES,
  virNodeDeviceCreateXML: UNOWNED_HANDLES,
  virNodeDeviceDefineXML: UNOWNED_HANDLES,
  virNodeDeviceLookupByName: UNOWNED_HANDLES,
  virNodeDeviceLookupSCSIHostByWWN: UNOWNED_HANDLES,
  virSecretDefineXML: UNOWNED_HANDLES,
  virSecretLookupByUUID: UNOWNED_HANDLES,
  virSecretLookupByUUIDString: UNOWNED_HANDLES,
  virSecretLookupByUsage: UNOWNED_HANDLES,
  virStreamNew: 'Stream.create(conn) makes a stream that one Stream object owns and frees once',
  virConnectRef: 'references are managed by the objects (free/close, using, FinalizationRegistry)',
  virDomainRef: 'references are managed by the objects',
  virDomainSnapshotRef: 'references are managed by the objects',
  virDomainCheckpointRef: 'references are managed by the objects',
  virStoragePoolRef: 'references are managed by the objects',
  virStorageVolRef: 'references are managed by the objects',
  virConnectClose: 'Connection#close releases the connection (once)',
  virDomainFree: 'Domain#free releases the reference (once)',
  virDomainSnapshotFree: 'DomainSnapshot#free releases the reference (once)',
  virDomainCheckpointFree: 'DomainCheckpoint#free releases the reference (once)',
  virStoragePoolFree: 'StoragePool#free releases the reference (once)',
  virStorageVolFree: 'StorageVolume#free releases the reference (once)',
  virDomainFSInfoFree: 'getFSInfo frees each element itself',
  virDomainIOThreadInfoFree: 'getIOThreadInfo frees each element itself',
  virDomainInterfaceFree: 'interfaceAddresses frees each element itself',
  virDomainStatsRecordListFree: 'getAllDomainStats / listGetStats free the list themselves',
  virConnectOpenAuth: "Connection.open(uri, { auth }) answers libvirt's credential callback",
  virConnectDomainEventRegister: "deprecated duplicate of virConnectDomainEventRegisterAny: Connection#on('domain:lifecycle')",
  virConnectDomainEventDeregister: "deprecated duplicate of virConnectDomainEventDeregisterAny: Connection#off('domain:lifecycle')",
  virConnectDomainEventRegisterAny: "Connection#on('domain:<event>') registers it with the first listener",
  virConnectDomainEventDeregisterAny: "Connection#off('domain:<event>') deregisters it with the last listener",
  virConnectStoragePoolEventRegisterAny: "Connection#on('pool:<event>') registers it with the first listener",
  virConnectStoragePoolEventDeregisterAny: "Connection#off('pool:<event>') deregisters it with the last listener",
  virConnectNetworkEventRegisterAny: "Connection#on('network:<event>') registers it with the first listener",
  virConnectNetworkEventDeregisterAny: "Connection#off('network:<event>') deregisters it with the last listener",
  virConnectNodeDeviceEventRegisterAny: "Connection#on('nodedev:<event>') registers it with the first listener",
  virConnectNodeDeviceEventDeregisterAny: "Connection#off('nodedev:<event>') deregisters it with the last listener",
  virConnectSecretEventRegisterAny: "Connection#on('secret:<event>') registers it with the first listener",
  virConnectSecretEventDeregisterAny: "Connection#off('secret:<event>') deregisters it with the last listener",
  virConnectRegisterCloseCallback: "Connection#on('close') registers it with the first listener",
  virConnectUnregisterCloseCallback: "Connection#off('close') deregisters it with the last listener",
  virConnectDomainQemuMonitorEventRegister: "Connection#on('qemu:monitor') registers it (on a call thread, with the event thread's callback) with the first listener",
  virConnectDomainQemuMonitorEventDeregister: "Connection#off('qemu:monitor') deregisters it with the last listener",
  virConnSetErrorFunc: "each failure arrives as the LibvirtError of its own call; a connection's error callback would replace the handler that keeps libvirt from printing errors to stderr, and be called on the call threads' behalf: reachable in generated/",
  virConnGetLastError: "returns the connection's own error struct, read without libvirt's lock: calls failing on other call threads meanwhile free and rewrite its strings under the reader (garbage, or a crash). Each failure arrives as its own call's LibvirtError; connCopyLastError copies under the lock",
  virDomainLxcEnterSecurityLabel: 'changes the security label of the calling process, not an object: reachable in generated/',
  virDomainLxcEnterNamespace: "moves the calling thread into the guest's namespaces (setns): as a method it would move whichever call thread ran it, and every later call on that thread would run inside the guest's namespaces; for a child process of the caller's own: reachable in generated/",
  virConnectListDomains: 'deprecated duplicate: Connection#listAllDomains',
  virConnectListDefinedDomains: 'deprecated duplicate: Connection#listAllDomains',
  virConnectListStoragePools: 'deprecated duplicate: Connection#listAllStoragePools',
  virConnectListDefinedStoragePools: 'deprecated duplicate: Connection#listAllStoragePools',
  virStoragePoolListVolumes: 'deprecated duplicate: StoragePool#listAllVolumes',
  virDomainSnapshotListNames: 'deprecated duplicate: Domain#listAllSnapshots',
  virDomainSnapshotListChildrenNames: 'deprecated duplicate: DomainSnapshot#listAllChildren',
} as const satisfies Record<string, string>;

export type ExcludedFunction = keyof typeof excludedFunctions;

/**
 * Calls that only read the handle (or the library) and never talk to a daemon: these stay
 * synchronous on the calling thread.
 */
const localReadNames = [
  'virDomainGetName', 'virDomainGetUUID', 'virDomainGetUUIDString', 'virDomainGetID', 'virDomainGetConnect',
  'virDomainSnapshotGetName', 'virDomainSnapshotGetDomain', 'virDomainSnapshotGetConnect',
  'virDomainCheckpointGetName', 'virDomainCheckpointGetDomain', 'virDomainCheckpointGetConnect',
  'virStoragePoolGetName', 'virStoragePoolGetUUID', 'virStoragePoolGetUUIDString', 'virStoragePoolGetConnect',
  'virStorageVolGetName', 'virStorageVolGetKey', 'virStorageVolGetConnect',
] as const;

export type LocalRead = (typeof localReadNames)[number];
export const localReads: ReadonlySet<string> = new Set(localReadNames);

