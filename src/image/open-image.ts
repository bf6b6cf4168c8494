/**
 * Opening an image as a given format. The format is the caller's decision: either named, or
 * 'probe' to opt in to detection, which refuses an ambiguous file instead of picking a winner.
 */
import { ImageFormatError, ImageUnsupportedError } from './errors.js';
import { ImageFile } from './image-file.js';
import { detectFormat } from './probe.js';
import type { ImageFormatName } from './probe.js';
import { openQcow2 } from './qcow2/open.js';
import type { Qcow2Image } from './qcow2/open.js';
import { openQcowV1 } from './qcow1.js';
import { checkFormatChoice } from './option-checks.js';
import type { QcowV1Image } from './qcow1.js';

export type OpenedImage =
  | { readonly kind: 'qcow2'; readonly file: ImageFile; readonly qcow2: Qcow2Image }
  | { readonly kind: 'qcow'; readonly file: ImageFile; readonly qcow: QcowV1Image }
  | { readonly kind: 'raw'; readonly file: ImageFile };

export type FormatChoice = ImageFormatName | 'probe';

/** Formats this inspector reads beyond detection. */
export const READABLE_FORMATS: readonly ImageFormatName[] = ['qcow2', 'qcow', 'raw'];

export interface OpenImageOptions {
  /** qcow2: turn problems after the fixed header into findings (see OpenQcow2Options). */
  readonly lenient?: boolean;
  /** qcow2: open as qemu-img check does (see OpenQcow2Options.check). */
  readonly check?: boolean;
}

export function openImageFile(file: ImageFile, format: FormatChoice, options: OpenImageOptions = {}): OpenedImage {
  checkFormatChoice(format, 'openImageFile');
  const chosen = format === 'probe' ? probedFormat(file) : format;
  switch (chosen) {
    case 'qcow2':
      return { kind: 'qcow2', file, qcow2: openQcow2(file, options) };
    case 'qcow':
      return { kind: 'qcow', file, qcow: openQcowV1(file) };
    case 'raw':
      return { kind: 'raw', file };
    default:
      throw new ImageUnsupportedError(`format '${chosen}' is detected but not read by this inspector`);
  }
}

/** Opens a path read-only; closes the file again if the format cannot be read. */
export function openImage(path: string, format: FormatChoice, options: OpenImageOptions = {}): OpenedImage {
  // Before the file is opened: a wrong format name is the caller's mistake, whatever the file is.
  checkFormatChoice(format, 'openImage');
  const file = ImageFile.open(path);
  try {
    return openImageFile(file, format, options);
  } catch (err) {
    file.close();
    throw err;
  }
}

function probedFormat(file: ImageFile): ImageFormatName {
  const result = detectFormat(file);
  if (result.format === undefined) {
    const names = result.matches.map((m) => m.format).join(', ');
    throw new ImageFormatError(`'${file.path}' matches several formats (${names}); pass the format explicitly`);
  }
  return result.format;
}

export function closeImage(img: OpenedImage): void {
  img.file.close();
}

export function backingNameOf(img: OpenedImage): string | undefined {
  if (img.kind === 'qcow2') return img.qcow2.backingFile;
  if (img.kind === 'qcow') return img.qcow.backingFile;
  return undefined;
}

export function backingFormatOf(img: OpenedImage): string | undefined {
  return img.kind === 'qcow2' ? img.qcow2.extensions.backingFormat || undefined : undefined;
}

export function virtualSizeOf(img: OpenedImage): number {
  if (img.kind === 'qcow2') return img.qcow2.header.virtualSize;
  if (img.kind === 'qcow') return img.qcow.header.virtualSize;
  return img.file.size;
}
