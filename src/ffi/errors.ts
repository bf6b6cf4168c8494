// LibvirtError: the one error class for failures reported by libvirt, plus the checks tsvirt
// itself makes before a call (missing symbol, released handle, bad argument).

const brand = Symbol.for('tsvirt.LibvirtError');

/** Symbolic names of virErrorNumber / virErrorDomain values, registered by generated/virterror. */
const names = { codes: new Map<number, string>(), domains: new Map<number, string>() };

export function registerErrorNames(codes: Record<string, number>, domains: Record<string, number>): void {
  for (const [name, value] of Object.entries(codes)) if (!names.codes.has(value)) names.codes.set(value, name);
  for (const [name, value] of Object.entries(domains)) if (!names.domains.has(value)) names.domains.set(value, name);
}

export interface LibvirtErrorFields {
  code: number;
  domain: number;
  level: number;
  message: string;
  str1: string | null;
  str2: string | null;
  str3: string | null;
  int1: number;
  int2: number;
}

/** virErrorNumber values tsvirt raises on its own; they match libvirt's numbering. */
export const VIR_ERR_INTERNAL_ERROR = 1;
export const VIR_ERR_INVALID_ARG = 8;
export const VIR_ERR_NO_SUPPORT = 3;
export const VIR_FROM_NONE = 0;
export const VIR_ERR_ERROR = 2;

export class LibvirtError extends Error implements LibvirtErrorFields {
  readonly code: number;
  readonly domain: number;
  readonly level: number;
  readonly str1: string | null;
  readonly str2: string | null;
  readonly str3: string | null;
  readonly int1: number;
  readonly int2: number;
  /** The C function whose failure this is. */
  readonly func: string;

  /** `options.cause`: what tsvirt found wrong, where that is an error of its own (a description's XmlDocumentError). */
  constructor(fields: LibvirtErrorFields, func: string, options?: ErrorOptions) {
    super(fields.message, options);
    this.name = 'LibvirtError';
    this.code = fields.code;
    this.domain = fields.domain;
    this.level = fields.level;
    this.str1 = fields.str1;
    this.str2 = fields.str2;
    this.str3 = fields.str3;
    this.int1 = fields.int1;
    this.int2 = fields.int2;
    this.func = func;
    Object.defineProperty(this, brand, { value: true });
  }

  /** e.g. "VIR_ERR_NO_DOMAIN"; the number as text when the name table is not loaded. */
  get codeName(): string {
    return names.codes.get(this.code) ?? String(this.code);
  }

  /** e.g. "VIR_FROM_TEST". */
  get domainName(): string {
    return names.domains.get(this.domain) ?? String(this.domain);
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name, func: this.func, code: this.code, codeName: this.codeName,
      domain: this.domain, domainName: this.domainName, level: this.level, message: this.message,
      str1: this.str1, str2: this.str2, str3: this.str3, int1: this.int1, int2: this.int2,
    };
  }
}

/** True for a LibvirtError from any copy of this package (the brand is a registered symbol). */
export function isLibvirtError(value: unknown): value is LibvirtError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** An error tsvirt raises itself, in libvirt's shape, so callers handle one class. */
export function tsvirtError(code: number, func: string, message: string, options?: ErrorOptions): LibvirtError {
  return new LibvirtError(
    { code, domain: VIR_FROM_NONE, level: VIR_ERR_ERROR, message, str1: null, str2: null, str3: null, int1: -1, int2: -1 },
    func,
    options,
  );
}
