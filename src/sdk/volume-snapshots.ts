// A storage volume's internal snapshots beside the snapshots of the domains that use it: the
// volume may be a disk's image, or lie below an overlay an external snapshot made, so each
// user's disks are followed down their chains to find it (by device and inode).
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { isLibvirtError } from '../ffi/index.js';
import type { Domain } from './domain.js';
import { resolveQcow2Disks } from './disk-images.js';
import type { StorageVolume } from './storage-volume.js';
import type { SnapshotNode } from './snapshot-tree.js';
import { compareDisk, diskMode, notLocal, type DiskSnapshots, type LibvirtEntry } from './snapshot-introspection.js';
import { fileId, type ImageSnapshotEntry } from './chain-read.js';
import { readChainOffThread } from './chain-thread.js';

/** The file at `path` as device:inode, or its resolved path when it cannot be stat'ed. */
async function fileKey(path: string): Promise<string> {
  try {
    return fileId(await stat(path));
  } catch {
    return resolve(path);
  }
}

/**
 * `path`'s chain as far as it can be read, on another thread: each image's key (see fileKey)
 * top first, and the snapshots in them.
 */
async function chainOf(path: string): Promise<{ keys: string[]; entries: ImageSnapshotEntry[] }> {
  const read = await readChainOffThread(path);
  return read.ok ? { keys: read.chain.fileIds, entries: read.chain.entries } : { keys: [await fileKey(path)], entries: [] };
}

interface VolumeUse {
  /** The target of the disk whose chain holds the volume. */
  target: string;
  /** Names of the internal snapshots in the images above the volume (overlays made after it). */
  above: ReadonlySet<string>;
}

/** The disk of `domain` whose chain holds `path` (the disk's image or one below it), or null. */
async function diskUsing(domain: Domain, path: string): Promise<VolumeUse | null> {
  const disks = await resolveQcow2Disks(domain, await domain.getXml());
  // By device and inode: a chain may reach the volume through a symlink, or a name with '..'.
  const target = await fileKey(path);
  for (const d of disks) {
    if (d.path === null || !isAbsolute(d.path)) continue;
    const chain = await chainOf(d.path);
    const layer = chain.keys.indexOf(target);
    if (layer >= 0) return { target: d.target, above: new Set(chain.entries.filter((e) => e.layer < layer).map((e) => e.name)) };
  }
  return null;
}

/** The snapshots of `domain` to compare with the volume at `path`: none when no disk of it uses the volume. */
async function userEntries(domain: Domain, path: string): Promise<LibvirtEntry[]> {
  const use = await diskUsing(domain, path);
  if (use === null) return [];
  const names = [use.target, resolve(path)];
  const inOverlay = (node: SnapshotNode): boolean => {
    const mode = diskMode(node, names)?.snapshot;
    return mode !== 'external' && mode !== 'no' && mode !== 'manual' && use.above.has(node.name);
  };
  return [...(await domain.snapshotTree()).nodes.values()].filter((node) => !inOverlay(node)).map((node) => ({ node, diskNames: names }));
}

/**
 * A volume's internal snapshots (and those of its backing files) beside the snapshots of the
 * domains that use it: as their disk image, or below an overlay an external snapshot made. A
 * domain's snapshot whose data is in an image above the volume (an internal snapshot taken in
 * the overlay) is not the volume's, and is left out. A domain that no longer exists when it is
 * read (VIR_ERR_NO_DOMAIN) is passed over.
 */
export async function volumeSnapshots(volume: StorageVolume, users: readonly Domain[]): Promise<DiskSnapshots> {
  const path = await volume.getPath();
  if (!isAbsolute(path)) return notLocal(volume.name, path);
  const entries = await Promise.all(users.map(async (d) => {
    try {
      return await userEntries(d, path);
    } catch (err) {
      // A domain listed a moment ago may be gone (a transient guest that stopped): it uses nothing.
      if (isLibvirtError(err) && err.codeName === 'VIR_ERR_NO_DOMAIN') return [];
      throw err;
    }
  }));
  // Two domains on one volume may each have a snapshot of a name: both are listed.
  return compareDisk(volume.name, path, entries.flat());
}
