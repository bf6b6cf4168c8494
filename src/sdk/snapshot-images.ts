// The image a disk had when a snapshot was taken, where that is another file than today's:
// libvirt saves the domain definition with each snapshot, and a disk pointed at another file
// since (by editing the domain) keeps that snapshot's data in the old file. Reverting makes
// libvirt go back to that file; introspection looks for the snapshot's data there too, instead
// of saying it is gone (or matching a snapshot of the same name in today's image).
import { isAbsolute, resolve } from 'node:path';
import type { ChainResult, ReadChain } from './chain-read.js';
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

/**
 * For each node, each disk's image (by target) when it was taken; pool volumes are looked up
 * once each, whatever the number of snapshots naming them.
 */
export async function imagesAtSnapshots(domain: Domain, nodes: readonly SnapshotNode[]): Promise<Map<SnapshotNode, Map<string, ImageThen>>> {
  const distinct = new Map<string, Qcow2DiskSource>();
  for (const n of nodes) for (const s of n.diskSources ?? []) if (!isNetwork(s)) distinct.set(sourceKey(s), { ...s, target: sourceKey(s) });
  const resolved = new Map((await resolveDiskSources(domain, [...distinct.values()])).map((r) => [r.target, imageOf(r)]));
  const out = new Map<SnapshotNode, Map<string, ImageThen>>();
  for (const n of nodes) {
    const byTarget = new Map<string, ImageThen>();
    for (const s of n.diskSources ?? []) {
      const image = isNetwork(s) ? networkImage(s) : resolved.get(sourceKey(s));
      if (image !== undefined) byTarget.set(s.target, image);
    }
    out.set(n, byTarget);
  }
  return out;
}

/** Each node's image of `target` as far as the node says without a pool lookup (paths and network disks). */
export function pathsAtSnapshots(nodes: readonly SnapshotNode[], target: string): Map<SnapshotNode, ImageThen> {
  const out = new Map<SnapshotNode, ImageThen>();
  for (const n of nodes) {
    const s = n.diskSources?.find((x) => x.target === target);
    if (s !== undefined && isNetwork(s)) out.set(n, networkImage(s));
    else if (s !== undefined && 'path' in s) out.set(n, { path: s.path });
  }
  return out;
}

/**
 * The chains of images that snapshots name and that are not in `chain` (by path, then by device
 * and inode of their top image), read off the main thread; a path that is not local is left
 * alone (nothing can be read of it).
 */
export async function readImagesElsewhere(chain: ReadChain, images: Iterable<ImageThen | undefined>): Promise<Map<string, ChainResult>> {
  const inChain = new Set(chain.layers.map((l) => resolve(l.path)));
  const other = new Set<string>();
  for (const i of images) if (i?.path && isAbsolute(i.path) && !inChain.has(resolve(i.path))) other.add(i.path);
  const out = new Map<string, ChainResult>();
  await Promise.all([...other].map(async (path) => {
    const read = await readChainOffThread(path);
    const top = read.ok ? read.chain.fileIds[0] : undefined;
    if (top === undefined || !chain.fileIds.includes(top)) out.set(path, read);
  }));
  return out;
}
