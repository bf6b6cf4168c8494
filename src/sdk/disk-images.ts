// Where a domain's qcow2 disks live: a file or block device named in the domain XML, or a
// volume of a storage pool (`<disk type='volume'>`), whose path only the pool knows. A disk
// that cannot be resolved (pool missing or inactive, volume gone) is reported with the reason,
// beside the disks that could be, instead of failing the whole domain.
import { isLibvirtError } from '../ffi/index.js';
import type { Domain } from './domain.js';
import type { Connection } from './connection.js';
import { parseDomainXml, type DiskDescription } from './xml/index.js';

/** A qcow2 disk of a domain as its XML names it: a path, or a pool and a volume. */
export type Qcow2DiskSource =
  | { readonly target: string; readonly path: string }
  | { readonly target: string; readonly pool: string; readonly volume: string };

/** A qcow2 disk with its image path, or why the path could not be found. */
export interface ResolvedDisk {
  readonly target: string;
  /** The image file or device; null when it could not be resolved (see `error`). */
  readonly path: string | null;
  readonly error?: string;
  /** The libvirt error name (VIR_ERR_NO_STORAGE_POOL, ...) when `error` came from libvirt. */
  readonly errorCode?: string;
}

/** Where a disk's image is: a path, or a pool and a volume; null for a network disk or an empty drive. */
export function imageSourceOf(d: DiskDescription): Qcow2DiskSource | null {
  const path = d.source?.file ?? d.source?.dev;
  if (path !== undefined) return { target: d.target.dev, path };
  if (d.source?.pool !== undefined && d.source.volume !== undefined) return { target: d.target.dev, pool: d.source.pool, volume: d.source.volume };
  return null; // a network disk, or an empty drive
}

/** A network disk (rbd, nbd, iscsi, ...): its image is no local file, and cannot be read from here. */
export interface NetworkDiskSource { readonly target: string; readonly protocol: string; readonly name: string | null }

/** A disk's image as a snapshot's saved definition names it: a path, a pool and a volume, or a network disk. */
export type SnapshotDiskSource = Qcow2DiskSource | NetworkDiskSource;

/** Where a disk's image was, network disks included (a snapshot taken then has no data in any local file); null for an empty drive. */
export function savedSourceOf(d: DiskDescription): SnapshotDiskSource | null {
  const source = imageSourceOf(d);
  if (source !== null || d.source?.protocol === undefined) return source;
  return { target: d.target.dev, protocol: d.source.protocol, name: d.source.name ?? null };
}

/** The qcow2 disks (device 'disk') of a domain XML, file-, block- or volume-backed. */
export function qcow2DiskSources(domainXml: string): Qcow2DiskSource[] {
  return parseDomainXml(domainXml).devices.disks
    .filter((d) => (d.device ?? 'disk') === 'disk' && d.driver?.type === 'qcow2')
    .flatMap((d) => imageSourceOf(d) ?? []);
}

async function volumePath(conn: Connection, pool: string, volume: string): Promise<string> {
  using p = await conn.lookupStoragePool(pool);
  using v = await p.lookupVolume(volume);
  return v.getPath();
}

async function resolveOne(conn: Connection, source: Qcow2DiskSource): Promise<ResolvedDisk> {
  if ('path' in source) return source;
  try {
    return { target: source.target, path: await volumePath(conn, source.pool, source.volume) };
  } catch (err) {
    if (!isLibvirtError(err)) throw err;
    return { target: source.target, path: null, error: `volume '${source.volume}' of pool '${source.pool}': ${err.message}`, errorCode: err.codeName };
  }
}

/** Every qcow2 disk of `domain` (as `domainXml` describes it) with its image path resolved. */
export function resolveQcow2Disks(domain: Domain, domainXml: string): Promise<ResolvedDisk[]> {
  return resolveDiskSources(domain, qcow2DiskSources(domainXml));
}

/** `sources` of `domain` with their image paths: a pool volume's through its pool. */
export async function resolveDiskSources(domain: Domain, sources: readonly Qcow2DiskSource[]): Promise<ResolvedDisk[]> {
  if (sources.every((s) => 'path' in s)) return sources as ResolvedDisk[];
  // A connection object of its own (getConnect lends one): closed here, the domain's stays open.
  const conn = domain.getConnect();
  try {
    return await Promise.all(sources.map((s) => resolveOne(conn, s)));
  } finally {
    await conn.close();
  }
}
