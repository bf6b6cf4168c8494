// Which releases may close a connection, so that they stay off the main thread.
//
// Why: every object holds a reference to its connection. When the SDK has closed a connection
// while objects still held it (close() resolved to more than 0), freeing the last of those
// objects drops the connection's last reference, and libvirt closes it there and then: for a
// remote driver that is a round trip to the daemon, inside virDomainFree. On the main thread
// that blocked the whole process for as long as the daemon did not answer (a stopped daemon:
// forever). Such releases run on a call thread instead.
//
// A connection is "lingering" from the moment the SDK starts closing it until its close is known
// to have dropped the last reference (virConnectClose returned 0). While none lingers, which is
// the common case, a release asks nothing and runs at once on the calling thread.
import { rawFunction } from '../../ffi/index.js';

const lingering = new Set<bigint>();

/** The function that tells an object's connection, by the function that releases the object. */
const connectionOf: Readonly<Record<string, string>> = {
  virDomainFree: 'virDomainGetConnect',
  virDomainSnapshotFree: 'virDomainSnapshotGetConnect',
  virDomainCheckpointFree: 'virDomainCheckpointGetConnect',
  virStoragePoolFree: 'virStoragePoolGetConnect',
  virStorageVolFree: 'virStorageVolGetConnect',
};

/** The SDK starts closing connection `conn` (before virConnectClose runs). */
export function closingConnection(conn: bigint): void {
  lingering.add(conn);
}

/** virConnectClose of `conn` returned `remaining` references: 0 means nothing holds it now. */
export function connectionClosed(conn: bigint, remaining: number): void {
  if (remaining === 0) lingering.delete(conn);
}

/**
 * The SDK holds connection `conn` (opened or wrapped): an address libvirt reuses is a new
 * connection, and while this one is open its objects cannot drop its last reference.
 */
export function connectionHeld(conn: bigint): void {
  lingering.delete(conn);
}

/**
 * Whether releasing `ptr` with `freeFn` may drop the last reference of a connection the SDK has
 * closed. Objects with no way to ask for their connection (streams) may, while any lingers.
 */
export function mayCloseConnection(freeFn: string, ptr: bigint): boolean {
  if (lingering.size === 0) return false;
  const getConnect = connectionOf[freeFn];
  return getConnect === undefined || lingering.has(rawFunction(getConnect)(ptr) as bigint);
}
