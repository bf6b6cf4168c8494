// libvirt's snapshot list beside the internal snapshots stored in each qcow2 disk, read
// offline with the image inspector (read-only; works while a guest runs, like qemu-img -U).
// Matched by name: a snapshot only in the image is one libvirt does not know (made with
// qemu-img, or metadata lost); one only in libvirt is metadata whose image data is gone.
// A disk's backing files are read too: after an external snapshot, the internal snapshots
// taken before it live in the image below the overlay.
import { isAbsolute } from 'node:path';
import type { ChainResult, ImageLayer, ImageSnapshotEntry, ReadChain } from './chain-read.js';
import { readChainOffThread } from './chain-thread.js';
import type { Domain } from './domain.js';
import { resolveQcow2Disks, type ResolvedDisk } from './disk-images.js';
import type { SnapshotNode, SnapshotTree } from './snapshot-tree.js';
import { fileKeys, imagesAtSnapshots, imagesOfDisk, namedFileKeys, pathsAtSnapshots, readImagesElsewhere, type ImageThen, type KeyOf } from './snapshot-images.js';

export type { ImageLayer, ImageSnapshotEntry } from './chain-read.js';

export interface SnapshotComparison {
  name: string;
  /**
   * 'both': libvirt's snapshot and the image's data; 'libvirt-only': metadata whose image data
   * is gone; 'image-only': a snapshot libvirt does not know; 'external': the snapshot made an
   * overlay file for this disk (its data is the image below the overlay); 'excluded': the
   * snapshot left this disk out (snapshot='no' or 'manual'), or its disk list does not name the
   * disk (added to the domain after the snapshot) and the image has no snapshot of its name.
   */
  where: 'both' | 'image-only' | 'libvirt-only' | 'external' | 'excluded';
  libvirt: SnapshotNode | null;
  image: ImageSnapshotEntry | null;
  /**
   * For 'external': the overlay the snapshot created for this disk and its place in the chain
   * read (null when that chain does not hold it: a volume below the overlay, a guest reverted
   * since, a file removed).
   */
  external?: { overlay: string | null; layer: number | null };
  /**
   * Set when the disk's image was another file when the snapshot was taken (the domain
   * definition libvirt saved with the snapshot names it, and it is not an image of the chain
   * read: the disk was pointed at another file since), unless the definition names the disk's
   * file today for another disk (disks renamed or swapped since: the data for that file is in
   * it). The snapshot's data is looked for in that file's chain ('both' when found there;
   * `image.layer` then counts from that file), which is the file libvirt goes back to on revert.
   * `where` is 'libvirt-only', and `error` says why, when the file could not be found (a pool or
   * volume gone: `path` null) or read, or was no local file (a network disk: `path` null; an rbd
   * pool's volume: its pool/image path). Where the file was read but its chain stops early,
   * `chainError` says why (code in `chainErrorCode`, as DiskSnapshots has them): a snapshot not
   * found then ('libvirt-only') may be in the backing file not read, not gone.
   */
  snapshotImage?: { path: string | null; error?: string; chainError?: string; chainErrorCode?: string };
}

export interface DiskSnapshots {
  /** Target device (vda) for a domain's disk; the volume name for a volume. */
  disk: string;
  /**
   * A domain's disk: the image the guest writes to (null when a volume disk's path could not be
   * found). A volume: the volume's path (an external snapshot's overlay may be above it).
   */
  path: string | null;
  /** The backing chain as read, top first; empty when the image could not be read. */
  layers: ImageLayer[];
  snapshots: SnapshotComparison[];
  /** Why the image could not be read (not qcow2, not accessible from here, damaged, volume gone). */
  error?: string;
  /**
   * The code of `error`: a libvirt error name, an image error code (IMAGE_...), an errno code, or
   * NOT_LOCAL for a path libvirt gives that is not an absolute local path (a network volume).
   */
  errorCode?: string;
  /**
   * Why the chain was not read down to its base (a backing file missing or unreadable, a loop,
   * more than 64 images), naming the file; the layers above it are reported.
   */
  chainError?: string;
  /** The code of `chainError`: an image error code (IMAGE_...). */
  chainErrorCode?: string;
}

/** A libvirt snapshot and the target of the disk being compared (the name its XML gives the disk). */
export interface LibvirtEntry {
  node: SnapshotNode;
  target: string;
  /** The disk's image when the snapshot was taken, where the snapshot's saved definition says. */
  imageThen?: ImageThen;
}

