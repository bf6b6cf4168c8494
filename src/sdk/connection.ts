// A connection to a hypervisor. Everything that may talk to a daemon returns a Promise and
// runs on the call threads. Closing releases this object's reference; domains, pools and
// volumes obtained from it hold references of their own and stay usable until freed.
import type * as G from '../../generated/index.js';
import { LibvirtObject } from './libvirt-object.js';
import { defaultUri } from './default-uri.js';
import { sharedPool } from './engine/call-pool.js';
import { connectionHeld, releaseConnection } from './engine/closing-connections.js';
import { coveredBy, installMethods, invoke } from './surface.js';
import { checkArguments, describeValue, isLibvirtError, tsvirtError, VIR_ERR_INVALID_ARG, VIR_ERR_NO_SUPPORT, type TypedParameter } from '../ffi/index.js';
import { invokeWithXml } from './definition.js';
import { checkOptions, optionKeys } from './option-keys.js';
import {
  buildDomainXml,
  buildInterfaceXml,
  buildNetworkXml,
  buildNodeDeviceXml,
  buildNWFilterBindingXml,
  buildNWFilterXml,
  buildPoolXml,
  buildSecretXml,
  type DomainDescription,
  type HostInterfaceDescription,
  type NetworkDescription,
  type NodeDeviceDescription,
  type NWFilterBindingDescription,
  type NWFilterDescription,
  type SecretDescription,
  type StoragePoolDescription,
  type OptionalLists,
} from './xml/index.js';
import { registerClass, resultWrapper, wrapHandle } from './wrap.js';
import type { GeneratedMethods } from './surface-types.js';
import { Domain } from './domain.js';
import type { StoragePool } from './storage-pool.js';
import type { StorageVolume } from './storage-volume.js';
import type { Network } from './network.js';
import type { Interface } from './host-interface.js';
import type { Secret } from './secret.js';
import type { NodeDevice } from './node-device.js';
import type { NWFilter, NWFilterBinding } from './nwfilter.js';
import type { LibvirtEventName } from './events/event-types.js';
import { ensureEventLoop, requireEventLoop } from './events/event-loop.js';
import { ConnectionEvents, type EventName, type Listener } from './events/connection-events.js';
import { EventStream, type EventStreamOptions } from './events/event-stream.js';
import { checkAuthOptions, openWithAuth, type AuthOptions } from './events/auth.js';

/**
 * Listings of at least this many domains read names and UUIDs ahead (Domain.readIdentities)
 * when the call threads are idle. Below it, reading them on the main thread when asked (about
 * 1 us a domain) costs less than the extra round trip to the call threads.
 */
const IDENTITIES_AHEAD = 512;

export interface OpenOptions {
  /** virConnectOpenReadOnly: no changes allowed through this connection. */
  readOnly?: boolean;
  /** Credentials for drivers that ask for them (virConnectOpenAuth). */
  auth?: AuthOptions;
  /**
   * Keepalive (virConnectSetKeepAlive): a ping every `interval` seconds; after `count` pings
   * without an answer the connection is closed, its calls reject and 'close' is emitted.
   * libvirt's default for remote connections is interval 5, count 5.
   */
  keepAlive?: { interval: number; count: number };
}

export { defaultUri };

const OPEN_OPTIONS = optionKeys<OpenOptions>({ readOnly: true, auth: true, keepAlive: true });
const KEEPALIVE_OPTIONS = optionKeys<NonNullable<OpenOptions['keepAlive']>>({ interval: true, count: true });

type Own = 'virConnectOpen' | 'virConnectOpenReadOnly' | 'virConnectOpenAuth';
export interface Connection extends GeneratedMethods<G.virConnectPtr, 'virConnect', Own> {}

export class Connection extends LibvirtObject {
  private constructor(ptr: bigint) {
    super(ptr, 'connection', 'virConnectClose');
    connectionHeld(ptr);
  }

  /** @internal */
  static fromHandle(ptr: bigint): Connection {
    return new Connection(ptr);
  }

