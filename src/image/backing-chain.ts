/**
 * Backing chains. A backing name comes from the image, so it is hostile input: it is always a
 * plain local path (never a protocol, never a `json:` description), a relative name is taken
 * after the directory of the image that names it as qemu does (no lexical '..' resolution),
 * nothing is opened unless the caller's policy allows it, the depth is capped, and a file met
 * twice (same device and inode, or same path) is a loop reported at once.
 */
import { isAbsolute } from 'node:path';
import { BackingAccessError, BackingChainLoopError, ImageLimitError } from './errors.js';
import { fullBackingFilename } from './info.js';
import { MAX_BACKING_CHAIN_DEPTH } from './limits.js';
import { backingFormatOf, backingNameOf, closeImage, openImage } from './open-image.js';
import type { FormatChoice, OpenedImage } from './open-image.js';
import type { ImageFormatName } from './probe.js';

export interface BackingPolicy {
  /** Whether backing files may be opened at all (default false), or a per-path decision. */
  readonly allowBacking?: boolean | ((resolvedPath: string, nameInImage: string) => boolean);
  /** Probe a backing file whose format the image does not record (default false: refuse). */
  readonly probeBackingFormat?: boolean;
  /** Images in the chain at most, the top one included. */
  readonly maxDepth?: number;
  /** Open every image of the chain leniently (findings instead of errors after the header). */
  readonly lenient?: boolean;
  /** Fail (instead of stopping) when a backing file exists that the policy does not allow. */
  readonly requireWholeChain?: boolean;
}

export interface ChainLayer {
  readonly image: OpenedImage;
  /** The name qemu would show for this layer (full-backing-filename of the layer above). */
  readonly displayName: string;
  /** The path actually opened. */
  readonly path: string;
}

/**
 * The path qemu opens for the backing name `name` of the image at `imagePath`: an absolute name
 * as it is, a relative one after the directory part of the image's path (qemu's path_combine).
 * Nothing is normalised: after a symlink, '..' is the parent of the link's target, which the
 * kernel knows and a lexical resolve() does not (it would open another file, or none).
 */
export function resolveBackingPath(imagePath: string, name: string): string {
  if (isAbsolute(name)) return name;
  const slash = imagePath.lastIndexOf('/');
  return slash < 0 ? name : imagePath.slice(0, slash + 1) + name;
}

/** `path` made absolute against the working directory, without normalising it (see resolveBackingPath). */
function absolute(path: string): string {
  return isAbsolute(path) ? path : `${process.cwd()}/${path}`;
}

function allowed(policy: BackingPolicy, path: string, name: string): boolean {
  const allow = policy.allowBacking ?? false;
  return typeof allow === 'function' ? allow(path, name) : allow;
}

const KNOWN_BACKING_FORMATS: ReadonlySet<string> = new Set(['qcow2', 'qcow', 'raw', 'file']);

function backingFormatChoice(img: OpenedImage, path: string, policy: BackingPolicy): FormatChoice {
  const recorded = backingFormatOf(img);
  if (recorded === undefined) {
    if (policy.probeBackingFormat) return 'probe';
    throw new BackingAccessError(path, 'the image does not record the backing format and probing was not allowed');
  }
  if (!KNOWN_BACKING_FORMATS.has(recorded)) throw new BackingAccessError(path, `backing format '${recorded}' is not read by this inspector`);
  return (recorded === 'file' ? 'raw' : recorded) as ImageFormatName;
}

/**
 * Opens `top` and, as far as the policy allows, its backing files. Returns the layers top first;
 * on any error every file opened so far is closed again.
 */
export function openChain(topPath: string, topFormat: FormatChoice, policy: BackingPolicy, displayName = topPath): ChainLayer[] {
  const layers: ChainLayer[] = [];
  try {
    walkChain(layers, topPath, topFormat, policy, displayName);
    return layers;
  } catch (err) {
    closeChain(layers);
    throw err;
  }
}

export interface PartialChain {
  /** The layers read, top first; the caller closes them (closeChain). */
  readonly layers: ChainLayer[];
  /** Why the walk stopped before the base (a missing or unreadable file, a loop, the depth cap). */
  readonly stoppedBy?: Error;
  /** With `stoppedBy`: the backing file of the last layer, which was not read (resolved path). */
  readonly stoppedAt?: string;
}

/**
 * As openChain, but an error below the top keeps what was read above it: for reports that show
 * every layer they could read (snapshot introspection). An error opening the top image throws.
 */
export function openChainUntilError(topPath: string, topFormat: FormatChoice, policy: BackingPolicy, displayName = topPath): PartialChain {
  const layers: ChainLayer[] = [];
  try {
    walkChain(layers, topPath, topFormat, policy, displayName);
    return { layers };
  } catch (err) {
    if (layers.length === 0 || !(err instanceof Error)) {
      closeChain(layers);
      throw err;
    }
    const last = layers[layers.length - 1] as ChainLayer;
    const name = backingNameOf(last.image);
    return name === undefined ? { layers, stoppedBy: err } : { layers, stoppedBy: err, stoppedAt: resolveBackingPath(last.path, name) };
  }
}

/** Pushes each layer opened onto `layers`, so that a caller holds them also when this throws. */
function walkChain(layers: ChainLayer[], topPath: string, topFormat: FormatChoice, policy: BackingPolicy, displayName: string): void {
  const maxDepth = policy.maxDepth ?? MAX_BACKING_CHAIN_DEPTH;
  const seen = new Map<string, string>();
  let path = absolute(topPath);
  let format: FormatChoice = topFormat;
  let shown = displayName;
  for (;;) {
    if (seen.has(path)) throw new BackingChainLoopError([...layers.map((l) => l.displayName), shown]);
    const image = openImage(path, format, { lenient: policy.lenient ?? false });
    const identity = `${image.file.stat.dev}:${image.file.stat.ino}`;
    if (seen.has(identity)) {
      closeImage(image);
      throw new BackingChainLoopError([...layers.map((l) => l.displayName), shown]);
    }
    layers.push({ image, displayName: shown, path });
    seen.set(identity, path).set(path, path);
    const name = backingNameOf(image);
    if (name === undefined) return;
    const next = resolveBackingPath(path, name);
    if (!allowed(policy, next, name)) {
      if (policy.requireWholeChain) throw new BackingAccessError(next, 'opening backing files was not allowed');
      return;
    }
    if (layers.length >= maxDepth) throw new ImageLimitError('backing chain depth', layers.length + 1, maxDepth, 'images');
    format = backingFormatChoice(image, next, policy);
    shown = fullBackingFilename(shown, name);
    path = next;
  }
}

export function closeChain(layers: readonly ChainLayer[]): void {
  for (const l of layers) closeImage(l.image);
}
