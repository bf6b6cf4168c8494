// What console.log (util.inspect) and JSON.stringify show of an SDK object: which object it is,
// by its name and UUID (a connection by its URI), read from the handle by calls that never leave
// the process, so showing an object needs no await and no daemon. Nothing is read from a
// released handle (see LibvirtObject).
import * as generated from '../../generated/index.js';

type Read = (handle: bigint) => string;
const functions = generated as unknown as Record<string, Read>;

/**
 * Per kind (the one each class gives LibvirtObject), the fields shown and the C function that
 * reads each. A kind without an entry shows no fields (a stream has no name). Objects that have
 * neither a name nor a UUID show what libvirt looks them up by (a binding's port device).
 */
export const identityReads: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  connection: { uri: 'virConnectGetURI' },
  domain: { name: 'virDomainGetName', uuid: 'virDomainGetUUIDString' },
  'domain snapshot': { name: 'virDomainSnapshotGetName' },
  'domain checkpoint': { name: 'virDomainCheckpointGetName' },
  'storage pool': { name: 'virStoragePoolGetName', uuid: 'virStoragePoolGetUUIDString' },
  'storage volume': { name: 'virStorageVolGetName' },
  network: { name: 'virNetworkGetName', uuid: 'virNetworkGetUUIDString' },
  'network port': { uuid: 'virNetworkPortGetUUIDString' },
  interface: { name: 'virInterfaceGetName' },
  'node device': { name: 'virNodeDeviceGetName' },
  secret: { uuid: 'virSecretGetUUIDString' },
  'network filter': { name: 'virNWFilterGetName', uuid: 'virNWFilterGetUUIDString' },
  'network filter binding': { portDev: 'virNWFilterBindingGetPortDev' },
};

/**
 * Reads above that method-names.ts does not list as local reads (their methods return a
 * Promise, as every method that is not one does), each with why it is local all the same.
 */
export const localOnlyHere: Readonly<Record<string, string>> = {
  virConnectGetURI: 'formats the URI the connection keeps (conn->uri, set at open) in the client library: no driver call',
};

/** The identity fields of an object of `kind` whose handle, still held, is `handle`. */
export function identityOf(kind: string, handle: bigint): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [field, fn] of Object.entries(identityReads[kind] ?? {})) fields[field] = (functions[fn] as Read)(handle);
  return fields;
}

/** What a released object shows instead: a connection is closed, other objects freed. */
export function releasedWord(kind: string): string {
  return kind === 'connection' ? 'closed' : 'freed';
}
