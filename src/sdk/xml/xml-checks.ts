// The builders' checks of a description before anything is written: an object of the fields its
// type has (a misspelt field would be dropped without a word), one variant of a union, integers
// in range, booleans and lists of the right kind, each refused with the path of the bad field.
import { itemPath, XmlDocumentError } from './xml-errors.js';
import { checkChoice } from './xml-choices.js';

/**
 * Builder-side check of a list field: absent is empty; anything but an array of `kind` (objects,
 * or strings) is an error at `path`, or for an item at its itemPath (`path`, or `path[n]` when
 * there are several), not a TypeError from deep inside. `pathOf` numbers items that are not all
 * the elements of that name (a node device's dev links follow its dev node).
 */
export function listAt<T>(value: readonly T[] | undefined, path: string, kind: 'objects' | 'strings',
  pathOf = (i: number): string => itemPath(path, i, (value as readonly T[]).length)): readonly T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new XmlDocumentError('invalid-value', path, `must be an array of ${kind}`);
  value.forEach((item: unknown, i) => {
    const ok = kind === 'strings' ? typeof item === 'string' : typeof item === 'object' && item !== null && !Array.isArray(item);
    if (!ok) throw new XmlDocumentError('invalid-value', pathOf(i), `must be ${kind === 'strings' ? 'a string' : 'an object'}`);
  });
  return value;
}

/**
 * listAt's items, each with its path as a reader would give it (`/network/ip` when there is one,
 * `/network/ip[2]` for the second of several), for builders to report their fields under. The
 * items' paths are numbered from `items` where that is not the list's own path.
 */
export function itemsAt<T>(value: readonly T[] | undefined, path: string, kind: 'objects' | 'strings', items = path): (readonly [T, string])[] {
  const count = Array.isArray(value) ? value.length : 0;
  return listAt(value, path, kind, (i) => itemPath(items, i, count)).map((item, i) => [item, itemPath(items, i, count)] as const);
}

/** Builder-side check for a required string field. */
export function requireText(value: string | undefined, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new XmlDocumentError('missing-field', path, 'a non-empty value is required');
  return value;
}

/** The fields of a description type (see keys-of.ts): `fieldsOf<DomainOs>({ type: true, arch: true, ... })`. */
export { keysOf as fieldsOf } from '../../keys-of.js';

/**
 * Builder-side check of a description object: an object, with no field its type lacks. A
 * misspelt field (`vcpus` for `vcpu`) would otherwise be dropped without a word, and the
 * document would say something else than asked. Undefined passes unless `required`: optional parts are absent.
 */
export function checkFields(value: unknown, fields: readonly string[], path: string, required = false): void {
  if (value === undefined && !required) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new XmlDocumentError('invalid-value', path, `must be an object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  for (const key of Object.keys(value)) {
    if (!fields.includes(key)) throw new XmlDocumentError('invalid-value', path, `unknown field '${key}' (known: ${fields.join(', ')})`);
  }
}

/**
 * Builder-side check of a description that is a union on `key` (a host interface's `type`, a
 * secret usage's): an object, its `key` one of `choices`, and no field but that variant's. A field
 * of another variant (`mac` on a bridge) would be left out without a word. Returns the variant.
 */
export function checkVariant<K extends string>(value: unknown, key: string, fields: Readonly<Record<K, readonly string[]>>, path: string,
  choices: readonly K[] = Object.keys(fields) as K[]): K {
  // Every variant's fields first: an object with a misspelt field is reported as such, whatever its key.
  checkFields(value, [...new Set(Object.values<readonly string[]>(fields).flat())], path, true);
  const variant = (value as Record<string, unknown>)[key];
  checkChoice(variant, choices, `${path}/@${key}`, true);
  checkFields(value, fields[variant as K], path);
  return variant as K;
}

/**
 * The bounds of C's `unsigned int` and `int`, as libvirt reads most counts in these documents
 * (bus and device numbers, MTUs, delays, IOMMU groups; vport counts and NUMA nodes are `int`,
 * where -1 means none and is not written).
 */
export const UINT_MAX = 0xffffffff;
export const INT_MAX = 0x7fffffff;

/**
 * Builder-side check of an integer field (a port, an MTU, a prefix length): a fraction or NaN is
 * refused by the writer, but a value out of range would be written and left to libvirt, which
 * accepts some (a negative MTU) and reports others without the field's path.
 */
export function checkInteger(value: unknown, min: number, max: number, path: string, required = false): void {
  if (value === undefined) {
    if (required) throw new XmlDocumentError('missing-field', path, 'a value is required');
    return;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new XmlDocumentError('invalid-value', path, `must be an integer of ${min}..${max}, got ${typeof value === 'number' ? value : typeof value}`);
  }
}

/** Builder-side check of an optional boolean field ('yes' is not true). */
export function checkBoolean(value: unknown, path: string): void {
  if (value !== undefined && typeof value !== 'boolean') throw new XmlDocumentError('invalid-value', path, `must be a boolean, got ${typeof value}`);
}
