// Harness for tests against a real libvirtd with the QEMU driver (qemu:///system), brought up by
// scripts/setup-libvirtd.sh. Everything a test creates lives in a ScratchPool: a transient `dir`
// pool over a fresh temp dir, its volumes and TCG guests, all named `tsvirt-test-<pid>-...`.
// Every name is recorded before the object is created, so cleanup() - idempotent, run from
// mocha's after hooks, from withScratchPool's finally, and as a last resort at process exit -
// removes whatever exists of it even when a test failed half-way. sweepLeftovers() removes what
// crashed runs (processes that are gone) left behind.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as v from '../../generated/index.js';
import { isLibvirtError } from '../../src/ffi/index.js';

export const DAEMON_URI = 'qemu:///system';
export const TEST_PREFIX = 'tsvirt-test-';
export const SETUP_HINT = 'run `scripts/setup-libvirtd.sh` (as root, or with sudo) to install and start libvirtd with the QEMU driver';

/** Opens the daemon; a failure becomes an error that says how to get a daemon. */
export function openDaemon(uri: string = DAEMON_URI): v.virConnectPtr {
  try {
    return v.virConnectOpen(uri);
  } catch (e) {
    const why = isLibvirtError(e) ? `${e.codeName}: ${e.message}` : String(e);
    throw new Error(`libvirtd is not reachable at ${uri} (${why}); ${SETUP_HINT}`, { cause: e });
  }
}

let counter = 0;
/** `tsvirt-test-<pid>-<kind>-<n>-<random>`: unique across concurrent runs; the pid marks the owner. */
export function uniqueName(kind: string): string {
  counter += 1;
  return `${TEST_PREFIX}${process.pid}-${kind}-${counter}-${randomBytes(3).toString('hex')}`;
}

/** The pid in a `tsvirt-test-<pid>-...` name, or null for names without one. */
function ownerPid(name: string): number | null {
  const m = /^tsvirt-test-(\d+)-/.exec(name);
  return m?.[1] === undefined ? null : Number(m[1]);
}