  /**
   * Opens a connection. The first open registers libvirt's event loop and starts running it
   * (see events/event-loop.ts; TSVIRT_EVENT_LOOP=none opts out).
   */
  static async open(uri: string = defaultUri(), options: OpenOptions = {}): Promise<Connection> {
    checkArguments('virConnectOpen', [uri]); // a string without NUL: C would read a number as an address
    checkOptions('Connection.open', options, OPEN_OPTIONS);
    if (options.keepAlive !== undefined) {
      checkOptions('Connection.open keepAlive', options.keepAlive, KEEPALIVE_OPTIONS);
      // The values too, before anything opens: a bad one would cost an open and a close first.
      checkArguments('virConnectSetKeepAlive', [0n, options.keepAlive.interval, options.keepAlive.count]);
    }
    checkAuthOptions(options.auth);
    ensureEventLoop();
    let ptr: bigint;
    if (options.auth) ptr = await openWithAuth(uri, options.auth, options.readOnly ?? false);
    else ptr = (await sharedPool().call(options.readOnly ? 'virConnectOpenReadOnly' : 'virConnectOpen', [uri])) as bigint;
    const conn = Connection.fromHandle(ptr);
    if (options.keepAlive) {
      try {
        await conn.setKeepAlive(options.keepAlive.interval, options.keepAlive.count);
      } catch (err) {
        await conn.close();
        throw err;
      }
    }
    return conn;
  }

  #events: ConnectionEvents | undefined;

