// libvirt's snapshot list beside the internal snapshots stored in each qcow2 disk, read
// offline with the image inspector (read-only; works while a guest runs, like qemu-img -U).
// Matched by name: a snapshot only in the image is one libvirt does not know (made with
// qemu-img, or metadata lost); one only in libvirt is metadata whose image data is gone
// (or an external snapshot, which lives in other files).
import { imageSnapshots, isImageError } from '../image/index.js';
import type { Domain } from './domain.js';
import { parseDomainXml } from './xml/index.js';
import type { StorageVolume } from './storage-volume.js';
import type { SnapshotNode, SnapshotTree } from './snapshot-tree.js';

export interface ImageSnapshotEntry {
  id: string;
  name: string;
  /** Bytes of saved VM state (RAM, devices); 0 for a disk-only snapshot. */
  vmStateSize: number;
  /** Seconds since the epoch when it was taken. */
  dateSec: number;
  /** Guest clock at the snapshot, in nanoseconds. */
  vmClockNsec: bigint;
  /** Problems found validating the snapshot's L1 table; empty when sound. */
  problems: readonly string[];
}

export interface SnapshotComparison {
  name: string;
  where: 'both' | 'image-only' | 'libvirt-only';
  libvirt: SnapshotNode | null;
  image: ImageSnapshotEntry | null;
}

export interface DiskSnapshots {
  /** Target device (vda) for a domain's disk; the volume name for a volume. */
  disk: string;
  path: string;
  snapshots: SnapshotComparison[];
  /** Why the image could not be read (not qcow2, not accessible from here, damaged). */
  error?: string;
}

/**
 * Compares one image file's snapshot table with libvirt's snapshots (`nodes`). A table may hold
 * several snapshots of one name (qemu-img does not refuse them): a libvirt snapshot is matched
 * with the first, which is the one qemu finds by that name, and the others are listed as
 * image-only. Every entry of the table is in the result, in table order after libvirt's.
 * `libvirt`: the snapshots (a tree, or any list of nodes, e.g. of several domains), or null.
 */
export async function compareImageSnapshots(disk: string, path: string, libvirt: Iterable<SnapshotNode> | SnapshotTree | null): Promise<DiskSnapshots> {
  const nodes = libvirt === null ? [] : 'nodes' in libvirt ? libvirt.nodes.values() : libvirt;
  let image: ImageSnapshotEntry[];
  try {
    const table = await imageSnapshots(path, { format: 'qcow2' });
    image = table.snapshots.map((s) => ({ id: s.id, name: s.name, vmStateSize: s.vmStateSize, dateSec: s.dateSec, vmClockNsec: s.vmClockNsec, problems: s.l1Problems }));
  } catch (err) {
    if (!isImageError(err) && (err as NodeJS.ErrnoException).code === undefined) throw err;
    return { disk, path, snapshots: [], error: (err as Error).message };
  }
  const firstByName = new Map<string, ImageSnapshotEntry>();
  for (const s of image) if (!firstByName.has(s.name)) firstByName.set(s.name, s);
  const matched = new Set<ImageSnapshotEntry>();
  const out: SnapshotComparison[] = [];
  for (const node of nodes) {
    const img = firstByName.get(node.name);
    const match = img === undefined || matched.has(img) ? null : img;
    if (match) matched.add(match);
    out.push({ name: node.name, where: match ? 'both' : 'libvirt-only', libvirt: node, image: match });
  }
  for (const img of image) if (!matched.has(img)) out.push({ name: img.name, where: 'image-only', libvirt: null, image: img });
  return { disk, path, snapshots: out };
}

/** File- or block-backed qcow2 disks of a domain XML: target device and source path. */
export function qcow2Disks(domainXml: string): { target: string; path: string }[] {
  return parseDomainXml(domainXml).devices.disks
    .filter((d) => (d.device ?? 'disk') === 'disk' && d.driver?.type === 'qcow2')
    .flatMap((d) => {
      const path = d.source?.file ?? d.source?.dev;
      return path === undefined ? [] : [{ target: d.target.dev, path }];
    });
}

/** Every qcow2 disk of the domain with its internal snapshots beside libvirt's. */
export async function domainDiskSnapshots(domain: Domain): Promise<DiskSnapshots[]> {
  const [xml, tree] = await Promise.all([domain.getXml(), domain.snapshotTree()]);
  return Promise.all(qcow2Disks(xml).map((d) => compareImageSnapshots(d.target, d.path, tree.nodes.values())));
}

/** A volume's internal snapshots beside the snapshots of the domains that use it. */
export async function volumeSnapshots(volume: StorageVolume, users: readonly Domain[]): Promise<DiskSnapshots> {
  const path = await volume.getPath();
  const trees = await Promise.all(users.map(async (d) => ((qcow2Disks(await d.getXml()).some((x) => x.path === path)) ? d.snapshotTree() : null)));
  // Two domains on one volume may each have a snapshot of a name: both are listed.
  return compareImageSnapshots(volume.name, path, trees.flatMap((t) => (t ? [...t.nodes.values()] : [])));
}
