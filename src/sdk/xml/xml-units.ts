// Sizes in libvirt XML: a decimal integer plus an optional `unit` attribute. Values such as
// memory in KiB or volume capacity in bytes can exceed 2^53, so they are bigint throughout.
import { XmlDocumentError } from './xml-errors.js';

export interface SizeValue {
  readonly value: bigint;
  /** The unit as written (e.g. 'KiB', 'bytes', 'G'); absent means the element's default unit. */
  readonly unit?: string;
}

const POWERS = ['k', 'm', 'g', 't', 'p', 'e'];

/**
 * Multiplier (in bytes) for one of libvirt's unit spellings, following libvirt's own rules
 * (virScaleInteger): 'b'/'byte'/'bytes' = 1; 'k', 'KiB' = 1024; 'KB' = 1000; likewise M, G, T, P, E;
 * case-insensitive. Returns undefined for anything else.
 */
export function unitMultiplier(unit: string): bigint | undefined {
  const u = unit.toLowerCase();
  if (u === 'b' || u === 'byte' || u === 'bytes') return 1n;
  const power = POWERS.indexOf(u.charAt(0));
  if (power < 0) return undefined;
  const suffix = u.slice(1);
  const base = suffix === '' || suffix === 'ib' ? 1024n : suffix === 'b' ? 1000n : undefined;
  return base === undefined ? undefined : base ** BigInt(power + 1);
}

/** Converts a size to bytes; `defaultUnit` is what libvirt assumes when `unit` is absent. */
export function sizeToBytes(size: SizeValue, defaultUnit: string): bigint {
  const unit = size.unit ?? defaultUnit;
  const multiplier = unitMultiplier(unit);
  if (multiplier === undefined) throw new XmlDocumentError('invalid-value', '@unit', `unknown size unit '${unit}'`);
  return size.value * multiplier;
}

/** Parses the text of a size element; `path` locates it for errors. */
export function parseSize(text: string | undefined, unit: string | undefined, path: string): SizeValue {
  if (text === undefined) throw new XmlDocumentError('missing-field', path, 'size value is missing');
  const digits = text.trim();
  if (!/^\d+$/.test(digits)) throw new XmlDocumentError('invalid-value', path, `'${text}' is not a non-negative integer`);
  // libvirt reads sizes as 64-bit integers; the check on length comes first because converting
  // a long digit string to bigint takes time that grows with the square of its length.
  const significant = digits.replace(/^0+(?=\d)/, '');
  if (significant.length > MAX_BYTES_DIGITS || BigInt(significant) > MAX_BYTES) {
    throw new XmlDocumentError('invalid-value', path, `${significant.length > 24 ? `a ${significant.length}-digit number` : significant} is more than 2^64-1`);
  }
  if (unit !== undefined && unit !== '' && unitMultiplier(unit) === undefined) {
    throw new XmlDocumentError('invalid-value', `${path}/@unit`, `unknown size unit '${unit}'`);
  }
  const value = BigInt(significant);
  // libvirt reads an empty unit (unit='') as none: the element's default unit.
  return unit === undefined || unit === '' ? { value } : { value, unit };
}

/** Checks a size before it is written, so libvirt never sees a negative or unit-less garbage value. */
export function checkSize(size: SizeValue, path: string): void {
  if (typeof size.value !== 'bigint' || size.value < 0n) {
    throw new XmlDocumentError('invalid-value', path, 'size must be a non-negative bigint');
  }
  if (size.unit !== undefined && unitMultiplier(size.unit) === undefined) {
    throw new XmlDocumentError('invalid-value', `${path}/@unit`, `unknown size unit '${size.unit}'`);
  }
  // libvirt scales to 64-bit bytes and refuses more (the element's default unit may scale more).
  if (size.value * (size.unit === undefined ? 1n : (unitMultiplier(size.unit) as bigint)) > MAX_BYTES) {
    throw new XmlDocumentError('invalid-value', path, `${size.value}${size.unit ?? ''} is more than 2^64-1 bytes`);
  }
}

const MAX_BYTES = 2n ** 64n - 1n;
const MAX_BYTES_DIGITS = MAX_BYTES.toString().length;
