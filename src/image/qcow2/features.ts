/**
 * QCOW2 feature bits. Names come from the image's own feature-name extension first (that is what
 * qemu prints for bits it does not know), then from this table; bits nobody names are reported
 * by number, never dropped.
 */

export type FeatureKind = 'incompatible' | 'compatible' | 'autoclear';

export const FEATURE_KIND_CODES: Readonly<Record<number, FeatureKind>> = { 0: 'incompatible', 1: 'compatible', 2: 'autoclear' };

export const INCOMPAT_DIRTY = 1n << 0n;
export const INCOMPAT_CORRUPT = 1n << 1n;
export const INCOMPAT_DATA_FILE = 1n << 2n;
export const INCOMPAT_COMPRESSION = 1n << 3n;
export const INCOMPAT_EXTL2 = 1n << 4n;
/** Every incompatible bit qemu 7.2 implements; any other one makes it refuse the image. */
export const INCOMPAT_KNOWN_MASK = 0x1fn;

export const COMPAT_LAZY_REFCOUNTS = 1n << 0n;
export const AUTOCLEAR_BITMAPS = 1n << 0n;
export const AUTOCLEAR_DATA_FILE_RAW = 1n << 1n;

/** qemu's own names (the strings qemu writes into the feature-name extension). */
export const KNOWN_FEATURE_NAMES: Readonly<Record<FeatureKind, Readonly<Record<number, string>>>> = {
  incompatible: { 0: 'dirty bit', 1: 'corrupt bit', 2: 'external data file', 3: 'compression type', 4: 'extended L2 entries' },
  compatible: { 0: 'lazy refcounts' },
  autoclear: { 0: 'bitmaps', 1: 'raw external data' },
};

export interface FeatureNameEntry {
  readonly kind: FeatureKind | number;
  readonly bit: number;
  readonly name: string;
}

export interface FeatureBit {
  readonly bit: number;
  /** undefined when neither the image nor the table names it. */
  readonly name: string | undefined;
  /** Where the name came from. */
  readonly source: 'image' | 'builtin' | 'unknown';
}

/** Splits a 64-bit feature word into its set bits with names. */
export function describeFeatures(kind: FeatureKind, word: bigint, imageNames: readonly FeatureNameEntry[]): FeatureBit[] {
  const out: FeatureBit[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if (((word >> BigInt(bit)) & 1n) === 0n) continue;
    const fromImage = imageNames.find((e) => e.kind === kind && e.bit === bit);
    const builtin = KNOWN_FEATURE_NAMES[kind][bit];
    if (fromImage) out.push({ bit, name: fromImage.name, source: 'image' });
    else if (builtin !== undefined) out.push({ bit, name: builtin, source: 'builtin' });
    else out.push({ bit, name: undefined, source: 'unknown' });
  }
  return out;
}

/**
 * qemu's message for unknown incompatible bits: names from the image's table, then the rest as a
 * hex mask ("Unsupported qcow2 feature(s): foo, Unknown incompatible feature: 20").
 */
export function unsupportedIncompatMessage(word: bigint, imageNames: readonly FeatureNameEntry[]): string {
  let rest = word & ~INCOMPAT_KNOWN_MASK;
  const parts: string[] = [];
  for (const entry of imageNames) {
    if (entry.kind !== 'incompatible' || entry.bit > 63) continue;
    const mask = 1n << BigInt(entry.bit);
    if (rest & mask) {
      parts.push(entry.name);
      rest &= ~mask;
    }
  }
  if (rest) parts.push(`Unknown incompatible feature: ${rest.toString(16)}`);
  return `Unsupported qcow2 feature(s): ${parts.join(', ')}`;
}
