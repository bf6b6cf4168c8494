// Reading C data into plain JS values: strings, pointer arrays, numbers (64-bit ones as bigint).
// Bytes are copied into Buffers once and parsed there: koffi.decode of arrays and strings was
// measured to grow RSS per call, and Buffer reads are faster.
import { koffi, copyBytes, copyCString } from './native.js';
import type { ValueType } from './spec.js';

/** A 64-bit C integer always reaches JS as bigint, whatever its magnitude (koffi gives numbers below 2^53). */
export function toJs(value: unknown, type: ValueType): unknown {
  if (type.js === 'bigint' && value !== null && value !== undefined) return BigInt(value as number | bigint);
  return value;
}

/** A NUL-terminated string at `ptr`. */
export function readCString(ptr: unknown): string {
  return copyCString(ptr);
}

/** `count` pointers stored at `ptr`. */
export function readPointerArray(ptr: unknown, count: number): (bigint | null)[] {
  const bytes = copyBytes(ptr, count * 8);
  const out: (bigint | null)[] = [];
  for (let i = 0; i < count; i++) {
    const p = bytes.readBigUInt64LE(i * 8);
    out.push(p === 0n ? null : p);
  }
  return out;
}

/** The Buffer methods that read one C number (the names struct decoders are compiled with). */
export type NumberMethod = 'readInt8' | 'readUInt8' | 'readInt16LE' | 'readUInt16LE' | 'readInt32LE' | 'readUInt32LE'
  | 'readBigInt64LE' | 'readBigUInt64LE' | 'readDoubleLE';

/** A typed-array class that reads the same C number (for decoders over a fixed buffer). */
export type NumberView = typeof Int8Array | typeof Uint8Array | typeof Int16Array | typeof Uint16Array | typeof Int32Array
  | typeof Uint32Array | typeof BigInt64Array | typeof BigUint64Array | typeof Float64Array;

interface NumberReader { size: number; method: NumberMethod; view: NumberView; read: (b: Buffer, at: number) => number | bigint }

function reader(size: number, method: NumberMethod, view: NumberView): NumberReader {
  return { size, method, view, read: (b, at) => b[method](at) };
}

/** Readers for C integer and floating types, by koffi name (LP64, little-endian). */
export const numberReaders: Readonly<Record<string, NumberReader>> = {
  'char': reader(1, 'readInt8', Int8Array),
  'unsigned char': reader(1, 'readUInt8', Uint8Array),
  'short': reader(2, 'readInt16LE', Int16Array),
  'unsigned short': reader(2, 'readUInt16LE', Uint16Array),
  'int': reader(4, 'readInt32LE', Int32Array),
  'unsigned int': reader(4, 'readUInt32LE', Uint32Array),
  'long': reader(8, 'readBigInt64LE', BigInt64Array),
  'long long': reader(8, 'readBigInt64LE', BigInt64Array),
  'unsigned long': reader(8, 'readBigUInt64LE', BigUint64Array),
  'unsigned long long': reader(8, 'readBigUInt64LE', BigUint64Array),
  'size_t': reader(8, 'readBigUInt64LE', BigUint64Array),
  'double': reader(8, 'readDoubleLE', Float64Array),
};

/** `count` numbers of C type `elem.ffi` at `source` (a Buffer or a native pointer), copied once. */
export function readNumbers(source: unknown, elem: ValueType, count: number): (number | bigint)[] {
  const reader = numberReaders[elem.ffi];
  if (!reader) throw new TypeError(`tsvirt: no reader for C type ${elem.ffi}`);
  const bytes = Buffer.isBuffer(source) ? source : copyBytes(source, count * reader.size);
  const out: (number | bigint)[] = [];
  for (let i = 0; i < count; i++) out.push(toJs(reader.read(bytes, i * reader.size), elem) as number | bigint);
  return out;
}

