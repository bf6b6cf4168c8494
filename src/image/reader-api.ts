/**
 * Opening an image for reading its guest data. Reading needs the whole chain (a backing file
 * that may not be opened would silently turn into zeros), and an external data file is opened
 * only when `allowDataFile` says so.
 */
import { closeChain, openChain, resolveBackingPath } from './backing-chain.js';
import type { BackingPolicy, ChainLayer } from './backing-chain.js';
import { BackingAccessError } from './errors.js';
import { guestLayerOf } from './guest-layer.js';
import { GuestReader } from './guest-reader.js';
import { ImageFile } from './image-file.js';
import type { FormatChoice } from './open-image.js';
import { BACKING_POLICY_KEYS, checkImageOptions, optionKeys } from './option-checks.js';

export interface ReaderOptions extends BackingPolicy {
  readonly format?: FormatChoice;
  /** Whether an external data file named by the image may be opened (default false). */
  readonly allowDataFile?: boolean | ((resolvedPath: string, nameInImage: string) => boolean);
}

export interface OpenedReader {
  readonly reader: GuestReader;
  readonly layers: readonly ChainLayer[];
  close(): void;
}

function openDataFiles(layers: readonly ChainLayer[], options: ReaderOptions): Map<number, ImageFile> {
  const files = new Map<number, ImageFile>();
  layers.forEach((layer, depth) => {
    if (layer.image.kind !== 'qcow2' || !layer.image.qcow2.hasDataFile) return;
    const name = layer.image.qcow2.extensions.dataFile;
    if (name === undefined) throw new BackingAccessError(layer.path, "'data-file' is required for this image");
    const path = resolveBackingPath(layer.path, name);
    const allow = options.allowDataFile ?? false;
    if (!(typeof allow === 'function' ? allow(path, name) : allow)) throw new BackingAccessError(path, 'opening external data files was not allowed');
    files.set(depth, ImageFile.open(path));
  });
  return files;
}

const READER_KEYS = [...BACKING_POLICY_KEYS, ...optionKeys<Omit<ReaderOptions, keyof BackingPolicy>>({ format: true, allowDataFile: true })];

export async function openGuestReader(path: string, options: ReaderOptions = {}): Promise<OpenedReader> {
  checkImageOptions(options, READER_KEYS, 'openGuestReader');
  const layers = openChain(path, options.format ?? 'probe', { ...options, requireWholeChain: true });
  let dataFiles = new Map<number, ImageFile>();
  try {
    dataFiles = openDataFiles(layers, options);
    const reader = new GuestReader(layers.map((l) => guestLayerOf(l.image)), { dataFiles });
    return {
      reader,
      layers,
      close: () => {
        for (const f of dataFiles.values()) f.close();
        closeChain(layers);
      },
    };
  } catch (err) {
    for (const f of dataFiles.values()) f.close();
    closeChain(layers);
    throw err;
  }
}
