// Reading a disk's backing chain for snapshot introspection: each image's internal snapshot
// table, as plain data that can cross from the thread that reads (chain-thread.ts) to the
// caller. Nothing here talks to libvirt.
import { closeChain, isImageError, openChainUntilError, type ChainLayer } from '../image/index.js';

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
  /**
   * The image of the chain that holds it: 0 `path` (a disk's: the one the guest writes to; a
   * volume's: the volume, which may be below an overlay), 1 its backing file, ... qemu loads
   * (reverts to) internal snapshots of the image the guest writes to only: a snapshot in a
   * backing file is kept there, but reverting to it means going back to that file first.
   */
  layer: number;
  /** That image's path. */
  imagePath: string;
}

/** One image of the backing chain read, `path` (DiskSnapshots) first. */
export interface ImageLayer {
  /**
   * The path opened: the disk's, then each backing name after the directory of the image above,
   * as qemu-img names it (not normalised: '..' after a symlink is the kernel's).
   */
  path: string;
  /** 'qcow2', 'qcow' or 'raw'; only qcow2 images hold internal snapshots. */
  format: string;
  /** Internal snapshots stored in this image. */
  snapshotCount: number;
}

/** A file named by device and inode, which names it whatever the path. */
export const fileId = (st: { dev: number; ino: number }): string => `${st.dev}:${st.ino}`;

export interface ReadChain {
  layers: ImageLayer[];
  /** Each layer's file as device:inode, which names it whatever the path. */
  fileIds: string[];
  entries: ImageSnapshotEntry[];
  chainError?: string;
  chainErrorCode?: string;
}

/**
 * Errors of reading images (reported per disk): the inspector's, or the system's (ENOENT, EACCES:
 * those carry the failed `syscall`), as opposed to faults of this code (thrown), which Node also
 * gives a string `code` (ERR_OUT_OF_RANGE).
 */
export const isReadError = (err: unknown): err is Error & { code: string } =>
  err instanceof Error && (isImageError(err) || (typeof (err as NodeJS.ErrnoException).code === 'string' && typeof (err as NodeJS.ErrnoException).syscall === 'string'));

function layerEntries(layer: ChainLayer, index: number): ImageSnapshotEntry[] {
  if (layer.image.kind !== 'qcow2') return [];
  return layer.image.qcow2.snapshots.map((s) => ({
    id: s.id, name: s.name, vmStateSize: s.vmStateSize, dateSec: s.dateSec, vmClockNsec: s.vmClockNsec, problems: s.l1Problems, layer: index, imagePath: layer.path,
  }));
}

/**
 * Reads the snapshot tables of `path` and its backing files. Backing names are hostile input
 * (see image/backing-chain.ts): plain local paths only, a format the image records (never
 * probed), at most MAX_BACKING_CHAIN_DEPTH images, a loop reported as `chainError`.
 */
export function readChain(path: string): ReadChain {
  const { layers, stoppedBy, stoppedAt } = openChainUntilError(path, 'qcow2', { allowBacking: true });
  try {
    if (stoppedBy !== undefined && !isReadError(stoppedBy)) throw stoppedBy;
    const entries = layers.flatMap(layerEntries);
    const out = layers.map((l, i) => ({ path: l.path, format: l.image.kind, snapshotCount: entries.filter((e) => e.layer === i).length }));
    const fileIds = layers.map((l) => fileId(l.image.file.stat));
    if (stoppedBy === undefined) return { layers: out, fileIds, entries };
    // Name the file that stopped the walk when the error does not ("Image is not in qcow2 format").
    const named = stoppedAt === undefined || stoppedBy.message.includes(stoppedAt);
    const chainError = named ? stoppedBy.message : `backing file '${stoppedAt}': ${stoppedBy.message}`;
    return { layers: out, fileIds, entries, chainError, chainErrorCode: stoppedBy.code };
  } finally {
    closeChain(layers);
  }
}

/** A chain read, or why its top image could not be read (reported per disk, not thrown). */
export type ChainResult =
  | { readonly ok: true; readonly chain: ReadChain }
  | { readonly ok: false; readonly error: string; readonly code: string };

/** readChain with the errors of reading turned into data; faults of this code still throw. */
export function readChainResult(path: string): ChainResult {
  try {
    return { ok: true, chain: readChain(path) };
  } catch (err) {
    if (!isReadError(err)) throw err;
    return { ok: false, error: err.message, code: err.code };
  }
}