/**
 * What a snapshot did with the disk `target`: null when its XML does not say. Its XML may name
 * a disk by the path of its file instead (libvirt takes a name with a leading '/' for a path),
 * which names this disk where `isFile` says that path is the disk's file (see namedFileKeys).
 */
export function diskMode(node: SnapshotNode, target: string, isFile: (path: string) => boolean): { snapshot: string | null; file: string | null } | null {
  return node.disks?.find((d) => d.name === target || (d.name.startsWith('/') && isFile(d.name))) ?? null;
}

const notLocalError = (path: string): string => `'${path}' is not a local file path (a network volume?)`;

/** Why `chain` stops above its base, where it does (see DiskSnapshots.chainError). */
const chainErrorOf = (chain: ReadChain): { chainError?: string; chainErrorCode?: string } => ({
  ...(chain.chainError === undefined ? {} : { chainError: chain.chainError }),
  ...(chain.chainErrorCode === undefined ? {} : { chainErrorCode: chain.chainErrorCode }),
});

/**
 * A snapshot taken when the disk was another file (see SnapshotComparison.snapshotImage), or
 * null when its data is to be looked for in the chain read.
 */
function compareElsewhere(entry: LibvirtEntry, elsewhere: ReadonlyMap<string, ChainResult>): SnapshotComparison | null {
  const then = entry.imageThen;
  if (then === undefined) return null;
  const { node } = entry;
  if (then.path === null) return { name: node.name, where: 'libvirt-only', libvirt: node, image: null, snapshotImage: { path: null, error: then.error ?? 'not found' } };
  if (!isAbsolute(then.path)) return { name: node.name, where: 'libvirt-only', libvirt: node, image: null, snapshotImage: { path: then.path, error: notLocalError(then.path) } };
  const read = elsewhere.get(then.path);
  if (read === undefined) return null;
  if (!read.ok) return { name: node.name, where: 'libvirt-only', libvirt: node, image: null, snapshotImage: { path: then.path, error: read.error } };
  const image = read.chain.entries.find((e) => e.name === node.name) ?? null;
  return { name: node.name, where: image ? 'both' : 'libvirt-only', libvirt: node, image, snapshotImage: { path: then.path, ...chainErrorOf(read.chain) } };
}

/**
 * The layer of `chain` that is the file of `path`, or -1; `keys` holds the path's key (see
 * namedFileKeys). By device and inode, as a path with '..' after a symlink (in a snapshot's XML
 * or a layer's, see ImageLayer.path) is not the file its lexical resolution names.
 */
function layerOf(chain: ReadChain, keys: ReadonlyMap<string, string>, path: string): number {
  const key = keys.get(path);
  return key === undefined ? -1 : chain.fileIds.indexOf(key);
}

function compareEntries(chain: ReadChain, libvirt: readonly LibvirtEntry[], elsewhere: ReadonlyMap<string, ChainResult>, keys: ReadonlyMap<string, string>): SnapshotComparison[] {
  // Top image first: a name in the active image is the one qemu would load.
  const firstByName = new Map<string, ImageSnapshotEntry>();
  for (const s of chain.entries) if (!firstByName.has(s.name)) firstByName.set(s.name, s);
  const matched = new Set<ImageSnapshotEntry>();
  const out: SnapshotComparison[] = [];
  for (const entry of libvirt) {
    const { node, target } = entry;
    // A disk named by path may be named by any image of its chain: the one it wrote to then.
    const mode = diskMode(node, target, (path) => layerOf(chain, keys, path) >= 0);
    if (mode?.snapshot === 'external') {
      const layer = mode.file === null ? -1 : layerOf(chain, keys, mode.file);
      out.push({ name: node.name, where: 'external', libvirt: node, image: null, external: { overlay: mode.file, layer: layer < 0 ? null : layer } });
      continue;
    }
    if (mode?.snapshot === 'no' || mode?.snapshot === 'manual') {
      out.push({ name: node.name, where: 'excluded', libvirt: node, image: null });
      continue;
    }
    const other = compareElsewhere(entry, elsewhere);
    if (other !== null) {
      out.push(other);
      continue;
    }
    const img = firstByName.get(node.name);
    const match = img === undefined || matched.has(img) ? null : img;
    if (match) matched.add(match);
    // libvirt lists every disk the domain had when it took the snapshot: a disk it does not
    // list was added since, so no data is expected (unless the image has it all the same).
    const notCovered = mode === null && (node.disks?.length ?? 0) > 0;
    out.push({ name: node.name, where: match ? 'both' : notCovered ? 'excluded' : 'libvirt-only', libvirt: node, image: match });
  }
  for (const img of chain.entries) if (!matched.has(img)) out.push({ name: img.name, where: 'image-only', libvirt: null, image: img });
  return out;
}

