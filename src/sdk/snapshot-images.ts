// The image a disk had when a snapshot was taken, where that is another file than today's:
// libvirt saves the domain definition with each snapshot, and a disk pointed at another file
// since (by editing the domain) keeps that snapshot's data in the old file. Reverting makes
// libvirt go back to that file; introspection looks for the snapshot's data there too, instead
// of saying it is gone (or matching a snapshot of the same name in today's image).
import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { fileId, type ChainResult, type ReadChain } from './chain-read.js';
import { readChainOffThread } from './chain-thread.js';
import type { Domain } from './domain.js';
import { resolveDiskSources, type NetworkDiskSource, type Qcow2DiskSource, type ResolvedDisk, type SnapshotDiskSource } from './disk-images.js';
import type { SnapshotNode } from './snapshot-tree.js';

/**
 * A disk's image at a snapshot: a path, or null with why (a pool or volume gone; a network
 * disk, with `errorCode` NOT_LOCAL).
 */
export type ImageThen = Pick<ResolvedDisk, 'path' | 'error' | 'errorCode'>;

const isNetwork = (s: SnapshotDiskSource): s is NetworkDiskSource => 'protocol' in s;

/** A network disk's image: none that can be read from here. */
const networkImage = (s: NetworkDiskSource): ImageThen =>
  ({ path: null, error: `a network disk (${s.protocol}${s.name === null ? '' : ` '${s.name}'`}), not read from here`, errorCode: 'NOT_LOCAL' });

/** Whether the saved definition says which file the disk had: a path, or that it was a network disk. */
export const fileKnown = (image: ImageThen | undefined): boolean => image !== undefined && (image.path !== null || image.errorCode === 'NOT_LOCAL');

const sourceKey = (s: Qcow2DiskSource): string => ('path' in s ? `path:${s.path}` : `volume:${s.pool}/${s.volume}`);

const imageOf = ({ path, error, errorCode }: ResolvedDisk): ImageThen =>
  ({ path, ...(error === undefined ? {} : { error }), ...(errorCode === undefined ? {} : { errorCode }) });

/** For each node, each disk's image (by target), as `image` gives it for the node's saved sources. */
function byNode(nodes: readonly SnapshotNode[], image: (s: SnapshotDiskSource) => ImageThen | undefined): Map<SnapshotNode, Map<string, ImageThen>> {
  const out = new Map<SnapshotNode, Map<string, ImageThen>>();
  for (const n of nodes) {
    const byTarget = new Map<string, ImageThen>();
    for (const s of n.diskSources ?? []) {
      const i = image(s);
      if (i !== undefined) byTarget.set(s.target, i);
    }
    out.set(n, byTarget);
  }
  return out;
}

/**
 * For each node, each disk's image (by target) when it was taken; pool volumes are looked up
 * once each, whatever the number of snapshots naming them.
 */
export async function imagesAtSnapshots(domain: Domain, nodes: readonly SnapshotNode[]): Promise<Map<SnapshotNode, Map<string, ImageThen>>> {
  const distinct = new Map<string, Qcow2DiskSource>();
  for (const n of nodes) for (const s of n.diskSources ?? []) if (!isNetwork(s)) distinct.set(sourceKey(s), { ...s, target: sourceKey(s) });
  const resolved = new Map((await resolveDiskSources(domain, [...distinct.values()])).map((r) => [r.target, imageOf(r)]));
  return byNode(nodes, (s) => (isNetwork(s) ? networkImage(s) : resolved.get(sourceKey(s))));
}

/** For each node, each disk's image as far as the node says without a pool lookup (paths and network disks). */
export function pathsAtSnapshots(nodes: readonly SnapshotNode[]): Map<SnapshotNode, Map<string, ImageThen>> {
  return byNode(nodes, (s) => (isNetwork(s) ? networkImage(s) : 'path' in s ? { path: s.path } : undefined));
}

