// A domain (a guest). Name and UUID are read locally; everything else returns a Promise.
import type * as G from '../../generated/index.js';
import * as v from '../../generated/index.js';
import { LibvirtObject, withOwnReference } from './libvirt-object.js';
import { sharedPool } from './engine/call-pool.js';
import { UUID_BYTES, formatUuid, type IdentityGetters } from './engine/identity-columns.js';
import { toError } from './engine/call-pool.js';
import { infoLayout } from './engine/info-columns.js';
import { coveredBy, installMethods, invoke } from './surface.js';
import { registerClass } from './wrap.js';
import { domainState, domainStateReason } from './enum-names.js';
import { snapshotTree, type SnapshotTree } from './snapshot-tree.js';
import type { GeneratedMethods } from './surface-types.js';
import type { DomainInfo, DomainStateInfo } from './types.js';
import type { DomainSnapshot } from './domain-snapshot.js';
import { isLibvirtError, type TypedParameter } from '../ffi/index.js';
import { paramsToObject } from './typed-params.js';
import { buildSnapshotXml, parseDomainXml, type DomainDescription, type DomainSnapshotDescription, type OptionalLists } from './xml/index.js';
import { invokeWithXml } from './definition.js';
import { domainDiskSnapshots, type DiskSnapshots } from './snapshot-introspection.js';
import { domainConsole, domainScreenshot, type ConsoleOptions, type Screenshot } from './domain-streams.js';
import type { DomainConsole } from './domain-console.js';
import { checkOptions, optionKeys } from './option-keys.js';
import { diskErrors, emulatorPinInfo, vcpuPinInfo, vcpus, type DiskErrors, type EmulatorPinInfo, type MemoryStats, type VcpuPinInfo, type Vcpus } from './domain-sized.js';

type Own = 'virDomainGetInfo' | 'virDomainGetState' | 'virDomainCreate' | 'virDomainUndefine' | 'virDomainGetCPUStats'
  | 'virDomainScreenshot' | 'virDomainOpenConsole' | 'virDomainRename'
  | 'virDomainMemoryStats' | 'virDomainGetDiskErrors' | 'virDomainGetVcpus' | 'virDomainGetVcpuPinInfo' | 'virDomainGetEmulatorPinInfo';
export interface Domain extends GeneratedMethods<G.virDomainPtr, 'virDomain', Own> {}

/** The most CPUs libvirt's remote driver answers for in one virDomainGetCPUStats (REMOTE_DOMAIN_GET_CPU_STATS_NCPUS_MAX). */
const CPU_STATS_PER_CALL = 128;

const IDENTITY: IdentityGetters = { name: 'virDomainGetName', uuid: 'virDomainGetUUID' };
const CONSOLE_OPTIONS = optionKeys<ConsoleOptions>({ force: true, safe: true });
/** Renames started through the SDK, in this thread (see Domain's name). */
let renames = 0;
/**
 * Handles with a rename in flight through the SDK, with the name read before the first of them
 * began: on a call thread the remote driver frees the handle's name and writes the new one, so
 * the main thread reads neither the name nor anything else of it until the rename is over.
 */
const renaming = new Map<bigint, { readonly name: string; count: number }>();

// The raw struct (see invoke's `then`): named here, as the bulk listing's columns are.
const toInfo = (raw: G.virDomainInfo): DomainInfo => ({
  state: domainState(raw.state), maxMemoryKiB: raw.maxMem, memoryKiB: raw.memory, vcpus: raw.nrVirtCpu, cpuTimeNs: raw.cpuTime,
});

export class Domain extends LibvirtObject {
  private constructor(ptr: bigint) {
    super(ptr, 'domain', 'virDomainFree');
  }

  /** @internal */
  static fromHandle(ptr: bigint): Domain {
    return new Domain(ptr);
  }

