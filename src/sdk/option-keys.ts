// Option objects are checked for keys they do not have: a misspelt option (`readonly` for
// `readOnly`, `ofset` for `offset`) would otherwise be ignored without a word, and the call would
// do something else than asked (open read-write, write at offset 0).
import { describeValue, tsvirtError, VIR_ERR_INVALID_ARG } from '../ffi/index.js';

/** The keys of an options type (see keys-of.ts): `optionKeys<UploadOptions>({ offset: true, ... })`. */
export { keysOf as optionKeys } from '../keys-of.js';

/** Throws a LibvirtError (VIR_ERR_INVALID_ARG) naming `fn` unless `options` is undefined or an object of `known` keys. */
export function checkOptions(fn: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw tsvirtError(VIR_ERR_INVALID_ARG, fn, `${fn}: options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw tsvirtError(VIR_ERR_INVALID_ARG, fn, `${fn}: unknown option '${key}' (known: ${known.join(', ')})`);
  }
}
