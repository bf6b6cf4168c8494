/**
 * The image inspector's typed errors. Every failure caused by the content of an image is one of
 * these, so callers can tell "this file is hostile or damaged" from a bug. `code` is stable and
 * meant for scripts; `message` follows qemu-img's wording where qemu has one.
 */

export type ImageErrorCode =
  | 'IMAGE_IO'
  | 'IMAGE_FORMAT'
  | 'IMAGE_UNSUPPORTED'
  | 'IMAGE_CORRUPT'
  | 'IMAGE_LIMIT'
  | 'IMAGE_OFFSET_UNSAFE'
  | 'IMAGE_BACKING_LOOP'
  | 'IMAGE_BACKING_DENIED'
  | 'IMAGE_BACKING_DEPTH'
  | 'IMAGE_OPTION';

export class ImageError extends Error {
  readonly code: ImageErrorCode;
  /**
   * For a check that failed part-way ("Check failed: ..."): the problem lines it found before,
   * which qemu-img prints ahead of its failure.
   */
  problemLines: readonly string[] = [];

  constructor(code: ImageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageError';
    this.code = code;
  }
}

/** The file is not in the format the caller asked for (bad magic, wrong version). */
export class ImageFormatError extends ImageError {
  constructor(message: string) {
    super('IMAGE_FORMAT', message);
    this.name = 'ImageFormatError';
  }
}

/** A valid image that uses something this reader does not implement (qemu-img says "Unsupported"). */
export class ImageUnsupportedError extends ImageError {
  constructor(message: string) {
    super('IMAGE_UNSUPPORTED', message);
    this.name = 'ImageUnsupportedError';
  }
}

/** Metadata that contradicts itself or the file (misaligned table, reserved bits, bad lengths). */
export class ImageCorruptError extends ImageError {
  readonly offset: number | undefined;

  constructor(message: string, offset?: number) {
    super('IMAGE_CORRUPT', message);
    this.name = 'ImageCorruptError';
    this.offset = offset;
  }
}

/** A length, count or offset read from the file is above a named limit or beyond the file. */
export class ImageLimitError extends ImageError {
  readonly what: string;
  readonly observed: number | bigint;
  readonly limit: number | bigint;
  readonly unit: string;

  constructor(what: string, observed: number | bigint, limit: number | bigint, unit: string, message?: string) {
    super('IMAGE_LIMIT', message ?? `${what} is ${observed} ${unit}, above the limit of ${limit} ${unit}`);
    this.name = 'ImageLimitError';
    this.what = what;
    this.observed = observed;
    this.limit = limit;
    this.unit = unit;
  }
}

/** A 64-bit value at or above 2^53: a JS number would round it, so it is refused instead. */
export class ImageOffsetError extends ImageError {
  readonly what: string;
  readonly observed: bigint;

  constructor(what: string, observed: bigint) {
    super('IMAGE_OFFSET_UNSAFE', `${what} 0x${observed.toString(16)} is at or above 2^53 and cannot be used safely`);
    this.name = 'ImageOffsetError';
    this.what = what;
    this.observed = observed;
  }
}

/** A backing chain that comes back to a file already in it (a -> b -> a). */
export class BackingChainLoopError extends ImageError {
  readonly chain: readonly string[];

  constructor(chain: readonly string[]) {
    const last = chain[chain.length - 1] ?? '';
    super('IMAGE_BACKING_LOOP', `Backing file '${last}' creates an infinite loop.`);
    this.name = 'BackingChainLoopError';
    this.chain = chain;
  }
}

/** A referenced file (backing file, data file) that the caller's policy does not let us open. */
export class BackingAccessError extends ImageError {
  readonly path: string;

  constructor(path: string, reason: string) {
    super('IMAGE_BACKING_DENIED', `not opening '${path}': ${reason}`);
    this.name = 'BackingAccessError';
    this.path = path;
  }
}

/**
 * The caller's options are wrong, whatever the image holds: an option this call does not have
 * (a misspelt `backingchain` would otherwise be ignored, and the call do something else than
 * asked) or a format name that is no format.
 */
export class ImageOptionError extends ImageError {
  constructor(message: string) {
    super('IMAGE_OPTION', message);
    this.name = 'ImageOptionError';
  }
}

/** A wrapper for operating-system errors on the image file itself. */
export class ImageIoError extends ImageError {
  constructor(message: string, cause: unknown) {
    super('IMAGE_IO', message, { cause });
    this.name = 'ImageIoError';
  }
}

/** Works across package copies, where `instanceof` would not. */
export function isImageError(value: unknown): value is ImageError {
  return (
    value instanceof Error &&
    typeof (value as { code?: unknown }).code === 'string' &&
    String((value as unknown as { code: string }).code).startsWith('IMAGE_')
  );
}