  // Name and UUID are copies the handle holds, so they are read once. A UUID never changes. The
  // name in a handle changes only when a rename goes through that handle (the remote driver then
  // writes the new name into it), and two objects may share a handle (a snapshot's domain is its
  // domain's own handle), so a kept name is trusted only while no rename has gone through the
  // SDK since it was read: `renames` counts them (in this thread). A rename through another handle
  // or program leaves this handle's copy as it was, kept or not.
  #name: string | undefined;
  #nameAt = -1;
  #uuid: string | undefined;

  get name(): string {
    const handle = this.handle as G.virDomainPtr; // throws once released, kept or not
    const pending = renaming.get(handle as bigint);
    if (pending) return pending.name;
    if (this.#nameAt !== renames) {
      this.#name = v.virDomainGetName(handle);
      this.#nameAt = renames;
    }
    return this.#name as string;
  }

  get uuid(): string {
    const handle = this.handle as G.virDomainPtr;
    this.#uuid ??= formatUuid(v.virDomainGetUUID(handle));
    return this.#uuid;
  }

  /** Renames the domain (virDomainRename); `name` gives the new name afterwards. */
  async rename(newName: string, flags = 0): Promise<void> {
    const handle = this.handle as bigint;
    // Read here, before the call thread may change it: no other rename of this handle is running.
    const pending = renaming.get(handle) ?? { name: this.name, count: 0 };
    pending.count++;
    renaming.set(handle, pending);
    try {
      await invoke('virDomainRename', [this, newName, flags]);
    } finally {
      // Every kept name is read again, also that of an object sharing this handle.
      renames++;
      if (--pending.count === 0) renaming.delete(handle);
    }
  }

  /** console.log's and JSON's name and UUID come from the getters, which a pending rename does not reach. */
  protected override identity(): Record<string, string> {
    return { name: this.name, uuid: this.uuid };
  }

  /**
   * Starts reading the names and UUIDs of many domain handles on the call threads, split over
   * them (large listings; see engine/identity-columns.ts). The function returned hands them to
   * the objects made from those handles, in the same order, so that the getters need no call;
   * objects released meanwhile are skipped.
   * @internal
   */
  static readIdentities(handles: bigint[]): (domains: readonly Domain[]) => Promise<void> {
    const readAt = renames; // names read across a rename are read again when asked
    const reading = sharedPool().identityColumns(handles, IDENTITY);
    reading.catch(() => undefined); // handled by the function below, possibly a moment later
    return async (domains) => {
      let at = 0;
      for (const { names, uuids } of await reading) {
        for (let i = 0; i < names.length; i++, at++) {
          const d = domains[at] as Domain;
          if (d.released) continue;
          if (d.#nameAt === -1) {
            d.#name = names[i];
            d.#nameAt = readAt;
          }
          d.#uuid ??= formatUuid(uuids, i * UUID_BYTES);
        }
      }
    };
  }

  getInfo(): Promise<DomainInfo> {
    return invoke('virDomainGetInfo', [this], toInfo as (raw: unknown) => DomainInfo) as Promise<DomainInfo>;
  }

  /** Info of many domains: a few messages, split over the call threads (bulk listings). */
  static async getInfoOf(domains: readonly Domain[]): Promise<DomainInfo[]> {
    const parts = await sharedPool().infoColumns(domains.map((d) => d.handle));
    const out: DomainInfo[] = [];
    for (const c of parts) {
      for (let i = 0; i < c.count; i++) {
        const err = c.errors[i];
        if (err) throw toError(err);
        out.push(toInfo(infoLayout.unpack(c.columns, i) as unknown as G.virDomainInfo));
      }
    }
    return out;
  }

  async getState(flags = 0): Promise<DomainStateInfo> {
    const raw = (await invoke('virDomainGetState', [this, flags])) as { state: number; reason: number };
    return { state: domainState(raw.state), reason: domainStateReason(raw.state, raw.reason) };
  }

  /** Starts a defined domain (virDomainCreate / virDomainCreateWithFlags). */
  start(flags = 0): Promise<void> {
    const started = flags === 0 ? invoke('virDomainCreate', [this]) : invoke('virDomainCreateWithFlags', [this, flags]);
    return (started as Promise<unknown>).then(() => undefined);
  }