  get #emitter(): ConnectionEvents {
    this.#events ??= new ConnectionEvents(() => this.#closing ?? this.handle);
    return this.#events;
  }

  /**
   * Listens to an event: 'domain:lifecycle', 'pool:lifecycle', 'close', ... (ConnectionEventMap).
   * The first listener of a name registers it with libvirt, the last one removed deregisters
   * it; while any is registered the process stays alive. Await eventsReady() to know that
   * libvirt delivers it.
   */
  on<K extends EventName>(name: K, listener: Listener<K>): this;
  on(name: 'error', listener: (err: Error) => void): this;
  on(name: string, listener: (arg: never) => void): this {
    return this.#listen(name, listener, false);
  }

  once<K extends EventName>(name: K, listener: Listener<K>): this;
  once(name: 'error', listener: (err: Error) => void): this;
  once(name: string, listener: (arg: never) => void): this {
    return this.#listen(name, listener, true);
  }

  /** A known event name on an open connection, or a clear error; then the listener is added. */
  #listen(name: string, listener: (arg: never) => void, once: boolean): this {
    void this.handle; // throws once closed
    this.#emitter.check(name);
    const fn = listener as (...args: unknown[]) => void;
    if (once) this.#emitter.emitter.once(name, fn);
    else this.#emitter.emitter.on(name, fn);
    return this;
  }

  /** Removes a listener; removing one that is not there does nothing. */
  off<K extends EventName>(name: K, listener: Listener<K>): this;
  off(name: 'error', listener: (err: Error) => void): this;
  off(name: string, listener: (arg: never) => void): this {
    const fn = listener as (...args: unknown[]) => void;
    this.#events?.emitter.off(name, fn);
    return this;
  }

  addListener<K extends EventName>(name: K, listener: Listener<K>): this {
    return this.on(name, listener);
  }

  removeListener<K extends EventName>(name: K, listener: Listener<K>): this {
    return this.off(name, listener);
  }

  listenerCount(name: EventName | 'error'): number {
    return this.#events?.emitter.listenerCount(name) ?? 0;
  }

  /**
   * Resolves once every registration the listeners asked for is in place (with `names`: those
   * events' registrations only); rejects with a failure (with `names`: only with theirs).
   * On a closed connection it rejects: nothing will be delivered, whatever registrations settled.
   */
  async eventsReady(names?: readonly LibvirtEventName[]): Promise<void> {
    void this.handle; // throws once closed
    await this.#events?.ready(names);
  }

  /**
   * Events as an async iterator (`for await`), filtered by type and domain, ended by an
   * AbortSignal, or by close(): the events queued before are read, then the loop ends.
   *
   * Registering with libvirt takes a call (on a call thread): an event that happens before
   * the iterator's `ready` resolves never reaches it, and a `next()` waiting for that event waits
   * for ever. Await `ready` before the action whose events are wanted:
   * `const it = conn.events({ types: ['domain:lifecycle'] }); await it.ready; await dom.suspend(); await it.next();`
   * `ready` rejects with the registration's failure (the iterator then ends with it).
   */
  events(options: EventStreamOptions = {}): EventStream {
    // Checked here: with a signal aborted already the stream adds no listener, which would have.
    void this.handle; // throws once closed
    return new EventStream(this, options, {
      watchLost: (w) => this.#emitter.watchLost(w),
      watchClose: (w) => this.#emitter.watchClose(w),
      readyOf: (names) => this.#emitter.readyOf(names),
      received: (err) => this.#emitter.received(err),
    });
  }

  /** The handle while close() deregisters events: the object no longer takes calls by then. */
  #closing: bigint | undefined;

  /**
   * Releases this reference (virConnectClose); resolves to a positive number while libvirt still
   * holds references to the connection (its objects, a lent Connection; libvirt does not say how
   * many, 9.0 answers 1), 0 once none is left.
   * The connection takes no calls from the moment close() is called. Event registrations are
   * dropped first, so a closed connection keeps nothing alive, and calls already on their way
   * keep the connection until they settle.
   */
  close(): Promise<number> {
    // A second close() answers what the first one does, once it has.
    this.#closed ??= this.#close();
    return this.#closed;
  }

  #closed: Promise<number> | undefined;

  async #close(): Promise<number> {
    const ptr = this.releaseReference();
    if (ptr === null) return 0;
    this.#closing = ptr;
    this.#keepAliveOff();
    await this.#events?.detach();
    // After the calls that still pass the handle, and the earlier closes of this connection.
    return releaseConnection(ptr);
  }

  /**
   * close() without waiting (also what `using` runs): event registrations are dropped too. A
   * failure to close cannot be reported here; await close() to see it.
   */
  override free(): void {
    void this.close().catch(() => undefined);
  }

  override async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Releases this connection's keepalive requirement on the event loop, while it has one. */
  #keepAlive: (() => void) | undefined;

  /**
   * virConnectSetKeepAlive: a ping every `interval` seconds (0 or less turns it off); after
   * `count` unanswered pings the connection closes. Resolves to 0, or 1 when there is nothing
   * to keep alive: the daemon does not answer pings, or the driver runs in this process
   * (`test:///`, whose libvirt reports VIR_ERR_NO_SUPPORT). The timer runs in the event loop,
   * which stays running for it.
   */
  async setKeepAlive(interval: number, count: number): Promise<number> {
    let result: number;
    try {
      result = (await invoke('virConnectSetKeepAlive', [this, interval, count])) as number;
    } catch (err) {
      if (isLibvirtError(err) && err.code === VIR_ERR_NO_SUPPORT && !this.released) return 1;
      throw err;
    }
    // A close() that began while the call ran has released the loop already: taking it again
    // would keep the loop from pausing until the Connection is collected.
    if (interval > 0 && result === 0 && !this.released) this.#keepAlive ??= requireEventLoop(this);
    else if (interval <= 0) this.#keepAliveOff();
    return result;
  }

  #keepAliveOff(): void {
    this.#keepAlive?.();
    this.#keepAlive = undefined;
  }

  /**
   * All domains, filtered by VIR_CONNECT_LIST_DOMAINS_* flags. From IDENTITIES_AHEAD domains
   * on, their names and UUIDs are read ahead, split over the call threads.
   */
  async listAllDomains(flags = 0): Promise<Domain[]> {
    const pool = sharedPool();
    const args = [this.handle, flags];
    // Checked here, as the generic methods check theirs: a bad flags value is an INVALID_ARG
    // naming it, not whatever the call thread makes of it.
    checkArguments('virConnectListAllDomains', args);
    const handles = (await pool.call('virConnectListAllDomains', args)) as bigint[];
    // The threads read names and UUIDs while the objects are made here; not while they have other
    // calls to run, which the listing would wait for.
    const fill = handles.length >= IDENTITIES_AHEAD && pool.outstanding.count === 0 ? Domain.readIdentities(handles) : undefined;
    const domains = resultWrapper('virConnectListAllDomains')(handles) as Domain[];
    // Reading ahead only saves time: if it fails, the getters read when asked (and report it).
    await fill?.(domains).catch(() => undefined);
    return domains;
  }

  /**
   * A domain by name, UUID string or numeric ID. A UUID-shaped key no domain has as its UUID is
   * tried as a name, as virsh does (a name may look like a UUID); if neither matches, the error
   * is the UUID lookup's.
   */
  lookupDomain(key: string | number): Promise<Domain> {
    if (typeof key === 'number') return invoke('virDomainLookupByID', [this, key]) as Promise<Domain>;
    if (typeof key !== 'string') {
      return Promise.reject(tsvirtError(VIR_ERR_INVALID_ARG, 'lookupDomain', `lookupDomain: the key must be a name, a UUID string or a numeric ID, got ${typeof key}`));
    }
    const byName = (): Promise<Domain> => invoke('virDomainLookupByName', [this, key]) as Promise<Domain>;
    if (!/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(key)) return byName();
    return (invoke('virDomainLookupByUUIDString', [this, key]) as Promise<Domain>).catch((uuidError: unknown) => {
      if (!isLibvirtError(uuidError) || uuidError.codeName !== 'VIR_ERR_NO_DOMAIN') throw uuidError;
      return byName().catch((nameError: unknown) => {
        throw isLibvirtError(nameError) && nameError.codeName === 'VIR_ERR_NO_DOMAIN' ? uuidError : nameError;
      });
    });
  }

  /** Defines a persistent domain from its XML or a typed description (checked before the call). */
  defineDomain(definition: string | OptionalLists<DomainDescription>, flags = 0): Promise<Domain> {
    return invokeWithXml('virDomainDefineXMLFlags', definition, buildDomainXml, (xml) => [this, xml, flags]);
  }

  /** Starts a transient domain from its XML or a typed description. */
  createDomain(definition: string | OptionalLists<DomainDescription>, flags = 0): Promise<Domain> {
    return invokeWithXml('virDomainCreateXML', definition, buildDomainXml, (xml) => [this, xml, flags]);
  }

  /** All storage pools, filtered by VIR_CONNECT_LIST_STORAGE_POOLS_* flags. */
  listAllStoragePools(flags = 0): Promise<StoragePool[]> {
    return invoke('virConnectListAllStoragePools', [this, flags]) as Promise<StoragePool[]>;
  }

  lookupStoragePool(name: string): Promise<StoragePool> {
    return invoke('virStoragePoolLookupByName', [this, name]) as Promise<StoragePool>;
  }

  /** Defines a persistent pool from its XML or a typed description (not started: see StoragePool#create). */
  defineStoragePool(definition: string | OptionalLists<StoragePoolDescription>, flags = 0): Promise<StoragePool> {
    return invokeWithXml('virStoragePoolDefineXML', definition, buildPoolXml, (xml) => [this, xml, flags]);
  }

  /** Creates and starts a transient pool from its XML or a typed description. */
  createStoragePool(definition: string | OptionalLists<StoragePoolDescription>, flags = 0): Promise<StoragePool> {
    return invokeWithXml('virStoragePoolCreateXML', definition, buildPoolXml, (xml) => [this, xml, flags]);
  }

  /**
   * Defines a persistent network from its XML or a typed description (not started: see
   * Network#create); VIR_NETWORK_DEFINE_VALIDATE. Without flags it calls virNetworkDefineXML,
   * which every libvirt has: the Flags variant came in 7.7.
   */
  defineNetwork(definition: string | OptionalLists<NetworkDescription>, flags = 0): Promise<Network> {
    if (flags === 0) return invokeWithXml('virNetworkDefineXML', definition, buildNetworkXml, (xml) => [this, xml]);
    return invokeWithXml('virNetworkDefineXMLFlags', definition, buildNetworkXml, (xml) => [this, xml, flags]);
  }

  /**
   * Creates and starts a transient network from its XML or a typed description;
   * VIR_NETWORK_CREATE_VALIDATE. Without flags, virNetworkCreateXML (the Flags variant came in 7.8).
   */
  createNetwork(definition: string | OptionalLists<NetworkDescription>, flags = 0): Promise<Network> {
    if (flags === 0) return invokeWithXml('virNetworkCreateXML', definition, buildNetworkXml, (xml) => [this, xml]);
    return invokeWithXml('virNetworkCreateXMLFlags', definition, buildNetworkXml, (xml) => [this, xml, flags]);
  }

  /**
   * Defines (or redefines) a host interface from its XML or a typed description, not started:
   * see Interface#create. VIR_INTERFACE_DEFINE_VALIDATE checks the XML against libvirt's schema.
   */
  defineInterface(definition: string | OptionalLists<HostInterfaceDescription>, flags = 0): Promise<Interface> {
    return invokeWithXml('virInterfaceDefineXML', definition, buildInterfaceXml, (xml) => [this, xml, flags]);
  }

  /**
   * Defines a secret (or changes the one with the same UUID) from its XML or a typed description;
   * its value is set separately (Secret#setValue). VIR_SECRET_DEFINE_VALIDATE checks the schema.
   */
  defineSecret(definition: string | SecretDescription, flags = 0): Promise<Secret> {
    return invokeWithXml('virSecretDefineXML', definition, buildSecretXml, (xml) => [this, xml, flags]);
  }

  /**
   * Creates a transient host device from its XML or a typed description: a vHBA (a scsi_host
   * with an fcHost under a parent that has vportOps) or a mediated device;
   * VIR_NODE_DEVICE_CREATE_XML_VALIDATE (8.10). libvirt names the device.
   */
  createNodeDevice(definition: string | OptionalLists<NodeDeviceDescription>, flags = 0): Promise<NodeDevice> {
    return invokeWithXml('virNodeDeviceCreateXML', definition, buildNodeDeviceXml, (xml) => [this, xml, flags]);
  }

  /**
   * Defines a persistent host device (a mediated device) from its XML or a typed description,
   * not started: see NodeDevice#create; VIR_NODE_DEVICE_DEFINE_XML_VALIDATE (8.10).
   * virNodeDeviceDefineXML came in libvirt 7.3: on an older one this rejects with
   * VIR_ERR_NO_SUPPORT naming the version, as every function newer than the loaded libvirt does.
   */
  defineNodeDevice(definition: string | OptionalLists<NodeDeviceDescription>, flags = 0): Promise<NodeDevice> {
    return invokeWithXml('virNodeDeviceDefineXML', definition, buildNodeDeviceXml, (xml) => [this, xml, flags]);
  }

  /**
   * Defines a network filter, or replaces the one of that name, from its XML or a typed
   * description; VIR_NWFILTER_DEFINE_VALIDATE. Without flags it calls virNWFilterDefineXML, which
   * every libvirt has: the Flags variant came in 7.7.
   */
  defineNWFilter(definition: string | OptionalLists<NWFilterDescription>, flags = 0): Promise<NWFilter> {
    if (flags === 0) return invokeWithXml('virNWFilterDefineXML', definition, buildNWFilterXml, (xml) => [this, xml]);
    return invokeWithXml('virNWFilterDefineXMLFlags', definition, buildNWFilterXml, (xml) => [this, xml, flags]);
  }

  /** Applies a filter to a guest interface's port device, from its XML or a typed description; VIR_NWFILTER_BINDING_CREATE_VALIDATE. */
  createNWFilterBinding(definition: string | NWFilterBindingDescription, flags = 0): Promise<NWFilterBinding> {
    return invokeWithXml('virNWFilterBindingCreateXML', definition, buildNWFilterBindingXml, (xml) => [this, xml, flags]);
  }

  /** Statistics (VIR_DOMAIN_STATS_* groups) of the given domains, as typed parameters per domain. */
  async getDomainStats(domains: readonly Domain[], stats = 0, flags = 0): Promise<{ dom: Domain | null; params: Record<string, TypedParameter['value']> }[]> {
    // virDomainListGetStats takes no connection (the domains keep theirs alive): nothing else refuses it once closed.
    void this.handle; // throws once closed
    return invoke('virDomainListGetStats', [domains, stats, flags]) as Promise<{ dom: Domain | null; params: Record<string, TypedParameter['value']> }[]>;
  }

  /** A volume by its key or its path on the host. */
  lookupStorageVolume(by: { key: string } | { path: string }): Promise<StorageVolume> {
    if (typeof by === 'object' && by !== null && 'key' in by) return invoke('virStorageVolLookupByKey', [this, by.key]) as Promise<StorageVolume>;
    if (typeof by === 'object' && by !== null && 'path' in by) return invoke('virStorageVolLookupByPath', [this, by.path]) as Promise<StorageVolume>;
    return Promise.reject(tsvirtError(VIR_ERR_INVALID_ARG, 'lookupStorageVolume', `lookupStorageVolume: expected { key } or { path }, got ${describeValue(by)}`));
  }
}

registerClass('Connection', Connection, (ptr) => Connection.fromHandle(ptr));
installMethods(Connection, 'Connection');
for (const fn of ['virConnectOpen', 'virConnectOpenReadOnly']) coveredBy(fn, 'Connection', 'open');
coveredBy('virDomainListGetStats', 'Connection', 'getDomainStats');