function ownerAlive(name: string): boolean {
  const pid = ownerPid(name);
  if (pid === null) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isCode(e: unknown, ...codes: string[]): boolean {
  return isLibvirtError(e) && codes.includes(e.codeName);
}

/** Runs `fn`, treating "no such object" as done; other failures are collected into `errors`. */
function attempt(errors: unknown[], what: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (isCode(e, 'VIR_ERR_NO_DOMAIN', 'VIR_ERR_NO_STORAGE_POOL', 'VIR_ERR_NO_STORAGE_VOL')) return;
    errors.push(new Error(`cleanup: ${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
  }
}

const UNDEFINE_ALL =
  v.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | v.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA | v.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE;

/** Destroys (if running) and undefines (with snapshot metadata) the named domain, if it exists. */
function removeDomain(conn: v.virConnectPtr, name: string, errors: unknown[]): void {
  attempt(errors, `domain ${name}`, () => {
    const dom = v.virDomainLookupByName(conn, name);
    try {
      if (v.virDomainIsActive(dom) === 1) {
        try {
          v.virDomainDestroy(dom);
        } catch (e) {
          if (!isCode(e, 'VIR_ERR_OPERATION_INVALID')) throw e; // stopped meanwhile
        }
      }
      v.virDomainUndefineFlags(dom, UNDEFINE_ALL);
    } finally {
      v.virDomainFree(dom);
    }
  });
}

/** Deletes the named volumes (all of them when `volumes` is null), then destroys/undefines the pool. */
function removePool(conn: v.virConnectPtr, name: string, volumes: readonly string[] | null, errors: unknown[]): void {
  attempt(errors, `pool ${name}`, () => {
    const pool = v.virStoragePoolLookupByName(conn, name);
    try {
      if (v.virStoragePoolIsActive(pool) === 1) {
        if (volumes === null) {
          for (const vol of v.virStoragePoolListAllVolumes(pool, 0)) {
            attempt(errors, `volume in ${name}`, () => v.virStorageVolDelete(vol, 0));
            v.virStorageVolFree(vol);
          }
        } else {
          for (const volName of volumes) {
            attempt(errors, `volume ${volName} in ${name}`, () => {
              const vol = v.virStorageVolLookupByName(pool, volName);
              try {
                v.virStorageVolDelete(vol, 0);
              } finally {
                v.virStorageVolFree(vol);
              }
            });
          }
        }
      }
      const persistent = v.virStoragePoolIsPersistent(pool) === 1;
      if (v.virStoragePoolIsActive(pool) === 1) v.virStoragePoolDestroy(pool);
      if (persistent) v.virStoragePoolUndefine(pool);
    } finally {
      v.virStoragePoolFree(pool);
    }
  });
}

function removeDir(dir: string, errors: unknown[]): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    errors.push(new Error(`cleanup: temp dir ${dir}: ${String(e)}`, { cause: e }));
  }
}

/**
 * Which test objects to list: `all` with the test prefix, or `mine`, those of this process
 * (`tsvirt-test-<this pid>-`): other runs may share the daemon at the same time.
 */
export type Scope = 'all' | 'mine';

function prefixFor(scope: Scope): string {
  return scope === 'mine' ? `${TEST_PREFIX}${process.pid}-` : TEST_PREFIX;
}

/** Names of the domains and pools on the daemon that carry the test prefix. */
export function listTestObjects(conn: v.virConnectPtr, scope: Scope = 'all'): { domains: string[]; pools: string[] } {
  const prefix = prefixFor(scope);
  const domains: string[] = [];
  for (const dom of v.virConnectListAllDomains(conn, 0)) {
    const name = v.virDomainGetName(dom);
    if (name.startsWith(prefix)) domains.push(name);
    v.virDomainFree(dom);
  }
  const pools: string[] = [];
  for (const pool of v.virConnectListAllStoragePools(conn, 0)) {
    const name = v.virStoragePoolGetName(pool);
    if (name.startsWith(prefix)) pools.push(name);
    v.virStoragePoolFree(pool);
  }
  return { domains, pools };
}

/** Temp dirs with the test prefix. */
export function listTestDirs(scope: Scope = 'all'): string[] {
  const prefix = prefixFor(scope);
  return readdirSync(tmpdir())
    .filter((n) => n.startsWith(prefix))
    .map((n) => join(tmpdir(), n));
}

export interface SweepReport {
  domains: string[];
  pools: string[];
  dirs: string[];
}

/**
 * Removes what earlier runs left behind: domains, pools (with their volumes) and temp dirs named
 * `tsvirt-test-*` whose owning process is gone. Objects of live processes (a concurrent run, this
 * one) are left alone. Throws an AggregateError if something could not be removed.
 */
export function sweepLeftovers(conn: v.virConnectPtr): SweepReport {
  const errors: unknown[] = [];
  const found = listTestObjects(conn);
  const report: SweepReport = {
    domains: found.domains.filter((n) => !ownerAlive(n)),
    pools: found.pools.filter((n) => !ownerAlive(n)),
    dirs: listTestDirs().filter((d) => !ownerAlive(basename(d))),
  };
  for (const name of report.domains) removeDomain(conn, name, errors);
  for (const name of report.pools) removePool(conn, name, null, errors);
  for (const dir of report.dirs) removeDir(dir, errors);
  if (errors.length) throw new AggregateError(errors, `sweepLeftovers: ${errors.length} object(s) could not be removed`);
  return report;
}

export type VolumeFormat = 'qcow2' | 'raw';

export interface VolumeSpec {
  /** Default: a unique name with the format as extension. */
  name?: string;
  /** Default 64. */
  capacityMiB?: number;
  /** Default qcow2. */
  format?: VolumeFormat;
  /** Nothing allocated (a sparse file); default: libvirt's default, allocated up to the capacity. */
  empty?: boolean;
}

export interface ScratchVolume {
  /** Owned by the ScratchPool: do not free. */
  vol: v.virStorageVolPtr;
  name: string;
  path: string;
  format: VolumeFormat;
  capacity: bigint;
}

export interface GuestSpec {
  /** The guest's only disk, attached as virtio `vda`. */
  disk: ScratchVolume;
  name?: string;
  /** Default 64. */
  memoryMiB?: number;
  /**
   * A serial console (pty) that SeaBIOS writes its boot messages to (`<bios useserial>`), for
   * tests of virDomainOpenConsole. Default false.
   */
  serialConsole?: boolean;
  /** Attach the disk as `<disk type='volume'>` (pool and volume name) instead of by its path. Default false. */
  asVolume?: boolean;
}

export interface ScratchGuest {
  /** Owned by the ScratchPool: do not free. */
  dom: v.virDomainPtr;
  name: string;
}

function volumeXml(name: string, capacityBytes: bigint, format: VolumeFormat, empty = false): string {
  return `<volume><name>${name}</name><capacity unit='bytes'>${capacityBytes}</capacity>${empty ? '<allocation>0</allocation>' : ''}` +
    `<target><format type='${format}'/></target></volume>`;
}

/** A disk's <source>, and the <disk> type that goes with it: a file path, or a pool's volume. */
export type DiskSource = string | { pool: string; volume: string };

function diskElement(source: DiskSource, format: VolumeFormat): string {
  const [type, src] = typeof source === 'string' ? ['file', `<source file='${source}'/>`] : ['volume', `<source pool='${source.pool}' volume='${source.volume}'/>`];
  return `<disk type='${type}' device='disk'>
      <driver name='qemu' type='${format}'/>
      ${src}
      <target dev='vda' bus='virtio'/>
    </disk>`;
}

/** A TCG guest without OS or network: SeaBIOS finds nothing to boot and idles. */
export function guestXml(name: string, disk: DiskSource, diskFormat: VolumeFormat, memoryMiB = 64, serialConsole = false): string {
  const bios = serialConsole ? "<bios useserial='yes' rebootTimeout='1000'/>" : '';
  const serial = serialConsole ? "\n    <serial type='pty'><target port='0'/></serial>\n    <console type='pty'><target type='serial' port='0'/></console>" : '';
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>${memoryMiB}</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/>${bios}</os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    ${diskElement(disk, diskFormat)}
    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>${serial}
    <memballoon model='none'/>
  </devices>
</domain>`;
}

/** Scratch pools not yet cleaned up; cleaned synchronously if the process exits first. */
const live = new Set<ScratchPool>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const scratch of [...live]) {
      try {
        scratch.cleanup();
      } catch {
        // The next run's sweep gets it.
      }
    }
  });
}

