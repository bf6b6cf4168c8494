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

/** Readers for C integer and floating types, by koffi name (LP64, little-endian). */
export const numberReaders: Readonly<Record<string, { size: number; read: (b: Buffer, at: number) => number | bigint }>> = {
  'char': { size: 1, read: (b, at) => b.readInt8(at) },
  'unsigned char': { size: 1, read: (b, at) => b.readUInt8(at) },
  'short': { size: 2, read: (b, at) => b.readInt16LE(at) },
  'unsigned short': { size: 2, read: (b, at) => b.readUInt16LE(at) },
  'int': { size: 4, read: (b, at) => b.readInt32LE(at) },
  'unsigned int': { size: 4, read: (b, at) => b.readUInt32LE(at) },
  'long': { size: 8, read: (b, at) => b.readBigInt64LE(at) },
  'long long': { size: 8, read: (b, at) => b.readBigInt64LE(at) },
  'unsigned long': { size: 8, read: (b, at) => b.readBigUInt64LE(at) },
  'unsigned long long': { size: 8, read: (b, at) => b.readBigUInt64LE(at) },
  'size_t': { size: 8, read: (b, at) => b.readBigUInt64LE(at) },
  'double': { size: 8, read: (b, at) => b.readDoubleLE(at) },
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