/**
 * `path`, absolute, without repeated slashes or '.' segments, which name the same file. '..' is
 * kept: after a symlink it is not the lexical parent (resolve() would drop the symlink's name).
 */
function pathKey(path: string): string {
  const absolute = isAbsolute(path) ? path : `${process.cwd()}/${path}`;
  return `/${absolute.split('/').filter((s) => s !== '' && s !== '.').join('/')}`;
}

/**
 * The file at `path` as device:inode (see fileId), or where it cannot be stat'ed (gone,
 * unreadable) `path` as pathKey gives it, which is never a device:inode.
 */
export async function fileKey(path: string): Promise<string> {
  try {
    return fileId(await stat(path));
  } catch {
    return pathKey(path);
  }
}

/** A file's key by its path (fileKey, or fileKeys' cache of it). */
export type KeyOf = (path: string) => Promise<string>;

/** fileKey, each path stat'ed once. */
export function fileKeys(): KeyOf {
  const keys = new Map<string, Promise<string>>();
  return (path) => {
    let key = keys.get(path);
    if (key === undefined) keys.set(path, key = fileKey(path));
    return key;
  };
}

/**
 * The key (see fileKey) of each path by which the XML of `nodes` names a disk or the overlay of
 * an external snapshot, to tell which file of a chain it is (diskMode, SnapshotComparison.external).
 */
export async function namedFileKeys(nodes: Iterable<SnapshotNode>, keyOf: KeyOf = fileKey): Promise<Map<string, string>> {
  const paths = new Set<string>();
  for (const n of nodes) for (const d of n.disks ?? []) for (const p of [d.name, d.file]) if (p !== null && isAbsolute(p)) paths.add(p);
  return new Map(await Promise.all([...paths].map(async (p) => [p, await keyOf(p)] as const)));
}

/** Whether one of `images` (a snapshot's disks, by target) is the file of `key`. */
async function namesFile(images: ReadonlyMap<string, ImageThen>, key: string, keyOf: KeyOf): Promise<boolean> {
  for (const { path } of images.values()) if (path !== null && isAbsolute(path) && (await keyOf(path)) === key) return true;
  return false;
}

/**
 * Each node's image of the disk `target`, whose file today is `path`, where its data is to be
 * looked for outside today's chain. None where the node names today's file for any disk: with
 * disks renamed or swapped since, its data for that file is in that file.
 */
export async function imagesOfDisk(then: ReadonlyMap<SnapshotNode, ReadonlyMap<string, ImageThen>>, target: string, path: string, keyOf: KeyOf = fileKeys()): Promise<Map<SnapshotNode, ImageThen>> {
  const out = new Map<SnapshotNode, ImageThen>();
  for (const [node, images] of then) {
    const image = images.get(target);
    // Nothing stat'ed for nodes that name no image of the disk (no saved definition).
    if (image !== undefined && !(await namesFile(images, await keyOf(path), keyOf))) out.set(node, image);
  }
  return out;
}

/**
 * The chains of images that snapshots name and that are not in `chain`, read off the main
 * thread; a path that is not local is left alone (nothing can be read of it). A file is in the
 * chain by device and inode, not by path: a layer's path may have '..' after a symlink
 * (ImageLayer.path), and so may the path a snapshot names.
 */
export async function readImagesElsewhere(chain: ReadChain, images: Iterable<ImageThen | undefined>, keyOf: KeyOf = fileKey): Promise<Map<string, ChainResult>> {
  const paths = new Set<string>();
  for (const i of images) if (i?.path && isAbsolute(i.path)) paths.add(i.path);
  const out = new Map<string, ChainResult>();
  await Promise.all([...paths].map(async (path) => {
    if (chain.fileIds.includes(await keyOf(path))) return;
    const read = await readChainOffThread(path);
    // Checked again on the file opened: it may have been replaced since the stat.
    const top = read.ok ? read.chain.fileIds[0] : undefined;
    if (top === undefined || !chain.fileIds.includes(top)) out.set(path, read);
  }));
  return out;
}
