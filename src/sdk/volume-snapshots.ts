// A storage volume's internal snapshots beside the snapshots of the domains that use it: the
// volume may be a disk's image, or lie below an overlay an external snapshot made, so each
// user's disks are followed down their chains to find it (by device and inode).
import { isAbsolute } from 'node:path';
import { isLibvirtError } from '../ffi/index.js';
import type { Domain } from './domain.js';
import { resolveQcow2Disks } from './disk-images.js';
import type { StorageVolume } from './storage-volume.js';
import type { SnapshotNode } from './snapshot-tree.js';
import { fileKey, fileKeys, fileKnown, imagesAtSnapshots, namedFileKeys, type ImageThen, type KeyOf } from './snapshot-images.js';
import { compareRead, diskMode, notLocal, type DiskSnapshots, type LibvirtEntry } from './snapshot-introspection.js';
import type { ChainResult, ImageSnapshotEntry } from './chain-read.js';
import { readChainOffThread } from './chain-thread.js';

/** A chain as read: each image's key (see fileKey) top first, and the snapshots in them. */
async function keysOf(path: string, read: ChainResult): Promise<{ keys: string[]; entries: ImageSnapshotEntry[] }> {
  return read.ok ? { keys: read.chain.fileIds, entries: read.chain.entries } : { keys: [await fileKey(path)], entries: [] };
}

/** `path`'s chain as far as it can be read, on another thread (see keysOf). */
async function chainOf(path: string): Promise<{ keys: string[]; entries: ImageSnapshotEntry[] }> {
  return keysOf(path, await readChainOffThread(path));
}

interface VolumeUse {
  /** The target of the disk whose chain holds the volume. */
  target: string;
  /** Names of the internal snapshots in the images above the volume (overlays made after it). */
  above: ReadonlySet<string>;
}

/** Names of the snapshots stored above the file of `key` in `path`'s chain, or null when the chain does not hold it. */
async function aboveIn(path: string, key: string): Promise<ReadonlySet<string> | null> {
  const chain = await chainOf(path);
  const layer = chain.keys.indexOf(key);
  return layer < 0 ? null : new Set(chain.entries.filter((e) => e.layer < layer).map((e) => e.name));
}

/** The disk of `domain` whose chain holds the file of `key` (the disk's image or one below it), or null. */
async function diskUsing(domain: Domain, key: string): Promise<VolumeUse | null> {
  const disks = await resolveQcow2Disks(domain, await domain.getXml());
  // By device and inode: a chain may reach the volume through a symlink, or a name with '..'.
  for (const d of disks) {
    if (d.path === null || !isAbsolute(d.path)) continue;
    const above = await aboveIn(d.path, key);
    if (above !== null) return { target: d.target, above };
  }
  return null;
}

/** The volume being compared, and the files snapshots name, each read once. */
interface VolumeContext {
  /** The volume's file (see fileKey). */
  key: string;
  /** fileKey, each path stat'ed once. */
  keyOf: KeyOf;
  /** The keys of the volume's chain (the volume, then its backing files). */
  chainKeys: readonly string[];
  /** For each file a disk had at a snapshot, see aboveThen. */
  files: Map<string, Promise<ReadonlySet<string> | null>>;
}

/**
 * The snapshots stored above the volume in the chain of `path` (a disk's file at a snapshot):
 * none when the file is the volume or one of its backing files (the volume's list shows those),
 * null when the file's chain and the volume's do not meet.
 */
function aboveThen(path: string, volume: VolumeContext): Promise<ReadonlySet<string> | null> {
  let above = volume.files.get(path);
  if (above === undefined) volume.files.set(path, above = readAboveThen(path, volume));
  return above;
}

async function readAboveThen(path: string, volume: VolumeContext): Promise<ReadonlySet<string> | null> {
  return volume.chainKeys.includes(await volume.keyOf(path)) ? new Set() : aboveIn(path, volume.key);
}

/**
 * Whether `node`'s data for the disk `target` is the volume's: not an internal snapshot stored
 * in an overlay above it. A disk its XML names by path is the disk where that path is the volume.
 */
async function keptFor(node: SnapshotNode, target: string, above: ReadonlySet<string>, volume: VolumeContext): Promise<boolean> {
  const keys = await namedFileKeys([node], volume.keyOf);
  const mode = diskMode(node, target, (path) => keys.get(path) === volume.key)?.snapshot;
  return mode === 'external' || mode === 'no' || mode === 'manual' || !above.has(node.name);
}

/**
 * The target by which `node` used the volume, or null when it did not. Where its saved
 * definition names the files then: the disk (whatever its target today) whose file was the
 * volume, one of its backing files, or an overlay above it. Otherwise, or where it does not say
 * which file the disk that uses the volume today had (a pool gone since): that disk.
 */
async function targetOf(node: SnapshotNode, then: ReadonlyMap<string, ImageThen> | undefined, volume: VolumeContext, use: VolumeUse | null): Promise<string | null> {
  for (const [target, image] of then ?? []) {
    if (image.path === null || !isAbsolute(image.path)) continue;
    const above = await aboveThen(image.path, volume);
    if (above !== null) return (await keptFor(node, target, above, volume)) ? target : null;
  }
  if (use === null || fileKnown(then?.get(use.target))) return null;
  return (await keptFor(node, use.target, use.above, volume)) ? use.target : null;
}

/** The snapshots of `domain` to compare with the volume: those taken while one of its disks used it. */
async function userEntries(domain: Domain, volume: VolumeContext): Promise<LibvirtEntry[]> {
  const [use, tree] = await Promise.all([diskUsing(domain, volume.key), domain.snapshotTree()]);
  const nodes = [...tree.nodes.values()];
  const then = await imagesAtSnapshots(domain, nodes);
  const out: LibvirtEntry[] = [];
  for (const node of nodes) {
    const target = await targetOf(node, then.get(node), volume, use);
    if (target !== null) out.push({ node, target });
  }
  return out;
}

/**
 * A volume's internal snapshots (and those of its backing files) beside the snapshots of the
 * domains that use it: as their disk image, or below an overlay an external snapshot made. A
 * domain's snapshot whose data is in an image above the volume (an internal snapshot taken in
 * the overlay) is not the volume's, and is left out. Where a snapshot's saved definition names
 * the disks' files then, it counts when one of them was the volume, one of its backing files or
 * an overlay above it, whatever that disk's target or file is today, and is left out when the
 * disk that uses the volume today was another file then. A domain that no longer exists when it
 * is read (VIR_ERR_NO_DOMAIN) is passed over.
 */
export async function volumeSnapshots(volume: StorageVolume, users: readonly Domain[]): Promise<DiskSnapshots> {
  const path = await volume.getPath();
  if (!isAbsolute(path)) return notLocal(volume.name, path);
  // The volume's chain is read once: for the keys of its files here, and for the comparison.
  const read = await readChainOffThread(path);
  const keyOf = fileKeys();
  const context: VolumeContext = { key: await keyOf(path), keyOf, chainKeys: (await keysOf(path, read)).keys, files: new Map() };
  const entries = await Promise.all(users.map(async (d) => {
    try {
      return await userEntries(d, context);
    } catch (err) {
      // A domain listed a moment ago may be gone (a transient guest that stopped): it uses nothing.
      if (isLibvirtError(err) && err.codeName === 'VIR_ERR_NO_DOMAIN') return [];
      throw err;
    }
  }));
  // Two domains on one volume may each have a snapshot of a name: both are listed.
  return compareRead(volume.name, path, read, entries.flat(), keyOf);
}