/**
 * A transient `dir` pool over a fresh temp dir, on its own connection to the daemon, plus the
 * volumes and guests made through it. cleanup() removes all of it and closes the connection.
 */
export class ScratchPool {
  readonly conn: v.virConnectPtr;
  readonly name: string;
  readonly dir: string;
  /** Owned by the ScratchPool: do not free. */
  readonly pool: v.virStoragePoolPtr;
  private readonly domainNames: string[] = [];
  private readonly volumeNames: string[] = [];
  private readonly handles: Array<() => void> = [];
  private cleaned = false;

  constructor(uri: string = DAEMON_URI) {
    this.conn = openDaemon(uri);
    this.name = uniqueName('pool');
    this.dir = join(tmpdir(), this.name);
    // cleanup() knows the pool and the dir before either exists.
    live.add(this);
    installExitHook();
    try {
      mkdirSync(this.dir, { mode: 0o700 });
      this.pool = v.virStoragePoolCreateXML(
        this.conn,
        `<pool type='dir'><name>${this.name}</name><target><path>${this.dir}</path></target></pool>`,
        0,
      );
    } catch (e) {
      try {
        this.cleanup();
      } catch {
        // Report the creation failure; the next sweep removes anything left.
      }
      throw e;
    }
    this.handles.push(() => v.virStoragePoolFree(this.pool));
  }