/** The snapshots of `path`'s chain (`read`, read on the backing-chain thread) beside `libvirt`'s. */
export async function compareRead(disk: string, path: string, read: ChainResult, libvirt: readonly LibvirtEntry[], keyOf: KeyOf = fileKeys()): Promise<DiskSnapshots> {
  if (!read.ok) return { disk, path, layers: [], snapshots: [], error: read.error, errorCode: read.code };
  const { chain } = read;
  const [elsewhere, keys] = await Promise.all([readImagesElsewhere(chain, libvirt.map((e) => e.imageThen), keyOf), namedFileKeys(libvirt.map((e) => e.node), keyOf)]);
  return { disk, path, layers: chain.layers, snapshots: compareEntries(chain, libvirt, elsewhere, keys), ...chainErrorOf(chain) };
}

const nodesOf = (libvirt: Iterable<SnapshotNode> | SnapshotTree | null): Iterable<SnapshotNode> =>
  libvirt === null ? [] : 'nodes' in libvirt ? libvirt.nodes.values() : libvirt;

/**
 * Compares the snapshot tables of one image and its backing files with libvirt's snapshots
 * (`libvirt`: a tree, or any list of nodes, e.g. of several domains, or null). A table may
 * hold several snapshots of one name (qemu-img does not refuse them): a libvirt snapshot is
 * matched with the first, top image first, which is the one qemu finds by that name, and the
 * others are listed as image-only. Every entry of every table is in the result, after
 * libvirt's. `disk` is also the name a snapshot's XML gives the disk (its target, vda), by
 * which external and excluded disks are recognised; a node that names the disk by the path of
 * an image of its chain is recognised too.
 */
export async function compareImageSnapshots(disk: string, path: string, libvirt: Iterable<SnapshotNode> | SnapshotTree | null): Promise<DiskSnapshots> {
  const nodes = [...nodesOf(libvirt)];
  // Without the domain, a pool volume a snapshot's definition names cannot be looked up: paths only.
  return compareWithImagesThen(disk, path, nodes, pathsAtSnapshots(nodes), fileKeys());
}

/** compareRead, each snapshot's data looked for in the file the disk had then where that is not today's (see imagesOfDisk). */
async function compareWithImagesThen(disk: string, path: string, nodes: readonly SnapshotNode[], then: ReadonlyMap<SnapshotNode, ReadonlyMap<string, ImageThen>>, keyOf: KeyOf): Promise<DiskSnapshots> {
  const [read, images] = await Promise.all([readChainOffThread(path), imagesOfDisk(then, disk, path, keyOf)]);
  return compareRead(disk, path, read, nodes.map((node) => entryOf(node, disk, images.get(node))), keyOf);
}

function entryOf(node: SnapshotNode, disk: string, imageThen: ImageThen | undefined): LibvirtEntry {
  const entry: LibvirtEntry = { node, target: disk };
  if (imageThen !== undefined) entry.imageThen = imageThen;
  return entry;
}

/** Every qcow2 disk of the domain (file, block device or pool volume) with its snapshots beside libvirt's. */
export async function domainDiskSnapshots(domain: Domain): Promise<DiskSnapshots[]> {
  const [xml, tree] = await Promise.all([domain.getXml(), domain.snapshotTree()]);
  const nodes = [...tree.nodes.values()];
  const [disks, then] = await Promise.all([resolveQcow2Disks(domain, xml), imagesAtSnapshots(domain, nodes)]);
  // One stat per file for all the disks: snapshots name the same paths for each.
  const keyOf = fileKeys();
  const compare = (target: string, path: string): Promise<DiskSnapshots> => compareWithImagesThen(target, path, nodes, then, keyOf);
  return Promise.all(disks.map((d) => (d.path === null ? unresolved(d) : !isAbsolute(d.path) ? notLocal(d.target, d.path) : compare(d.target, d.path))));
}

/**
 * A path from libvirt that is not absolute is no local file (an rbd or gluster volume's
 * 'pool/image'): it is not looked for relative to this process's working directory.
 */
export function notLocal(disk: string, path: string): DiskSnapshots {
  return { disk, path, layers: [], snapshots: [], error: notLocalError(path), errorCode: 'NOT_LOCAL' };
}

function unresolved(d: ResolvedDisk): DiskSnapshots {
  const out: DiskSnapshots = { disk: d.target, path: null, layers: [], snapshots: [], error: d.error ?? 'the disk has no path' };
  if (d.errorCode !== undefined) out.errorCode = d.errorCode;
  return out;
}