  /**
   * CPU statistics as one object per CPU from `startCpu` (cpu_time, user_time, ... in ns), or,
   * with the default startCpu -1, the domain's totals as a single object. CPUs past the host's
   * last are left out: `ncpus` is how many at most. More than 128 CPUs are asked in parts (the
   * remote driver answers for at most 128 per call), read at about the same moment, not atomically.
   */
  async getCPUStats(startCpu = -1, ncpus = 1, flags = 0): Promise<Record<string, TypedParameter['value']>[]> {
    const query = async (nparams: number, start: number, n: number): Promise<{ result: number; params: TypedParameter[] }> =>
      (await invoke('virDomainGetCPUStats', [this, nparams, start, n, flags])) as { result: number; params: TypedParameter[] };
    // Only the CPUs there are are asked for (ncpus 0 counts them). The generated layer already
    // drops the zeroed slots of missing CPUs, but it allocates slots for every CPU asked (UINT_MAX
    // of them would be hundreds of GB).
    let per = ncpus;
    if (startCpu >= 0 && ncpus > 0) {
      const cpus = (await query(0, 0, 0)).result;
      if (startCpu < cpus) per = Math.min(ncpus, cpus - startCpu);
    }
    // How many statistics there are per CPU (params NULL, ncpus 1, as documented).
    const count = (await query(0, startCpu, 1)).result;
    // params holds the populated entries only: `result` of them per CPU, in CPU order.
    const objects = async (start: number, n: number): Promise<Record<string, TypedParameter['value']>[]> => {
      const { params, result } = await query(count, start, n);
      return Array.from({ length: n }, (_, i) => paramsToObject(params.slice(i * result, (i + 1) * result)));
    };
    if (startCpu < 0 || per <= CPU_STATS_PER_CALL) return objects(startCpu, per);
    // The remote driver refuses more than 128 CPUs in one call: larger hosts are asked in parts,
    // as libvirt's documentation advises and libvirt-python does.
    const parts: Promise<Record<string, TypedParameter['value']>[]>[] = [];
    for (let done = 0; done < per; done += CPU_STATS_PER_CALL) parts.push(objects(startCpu + done, Math.min(CPU_STATS_PER_CALL, per - done)));
    return (await Promise.all(parts)).flat();
  }

  /** Memory statistics; `nrStats` defaults to every tag libvirt 9.0 defines (VIR_DOMAIN_MEMORY_STAT_NR). */
  memoryStats(nrStats: number = v.VIR_DOMAIN_MEMORY_STAT_NR, flags = 0): Promise<MemoryStats> {
    return invoke('virDomainMemoryStats', [this, nrStats, flags]) as Promise<MemoryStats>;
  }

  /** Disks in error; without `maxErrors`, all of them (libvirt is asked how many first). */
  getDiskErrors(maxErrors?: number, flags = 0): Promise<DiskErrors> {
    return diskErrors(this, maxErrors, flags);
  }

  /** Each vCPU's state, CPU time and host CPU; the sizes default to the domain's vCPUs and the host's CPU map. */
  getVcpus(maxInfo?: number, mapLen?: number): Promise<Vcpus> {
    return vcpus(this, maxInfo, mapLen);
  }

  /** Each vCPU's pinning (VIR_DOMAIN_AFFECT_* flags); the sizes default to the most vCPUs and the host's CPU map. */
  getVcpuPinInfo(nCpuMaps?: number, mapLen?: number, flags = 0): Promise<VcpuPinInfo> {
    return vcpuPinInfo(this, nCpuMaps, mapLen, flags);
  }

  /** The emulator threads' pinning; `mapLen` defaults to the host's CPU map. */
  getEmulatorPinInfo(mapLen?: number, flags = 0): Promise<EmulatorPinInfo> {
    return emulatorPinInfo(this, mapLen, flags);
  }

