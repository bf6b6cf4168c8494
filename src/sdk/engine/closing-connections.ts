// Keeps the closing of a connection off the main thread.
//
// Why: every object holds a reference to its connection. When the SDK has closed a connection
// while objects still held it (close() resolved to a positive number), freeing the last of those
// objects drops the connection's last reference, and libvirt closes it there and then: for a
// remote driver that is a round trip to the daemon, inside virDomainFree. On the main thread
// that blocked the whole process for as long as the daemon did not answer (a stopped daemon:
// forever).
//
// A connection is "lingering" from the moment the SDK closes the last Connection object that
// holds it until a virConnectClose of it is known to have dropped the last reference (returned
// 0). Several Connection objects may hold one connection (getConnect() lends one of its own,
// with its own reference): while one of them is open, no release can drop the last reference.
// Releasing an object of a lingering connection takes a reference to the connection first, so
// the object's release stays local and runs at once, and drops that reference on a call thread,
// where closing the connection may happen; its answer tells when the connection is gone. While
// none lingers, which is the common case, a release asks nothing.
import { rawFunction } from '../../ffi/index.js';
import { sharedPool } from './call-pool.js';

/** Open Connection objects per connection. */
const holders = new Map<bigint, number>();
/**
 * Lingering connections, each with a token of the close that made it linger: an answer of a
 * close from before (a late one, for an address libvirt has since reused) leaves it as it is.
 */
const lingering = new Map<bigint, object>();
/**
 * Per connection, the last close sent to a call thread, settled or not: the closes of one
 * connection run one after another, so each answer counts the references the earlier ones
 * dropped.
 */
const lastClose = new Map<bigint, Promise<void>>();

/** The function that tells an object's connection, by the function that releases the object. */
const connectionOf: Readonly<Record<string, string>> = {
  virDomainFree: 'virDomainGetConnect',
  virDomainSnapshotFree: 'virDomainSnapshotGetConnect',
  virDomainCheckpointFree: 'virDomainCheckpointGetConnect',
  virStoragePoolFree: 'virStoragePoolGetConnect',
  virStorageVolFree: 'virStorageVolGetConnect',
  virNetworkFree: 'virNetworkGetConnect',
  virInterfaceFree: 'virInterfaceGetConnect',
  virSecretFree: 'virSecretGetConnect',
};

/**
 * A new Connection object holds `conn` (opened, or lent by getConnect()): while it is open, the
 * connection's objects cannot drop its last reference. An address libvirt reuses is a new
 * connection.
 */
export function connectionHeld(conn: bigint): void {
  holders.set(conn, (holders.get(conn) ?? 0) + 1);
  lingering.delete(conn);
}

/**
 * A Connection object that holds `conn` is being closed (before its virConnectClose). True when
 * it was the last one: then its close, or a later release of an object, may close the connection.
 */
export function closingConnection(conn: bigint): boolean {
  const left = (holders.get(conn) ?? 1) - 1;
  if (left > 0) {
    holders.set(conn, left);
    return false;
  }
  holders.delete(conn);
  lingering.set(conn, {});
  return true;
}

/** virConnectClose on a call thread: its answer, 0 once no reference is left. */
const closeOnCallThread = (conn: bigint): Promise<number> => sharedPool().call('virConnectClose', [conn]) as Promise<number>;

/**
 * Drops one reference of `conn` through `close` (virConnectClose on a call thread), after the
 * closes of `conn` sent before; resolves to what it answered. A 0 ends the connection's
 * lingering.
 */
export function closeConnection(conn: bigint, close: (conn: bigint) => Promise<number> = closeOnCallThread): Promise<number> {
  const token = lingering.get(conn);
  const before = lastClose.get(conn);
  const run = (): Promise<number> => close(conn);
  const closed = (before ? before.then(run) : run()).then((remaining) => {
    if (remaining === 0 && token !== undefined && lingering.get(conn) === token) lingering.delete(conn);
    return remaining;
  });
  const settled = closed.then(() => undefined, () => undefined);
  lastClose.set(conn, settled);
  void settled.then(() => {
    if (lastClose.get(conn) === settled) lastClose.delete(conn);
  });
  return closed;
}

/**
 * Drops the reference of a Connection object (close(), or the safety net for a dropped one).
 * When it is the last Connection object of `conn`, its close may drop the last reference: not
 * while calls still pass the handle (those of lent Connections included).
 */
export async function releaseConnection(conn: bigint): Promise<number> {
  if (closingConnection(conn)) await new Promise<void>((resolve) => sharedPool().pins.whenUnpinned(conn, resolve));
  return closeConnection(conn);
}

/** Settles once the closes of `conn` sent so far have answered. */
export async function closesAnswered(conn: bigint): Promise<void> {
  await lastClose.get(conn);
}

/**
 * Where releasing `ptr` with `freeFn` must be careful: the lingering connection whose last
 * reference it may drop; undefined when the release cannot close a connection. `known`: the
 * object's connection where the SDK keeps it (streams). 'unknown', while any lingers, for a
 * kind of object with neither (network ports, node devices, nwfilters and their bindings: such
 * a release then goes to a call thread whole).
 */
export function lingeringConnectionOf(freeFn: string, ptr: bigint, known?: bigint): bigint | 'unknown' | undefined {
  if (lingering.size === 0) return undefined;
  let conn = known;
  if (conn === undefined) {
    const getConnect = connectionOf[freeFn];
    if (getConnect === undefined) return 'unknown';
    conn = rawFunction(getConnect)(ptr) as bigint;
  }
  return lingering.has(conn) ? conn : undefined;
}

/** Whether `conn` lingers (for tests). */
export function isLingering(conn: bigint): boolean {
  return lingering.has(conn);
}
