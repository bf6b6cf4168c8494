// One rule names SDK methods after C functions: drop the prefix of the class that owns the
// function (the kind of its first argument), then lower the first word (fsFreeze):
//   virDomainGetInfo -> Domain#getInfo, virStorageVolGetPath -> StorageVolume#getPath,
//   virDomainLookupByName (first argument a connection) -> Connection#domainLookupByName.
// Functions the SDK handles itself (references, frees) are excluded, each with a reason.

export type SdkClass =
  | 'Connection' | 'Domain' | 'DomainSnapshot' | 'DomainCheckpoint' | 'StoragePool' | 'StorageVolume'
  | 'Network' | 'NetworkPort' | 'Interface' | 'NodeDevice' | 'Secret' | 'NWFilter' | 'NWFilterBinding';

export const classPrefixes: Readonly<Record<SdkClass, string>> = {
  Connection: 'virConnect',
  Domain: 'virDomain',
  DomainSnapshot: 'virDomainSnapshot',
  DomainCheckpoint: 'virDomainCheckpoint',
  StoragePool: 'virStoragePool',
  StorageVolume: 'virStorageVol',
  Network: 'virNetwork',
  NetworkPort: 'virNetworkPort',
  Interface: 'virInterface',
  NodeDevice: 'virNodeDevice',
  Secret: 'virSecret',
  NWFilter: 'virNWFilter',
  NWFilterBinding: 'virNWFilterBinding',
};

/** Handle typedef -> the class that wraps it: each class's prefix names its handle (virStorageVolPtr). */
export const classOfHandle: Readonly<Record<string, SdkClass>> = Object.fromEntries(
  Object.entries(classPrefixes).map(([cls, prefix]) => [`${prefix}Ptr`, cls as SdkClass]),
);

/** The handle typedef of `cls`. */
export const handleOfClass = (cls: SdkClass): string => `${classPrefixes[cls]}Ptr`;

export function methodName(cName: string, owner: SdkClass): string {
  const prefix = classPrefixes[owner];
  const rest = cName.startsWith(prefix) ? cName.slice(prefix.length) : cName.replace(/^vir/, '');
  return lowerFirstWord(rest);
}

/**
 * Lowers the first word, an acronym included: FSFreeze -> fsFreeze, PMWakeup -> pmWakeup,
 * NWFilterLookupByName -> nwFilterLookupByName. An acronym's last capital before a lowercase
 * letter starts the next word.
 */
function lowerFirstWord(rest: string): string {
  const caps = /^[A-Z]+/.exec(rest)?.[0].length ?? 0;
  const lowered = caps > 1 && caps < rest.length && /[a-z]/.test(rest.charAt(caps)) ? caps - 1 : Math.max(caps, 1);
  return rest.slice(0, lowered).toLowerCase() + rest.slice(lowered);
}

/** Functions in the SDK's families that are not methods, and why. */
export const excludedFunctions = {
  virStreamNew: 'Stream.create(conn) makes a stream that one Stream object owns and frees once',
  virConnectRef: 'references are managed by the objects (free/close, using, FinalizationRegistry)',
  virDomainRef: 'references are managed by the objects',
  virDomainSnapshotRef: 'references are managed by the objects',
  virDomainCheckpointRef: 'references are managed by the objects',
  virStoragePoolRef: 'references are managed by the objects',
  virStorageVolRef: 'references are managed by the objects',
  virNetworkRef: 'references are managed by the objects',
  virNetworkPortRef: 'references are managed by the objects',
  virInterfaceRef: 'references are managed by the objects',
  virNodeDeviceRef: 'references are managed by the objects',
  virSecretRef: 'references are managed by the objects',
  virNWFilterRef: 'references are managed by the objects',
  virNWFilterBindingRef: 'references are managed by the objects',
  virConnectClose: 'Connection#close releases the connection (once)',
  virDomainFree: 'Domain#free releases the reference (once)',
  virDomainSnapshotFree: 'DomainSnapshot#free releases the reference (once)',
  virDomainCheckpointFree: 'DomainCheckpoint#free releases the reference (once)',
  virStoragePoolFree: 'StoragePool#free releases the reference (once)',
  virStorageVolFree: 'StorageVolume#free releases the reference (once)',
  virNetworkFree: 'Network#free releases the reference (once)',
  virNetworkPortFree: 'NetworkPort#free releases the reference (once)',
  virInterfaceFree: 'Interface#free releases the reference (once)',
  virNodeDeviceFree: 'NodeDevice#free releases the reference (once)',
  virSecretFree: 'Secret#free releases the reference (once)',
  virNWFilterFree: 'NWFilter#free releases the reference (once)',
  virNWFilterBindingFree: 'NWFilterBinding#free releases the reference (once)',
  virNetworkDHCPLeaseFree: 'getDHCPLeases frees each element itself',
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
  virNodeDeviceDettach: 'deprecated duplicate (misspelt): NodeDevice#detachFlags',
  virConnectListNetworks: 'deprecated duplicate: Connection#listAllNetworks',
  virConnectListDefinedNetworks: 'deprecated duplicate: Connection#listAllNetworks',
  virConnectListInterfaces: 'deprecated duplicate: Connection#listAllInterfaces',
  virConnectListDefinedInterfaces: 'deprecated duplicate: Connection#listAllInterfaces',
  virNodeListDevices: 'deprecated duplicate: Connection#listAllNodeDevices',
  virConnectListSecrets: 'deprecated duplicate: Connection#listAllSecrets',
  virConnectListNWFilters: 'deprecated duplicate: Connection#listAllNWFilters',
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
  'virNetworkGetName', 'virNetworkGetUUID', 'virNetworkGetUUIDString', 'virNetworkGetConnect',
  'virNetworkPortGetNetwork', 'virNetworkPortGetUUID', 'virNetworkPortGetUUIDString',
  'virInterfaceGetName', 'virInterfaceGetMACString', 'virInterfaceGetConnect',
  'virNodeDeviceGetName',
  'virSecretGetUUID', 'virSecretGetUUIDString', 'virSecretGetUsageType', 'virSecretGetUsageID', 'virSecretGetConnect',
  'virNWFilterGetName', 'virNWFilterGetUUID', 'virNWFilterGetUUIDString',
  'virNWFilterBindingGetPortDev', 'virNWFilterBindingGetFilterName',
] as const;

export type LocalRead = (typeof localReadNames)[number];
export const localReads: ReadonlySet<string> = new Set(localReadNames);