  /** Removes the definition (virDomainUndefineFlags; VIR_DOMAIN_UNDEFINE_* flags). */
  undefine(flags = 0): Promise<void> {
    return (invoke('virDomainUndefineFlags', [this, flags]) as Promise<unknown>).then(() => undefined);
  }

  getXml(flags = 0): Promise<string> {
    return invoke('virDomainGetXMLDesc', [this, flags]) as Promise<string>;
  }

  /** The domain XML as a typed description. */
  async getDescription(flags = 0): Promise<DomainDescription> {
    return parseDomainXml(await this.getXml(flags));
  }

  /**
   * Takes a snapshot from its XML (<domainsnapshot>) or a typed description;
   * VIR_DOMAIN_SNAPSHOT_CREATE_* flags (DISK_ONLY, LIVE, ...). A running domain's snapshot
   * includes memory unless the description or flags say otherwise; a shut-off one is offline.
   */
  createSnapshot(definition: string | OptionalLists<DomainSnapshotDescription>, flags = 0): Promise<DomainSnapshot> {
    return invokeWithXml('virDomainSnapshotCreateXML', definition, buildSnapshotXml, (xml) => [this, xml, flags]);
  }

  /** Each qcow2 disk's internal snapshots (read offline from the image) beside libvirt's list. */
  diskSnapshots(): Promise<DiskSnapshots[]> {
    return domainDiskSnapshots(this);
  }

  /** All snapshots; VIR_DOMAIN_SNAPSHOT_LIST_* flags. */
  listAllSnapshots(flags = 0): Promise<DomainSnapshot[]> {
    return invoke('virDomainListAllSnapshots', [this, flags]) as Promise<DomainSnapshot[]>;
  }

  lookupSnapshot(name: string): Promise<DomainSnapshot> {
    return invoke('virDomainSnapshotLookupByName', [this, name, 0]) as Promise<DomainSnapshot>;
  }

  /** The current snapshot, or null when the domain has none. */
  async currentSnapshot(): Promise<DomainSnapshot | null> {
    if (((await invoke('virDomainHasCurrentSnapshot', [this, 0])) as number) !== 1) return null;
    try {
      return (await invoke('virDomainSnapshotCurrent', [this, 0])) as DomainSnapshot;
    } catch (err) {
      // Deleted between the two calls: libvirt's "no current snapshot" (the calls are not atomic).
      if (isLibvirtError(err) && err.code === v.VIR_ERR_NO_DOMAIN_SNAPSHOT) return null;
      throw err;
    }
  }

  /** Every snapshot with its parent, children and descendants, in one call. */
  snapshotTree(): Promise<SnapshotTree> {
    return snapshotTree(this);
  }

  /** A screenshot of `screen` (virDomainScreenshot): its MIME type, and its bytes as a Readable. */
  screenshot(screen = 0): Promise<Screenshot> {
    return this.#own((dom) => domainScreenshot(dom, screen));
  }

  /**
   * The guest's console `devname` (default: the first console or serial port) as a Duplex
   * (virDomainOpenConsole on a non-blocking stream, polled). end() closes it, destroy() aborts it.
   */
  openConsole(devname: string | null = null, options: ConsoleOptions = {}): Promise<DomainConsole> {
    try {
      checkOptions('openConsole', options, CONSOLE_OPTIONS);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#own((dom) => domainConsole(dom, devname, options));
  }

  /** The stream methods make several calls: they run on a reference of their own (see withOwnReference). */
  #own<R>(body: (dom: Domain) => Promise<R>): Promise<R> {
    return withOwnReference(this, 'virDomainRef', (ptr) => Domain.fromHandle(ptr), body);
  }
}

registerClass('Domain', Domain, (ptr) => Domain.fromHandle(ptr));
installMethods(Domain, 'Domain');
coveredBy('virDomainCreate', 'Domain', 'start');
coveredBy('virDomainUndefine', 'Domain', 'undefine');