  get cleanedUp(): boolean {
    return this.cleaned;
  }

  private track(vol: v.virStorageVolPtr, name: string, format: VolumeFormat): ScratchVolume {
    this.handles.push(() => v.virStorageVolFree(vol));
    return { vol, name, format, path: v.virStorageVolGetPath(vol), capacity: v.virStorageVolGetInfo(vol).capacity };
  }

  createVolume(spec: VolumeSpec = {}): ScratchVolume {
    const format = spec.format ?? 'qcow2';
    const name = spec.name ?? `${uniqueName('vol')}.${format}`;
    this.volumeNames.push(name);
    const capacity = BigInt(spec.capacityMiB ?? 64) * 1048576n;
    const vol = v.virStorageVolCreateXML(this.pool, volumeXml(name, capacity, format, spec.empty), 0);
    return this.track(vol, name, format);
  }

  /** virStorageVolCreateXMLFrom: a copy of `source` (converted to `format`) in this pool. */
  cloneVolume(source: ScratchVolume, spec: Omit<VolumeSpec, 'capacityMiB'> = {}): ScratchVolume {
    const format = spec.format ?? source.format;
    const name = spec.name ?? `${uniqueName('clone')}.${format}`;
    this.volumeNames.push(name);
    const vol = v.virStorageVolCreateXMLFrom(this.pool, volumeXml(name, source.capacity, format), source.vol, 0);
    return this.track(vol, name, format);
  }

  /** Defines (does not start) a TCG guest on `spec.disk`. */
  defineGuest(spec: GuestSpec): ScratchGuest {
    const name = spec.name ?? uniqueName('guest');
    this.domainNames.push(name);
    const source = spec.asVolume ? { pool: this.name, volume: spec.disk.name } : spec.disk.path;
    const dom = v.virDomainDefineXML(this.conn, guestXml(name, source, spec.disk.format, spec.memoryMiB, spec.serialConsole));
    this.handles.push(() => v.virDomainFree(dom));
    return { dom, name };
  }

  /** Records a name a guest will take (by a rename), so that cleanup() removes it under that name too. */
  recordGuestName(name: string): void {
    this.domainNames.push(name);
  }

  /**
   * Removes every guest (destroy + undefine with snapshot metadata), volume, the pool and the temp
   * dir, then closes the connection. Idempotent. Tries every step; throws an AggregateError
   * afterwards if any failed.
   */
  cleanup(): void {
    if (this.cleaned) return;
    const errors: unknown[] = [];
    for (const name of this.domainNames) removeDomain(this.conn, name, errors);
    removePool(this.conn, this.name, this.volumeNames, errors);
    removeDir(this.dir, errors);
    for (const free of this.handles.splice(0).reverse()) {
      try {
        free();
      } catch (e) {
        errors.push(e);
      }
    }
    try {
      v.virConnectClose(this.conn);
    } catch (e) {
      errors.push(e);
    }
    this.cleaned = true;
    live.delete(this);
    if (errors.length) throw new AggregateError(errors, `ScratchPool ${this.name}: ${errors.length} cleanup step(s) failed`);
  }
}

/** Runs `fn` with a fresh ScratchPool and always cleans it up; a failure of `fn` wins over one of cleanup. */
export async function withScratchPool<T>(fn: (scratch: ScratchPool) => T | Promise<T>, uri: string = DAEMON_URI): Promise<T> {
  const scratch = new ScratchPool(uri);
  let failed = false;
  try {
    return await fn(scratch);
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    try {
      scratch.cleanup();
    } catch (e) {
      if (!failed) throw e; // eslint-disable-line no-unsafe-finally
    }
  }
}
