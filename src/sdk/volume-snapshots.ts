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
import { imagesAtSnapshots, type ImageThen } from './snapshot-images.js';
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
  /** The keys (see fileKey) of that disk's chain, top first. */
  keys: readonly string[];
  /** Names of the internal snapshots in the images above the volume (overlays made after it). */
  above: ReadonlySet<string>;
}

/** The disk of `domain` whose chain holds the file of `key` (the disk's image or one below it), or null. */
async function diskUsing(domain: Domain, key: string): Promise<VolumeUse | null> {
  const disks = await resolveQcow2Disks(domain, await domain.getXml());
  // By device and inode: a chain may reach the volume through a symlink, or a name with '..'.
  for (const d of disks) {
    if (d.path === null || !isAbsolute(d.path)) continue;
    const chain = await chainOf(d.path);
    const layer = chain.keys.indexOf(key);
    if (layer >= 0) return { target: d.target, keys: chain.keys, above: new Set(chain.entries.filter((e) => e.layer < layer).map((e) => e.name)) };
  }
  return null;
}

/** The key of the file a disk had at a snapshot; undefined when it is not known, or not a local file. */
async function keyThen(then: ImageThen | undefined, keys: Map<string, Promise<string>>): Promise<string | undefined> {
  if (then?.path == null || !isAbsolute(then.path)) return undefined;
  let key = keys.get(then.path);
  if (key === undefined) keys.set(then.path, key = fileKey(then.path));
  return key;
}

/** The volume being compared, and what is known of one domain's use of it. */
interface VolumeContext {
  /** The volume's path, resolved. */
  path: string;
  volumeKey: string;
  use: VolumeUse | null;
  /** Keys of the files snapshots name, looked up once each. */
  keys: Map<string, Promise<string>>;
}

/**
 * The target by which `node` used the volume, or null when it did not: a snapshot of a disk
 * that uses the volume today, unless the disk was another file then (its saved definition says
 * so) or its data is in an overlay above the volume; of a disk that does not, if the disk was
 * the volume then.
 */
async function targetOf(node: SnapshotNode, then: ReadonlyMap<string, ImageThen> | undefined, volume: VolumeContext): Promise<string | null> {
  const { use, volumeKey, keys } = volume;
  if (use === null) {
    for (const [target, image] of then ?? []) if ((await keyThen(image, keys)) === volumeKey) return target;
    return null;
  }
  const key = await keyThen(then?.get(use.target), keys);
  if (key !== undefined && !use.keys.includes(key)) return null;
  const mode = diskMode(node, [use.target, volume.path])?.snapshot;
  const inOverlay = mode !== 'external' && mode !== 'no' && mode !== 'manual' && use.above.has(node.name);
  return inOverlay ? null : use.target;
}

/** The snapshots of `domain` to compare with the volume at `path`: those taken while one of its disks used it. */
async function userEntries(domain: Domain, path: string): Promise<LibvirtEntry[]> {
  const volumeKey = await fileKey(path);
  const [use, tree] = await Promise.all([diskUsing(domain, volumeKey), domain.snapshotTree()]);
  const nodes = [...tree.nodes.values()];
  const then = await imagesAtSnapshots(domain, nodes);
  const volume: VolumeContext = { path: resolve(path), volumeKey, use, keys: new Map() };
  const out: LibvirtEntry[] = [];
  for (const node of nodes) {
    const target = await targetOf(node, then.get(node), volume);
    if (target !== null) out.push({ node, diskNames: [target, resolve(path)] });
  }
  return out;
}

/**
 * A volume's internal snapshots (and those of its backing files) beside the snapshots of the
 * domains that use it: as their disk image, or below an overlay an external snapshot made. A
 * domain's snapshot whose data is in an image above the volume (an internal snapshot taken in
 * the overlay) is not the volume's, and is left out; so is one taken when the disk was another
 * file. A snapshot taken when the disk was the volume counts also when the disk is another file
 * today. A domain that no longer exists when it is read (VIR_ERR_NO_DOMAIN) is passed over.
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
