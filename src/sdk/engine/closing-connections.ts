// Which releases may close a connection, so that they stay off the main thread.
//
// Why: every object holds a reference to its connection. When the SDK has closed a connection
// while objects still held it (close() resolved to more than 0), freeing the last of those
// objects drops the connection's last reference, and libvirt closes it there and then: for a
// remote driver that is a round trip to the daemon, inside virDomainFree. On the main thread
// that blocked the whole process for as long as the daemon did not answer (a stopped daemon:
// forever). Such releases run on a call thread instead.
//
// A connection is "lingering" from the moment the SDK closes the last Connection object that
// holds it until its close is known to have dropped the last reference (virConnectClose returned
// 0). Several Connection objects may hold one connection (getConnect() lends one of its own, with
// its own reference): while one of them is open, no release can drop the last reference. While
// none lingers, which is the common case, a release asks nothing and runs at once on the calling
// thread.
import { rawFunction } from '../../ffi/index.js';

/** Open Connection objects per connection. */
const holders = new Map<bigint, number>();
const lingering = new Set<bigint>();
/** Releases sent to a call thread that have not run yet: a close waits for them. */
const offMain = new Set<Promise<unknown>>();

/** The function that tells an object's connection, by the function that releases the object. */
const connectionOf: Readonly<Record<string, string>> = {
  virDomainFree: 'virDomainGetConnect',
  virDomainSnapshotFree: 'virDomainSnapshotGetConnect',
  virDomainCheckpointFree: 'virDomainCheckpointGetConnect',
  virStoragePoolFree: 'virStoragePoolGetConnect',
  virStorageVolFree: 'virStorageVolGetConnect',
};

/** The SDK starts closing a Connection object that holds `conn` (before virConnectClose runs). */
export function closingConnection(conn: bigint): void {
  const left = (holders.get(conn) ?? 1) - 1;
  if (left > 0) {
    holders.set(conn, left);
    return;
  }
  holders.delete(conn);
  lingering.add(conn);
}

/** virConnectClose of `conn` returned `remaining` references: 0 means nothing holds it now. */
export function connectionClosed(conn: bigint, remaining: number): void {
  if (remaining === 0) lingering.delete(conn);
}

/**
 * A new Connection object holds `conn` (opened, or lent by getConnect()): while it is open, the
 * connection's objects cannot drop its last reference. An address libvirt reuses is a new
 * connection.
 */
export function connectionHeld(conn: bigint): void {
  holders.set(conn, (holders.get(conn) ?? 0) + 1);
  lingering.delete(conn);
}

/** A release that mayCloseConnection() sent to a call thread, until it has run. */
export function releasingOffMain(release: Promise<unknown>): void {
  const settled = release.then(() => undefined, () => undefined);
  offMain.add(settled);
  void settled.then(() => offMain.delete(settled));
}

/**
 * Settles once the releases sent to call threads so far have run, so that a close that follows
 * them counts the references they dropped.
 */
export async function releasesOffMainRun(): Promise<void> {
  if (offMain.size > 0) await Promise.all([...offMain]);
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
