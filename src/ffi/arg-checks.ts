// Checks of plain argument values before they reach koffi, which would otherwise coerce them
// silently (NaN to 0, 1.7 to 1, 2^32 + 1 to 1, a string cut at its first NUL) or take a number
// where C expects a char * as an address. Each check is built once per C type.
import { tsvirtError, VIR_ERR_INVALID_ARG } from './errors.js';
import { sizeOf } from './types.js';
import type { ValueType } from './spec.js';

/** Throws a LibvirtError (VIR_ERR_INVALID_ARG) naming the function and argument. */
export type ValueCheck = (value: unknown, func: string, arg: string) => void;

const bits = (n: number): bigint => 2n ** BigInt(n);
const signed = (n: number): readonly [bigint, bigint] => [-bits(n - 1), bits(n - 1) - 1n];
const unsigned = (n: number): readonly [bigint, bigint] => [0n, bits(n) - 1n];

/** Integer C types by the range of values they hold; `long` is sized by the loaded ABI. */
export function integerRange(ffi: string): readonly [bigint, bigint] {
  switch (ffi) {
    case 'char': return signed(8);
    case 'unsigned char': return unsigned(8);
    case 'short': return signed(16);
    case 'unsigned short': return unsigned(16);
    case 'int': return signed(32);
    case 'unsigned int': return unsigned(32);
    case 'long': return signed(8 * sizeOf('long'));
    case 'unsigned long': return unsigned(8 * sizeOf('long'));
    case 'long long': case 'ssize_t': return signed(64);
    case 'unsigned long long': case 'size_t': return unsigned(64);
    // An integer type this table does not know: refuse at the first call rather than guess.
    default: throw new TypeError(`tsvirt: no value check for C type '${ffi}'; add it to arg-checks.ts`);
  }
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value === 'number' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value === 'object' ? `an object (${value.constructor?.name ?? 'no prototype'})` : typeof value;
}

function invalid(func: string, arg: string, expected: string, value: unknown): Error {
  return tsvirtError(VIR_ERR_INVALID_ARG, func, `${func}: argument ${arg} must be ${expected}, got ${describeValue(value)}`);
}

/** A C string: text without NUL (C would end it there), or null for NULL. */
export const checkCString: ValueCheck = (value, func, arg) => {
  if (value === null) return;
  if (typeof value !== 'string') throw invalid(func, arg, 'a string (or null)', value);
  if (value.includes('\0')) throw tsvirtError(VIR_ERR_INVALID_ARG, func, `${func}: argument ${arg} contains a NUL character, where C would cut it short`);
};

function integerCheck(ffi: string, js: 'number' | 'bigint', [lo, hi]: readonly [bigint, bigint]): ValueCheck {
  const loN = Number(lo);
  const hiN = Number(hi);
  const expected = `an integer of ${lo}..${hi} (C ${ffi})`;
  if (js === 'number') {
    return (value, func, arg) => {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < loN || value > hiN) throw invalid(func, arg, expected, value);
    };
  }
  // Numbers are taken where they are exact; larger values must come as bigint.
  return (value, func, arg) => {
    if (typeof value === 'bigint') {
      if (value < lo || value > hi) throw invalid(func, arg, expected, value);
    } else if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < loN || value > hiN) {
      throw invalid(func, arg, `${expected}; past 2^53 as a bigint`, value);
    }
  };
}

const checkDouble: ValueCheck = (value, func, arg) => {
  if (typeof value !== 'number') throw invalid(func, arg, 'a number', value);
};

const checks = new Map<string, ValueCheck | null>();

/**
 * The check for a value of `type`, or undefined where nothing is checked here: handles (see
 * handles.ts), opaque pointers and structs.
 */
export function valueCheck(type: ValueType): ValueCheck | undefined {
  const key = `${type.js}:${type.ffi}`;
  let check = checks.get(key);
  if (check === undefined) {
    check = build(type);
    checks.set(key, check);
  }
  return check ?? undefined;
}

function build(type: ValueType): ValueCheck | null {
  if (type.js === 'string') return checkCString;
  if (type.js !== 'number' && type.js !== 'bigint') return null;
  if (type.ffi === 'double' || type.ffi === 'float') return checkDouble;
  return integerCheck(type.ffi, type.js, integerRange(type.ffi));
}
