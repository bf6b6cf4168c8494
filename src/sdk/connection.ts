// A connection to a hypervisor. Everything that may talk to a daemon returns a Promise and
// runs on the call threads. Closing releases this object's reference; domains, pools and
// volumes obtained from it hold references of their own and stay usable until freed.
import type * as G from '../../generated/index.js';
import { LibvirtObject } from './libvirt-object.js';
import { defaultUri } from './default-uri.js';
import { sharedPool } from './engine/call-pool.js';
import { coveredBy, installMethods, invoke } from './surface.js';
import type { TypedParameter } from '../ffi/index.js';
import { xmlOf } from './definition.js';
import { buildDomainXml, buildPoolXml, type DomainDescription, type StoragePoolDescription } from './xml/index.js';
import { registerClass, wrapHandle } from './wrap.js';
import type { GeneratedMethods } from './surface-types.js';
import type { Domain } from './domain.js';
import type { StoragePool } from './storage-pool.js';
import type { StorageVolume } from './storage-volume.js';

export interface OpenOptions {
  /** virConnectOpenReadOnly: no changes allowed through this connection. */
  readOnly?: boolean;
}

export { defaultUri };

type Own = 'virConnectOpen' | 'virConnectOpenReadOnly' | 'virConnectOpenAuth';
export interface Connection extends GeneratedMethods<G.virConnectPtr, 'virConnect', Own> {}

export class Connection extends LibvirtObject {
  private constructor(ptr: bigint) {
    super(ptr, 'connection', 'virConnectClose');
  }

  /** @internal */
  static fromHandle(ptr: bigint): Connection {
    return new Connection(ptr);
  }

  static async open(uri: string = defaultUri(), options: OpenOptions = {}): Promise<Connection> {
    const fn = options.readOnly ? 'virConnectOpenReadOnly' : 'virConnectOpen';
    return Connection.fromHandle((await sharedPool().call(fn, [uri])) as bigint);
  }

  /** Releases this reference (virConnectClose); resolves to the references libvirt still holds. */
  async close(): Promise<number> {
    const ptr = this.releaseReference();
    if (ptr === null) return 0;
    return (await sharedPool().call('virConnectClose', [ptr])) as number;
  }

  override async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** All domains, filtered by VIR_CONNECT_LIST_DOMAINS_* flags. */
  listAllDomains(flags = 0): Promise<Domain[]> {
    return invoke('virConnectListAllDomains', [this, flags]) as Promise<Domain[]>;
  }

  /** A domain by name, UUID string or numeric ID. */
  lookupDomain(key: string | number): Promise<Domain> {
    if (typeof key === 'number') return invoke('virDomainLookupByID', [this, key]) as Promise<Domain>;
    const fn = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(key) ? 'virDomainLookupByUUIDString' : 'virDomainLookupByName';
    return invoke(fn, [this, key]) as Promise<Domain>;
  }

  /** Defines a persistent domain from its XML or a typed description (checked before the call). */
  defineDomain(definition: string | DomainDescription, flags = 0): Promise<Domain> {
    return invoke('virDomainDefineXMLFlags', [this, xmlOf(definition, buildDomainXml), flags]) as Promise<Domain>;
  }

  /** Starts a transient domain from its XML or a typed description. */
  createDomain(definition: string | DomainDescription, flags = 0): Promise<Domain> {
    return invoke('virDomainCreateXML', [this, xmlOf(definition, buildDomainXml), flags]) as Promise<Domain>;
  }

  /** All storage pools, filtered by VIR_CONNECT_LIST_STORAGE_POOLS_* flags. */
  listAllStoragePools(flags = 0): Promise<StoragePool[]> {
    return invoke('virConnectListAllStoragePools', [this, flags]) as Promise<StoragePool[]>;
  }

  lookupStoragePool(name: string): Promise<StoragePool> {
    return invoke('virStoragePoolLookupByName', [this, name]) as Promise<StoragePool>;
  }

  /** Defines a persistent pool from its XML or a typed description (not started: see StoragePool#create). */
  defineStoragePool(definition: string | StoragePoolDescription, flags = 0): Promise<StoragePool> {
    return invoke('virStoragePoolDefineXML', [this, xmlOf(definition, buildPoolXml), flags]) as Promise<StoragePool>;
  }

  /** Creates and starts a transient pool from its XML or a typed description. */
  createStoragePool(definition: string | StoragePoolDescription, flags = 0): Promise<StoragePool> {
    return invoke('virStoragePoolCreateXML', [this, xmlOf(definition, buildPoolXml), flags]) as Promise<StoragePool>;
  }

  /** Statistics (VIR_DOMAIN_STATS_* groups) of the given domains, as typed parameters per domain. */
  getDomainStats(domains: readonly Domain[], stats = 0, flags = 0): Promise<{ dom: Domain | null; params: Record<string, TypedParameter['value']> }[]> {
    return invoke('virDomainListGetStats', [domains, stats, flags]) as Promise<{ dom: Domain | null; params: Record<string, TypedParameter['value']> }[]>;
  }

  /** A volume by its key or its path on the host. */
  lookupStorageVolume(by: { key: string } | { path: string }): Promise<StorageVolume> {
    return ('key' in by
      ? invoke('virStorageVolLookupByKey', [this, by.key])
      : invoke('virStorageVolLookupByPath', [this, by.path])) as Promise<StorageVolume>;
  }
}

registerClass('Connection', (ptr) => Connection.fromHandle(ptr));
installMethods(Connection, 'Connection');
for (const fn of ['virConnectOpen', 'virConnectOpenReadOnly']) coveredBy(fn, 'Connection', 'open');
coveredBy('virDomainListGetStats', 'Connection', 'getDomainStats');
