// The image API's checks of its callers' options, made before any file is opened: an option a
// call does not have would be ignored without a word (a misspelt `backingchain` lists one image,
// not the chain), and a format name that is no format would be reported as one this inspector
// cannot read.
import type { BackingPolicy } from './backing-chain.js';
import { ImageOptionError } from './errors.js';
import type { FormatChoice } from './open-image.js';
import { IMAGE_FORMATS } from './probe.js';
import { keysOf } from '../keys-of.js';

/** Every key of an options type, held to the type by the compiler: none missing, none extra. */
export { keysOf as optionKeys } from '../keys-of.js';

export const BACKING_POLICY_KEYS = keysOf<BackingPolicy>({
  allowBacking: true, probeBackingFormat: true, maxDepth: true, lenient: true, requireWholeChain: true,
});

/** Throws ImageOptionError unless `options` is absent or an object of `keys` only, with a known format. */
export function checkImageOptions(options: unknown, keys: readonly string[], call: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ImageOptionError(`${call}: options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!keys.includes(key)) throw new ImageOptionError(`${call}: unknown option '${key}' (known: ${keys.join(', ')})`);
  }
  const format = (options as { format?: unknown }).format;
  if (format !== undefined) checkFormatChoice(format, call);
}

/** A format name of IMAGE_FORMATS, or 'probe'. */
export function checkFormatChoice(format: unknown, where: string): asserts format is FormatChoice {
  if (format === 'probe' || (IMAGE_FORMATS as readonly unknown[]).includes(format)) return;
  throw new ImageOptionError(`${where}: unknown format ${typeof format === 'string' ? `'${format}'` : String(format)} (known: probe, ${IMAGE_FORMATS.join(', ')})`);
}
