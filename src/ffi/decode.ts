// Reading C data into plain JS values: strings, 64-bit integers as bigint, structs with their
// pointer-and-count fields expanded into arrays, typed parameters into TypedParameter objects.
import { koffi, copyBytes, copyCString } from './native.js';
import { koffiType, sizeOf, structSpec } from './types.js';
import type { ValueType } from './spec.js';

/** A 64-bit C integer always reaches JS as bigint, whatever its magnitude (koffi gives numbers below 2^53). */
export function toJs(value: unknown, type: ValueType): unknown {
  if (type.js === 'bigint' && value !== null && value !== undefined) return BigInt(value as number | bigint);
  if (type.js === 'struct' && typeof value === 'object' && value !== null) return normalizeStruct(type.ref as string, value as Record<string, unknown>);
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

/** The number of entries before the NULL that terminates a pointer array. */
export function countUntilNull(ptr: unknown, limit = 1 << 24): number {
  let n = 0;
  while (n < limit && (koffi.decode(ptr, n * 8, 'void *') as bigint | null) !== null) n++;
  return n;
}

/** The struct `name` stored at `source` (+ `offset`), as a plain object. */
export function decodeStruct(name: string, source: unknown, offset = 0): Record<string, unknown> {
  if (name === 'virTypedParameter') return decodeTypedParameter(source, offset) as unknown as Record<string, unknown>;
  const raw = koffi.decode(source, offset, koffiType(name)) as Record<string, unknown>;
  return normalizeStruct(name, raw);
}

/** `count` consecutive structs. */
export function decodeStructArray(name: string, source: unknown, count: number): Record<string, unknown>[] {
  const size = sizeOf(name);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) out.push(decodeStruct(name, source, i * size));
  return out;
}

function normalizeStruct(name: string, raw: Record<string, unknown>): Record<string, unknown> {
  const spec = structSpec(name);
  const out: Record<string, unknown> = {};
  for (const f of spec.fields) {
    const value = raw[f.name];
    if (f.array) out[f.name] = decodeFieldArray(value, Number(raw[f.array.count] ?? 0), f.array.elem);
    else if (f.type.js === 'struct' && f.ffi === f.type.ref) out[f.name] = normalizeStruct(f.ffi, value as Record<string, unknown>);
    else out[f.name] = toJs(value, f.type);
  }
  return out;
}

function decodeFieldArray(ptr: unknown, count: number, elem: ValueType): unknown[] {
  if (ptr === null || ptr === undefined || count <= 0) return [];
  if (elem.js === 'struct') return decodeStructArray(elem.ref as string, ptr, count);
  if (elem.js === 'string') return readPointerArray(ptr, count).map((p) => (p === null ? null : readCString(p)));
  return readNumbers(ptr, elem, count);
}

/** Readers for C integer and floating types, by koffi name (LP64, little-endian). */
const numberReaders: Readonly<Record<string, { size: number; read: (b: Buffer, at: number) => number | bigint }>> = {
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

// ---- typed parameters -------------------------------------------------------------------------

/** virTypedParameterType values (libvirt-common.h); fixed by the ABI since 0.9.2. */
export const TypedParamType = { INT: 1, UINT: 2, LLONG: 3, ULLONG: 4, DOUBLE: 5, BOOLEAN: 6, STRING: 7 } as const;

export type TypedParameter =
  | { field: string; type: 'int' | 'uint' | 'double'; value: number }
  | { field: string; type: 'llong' | 'ullong'; value: bigint }
  | { field: string; type: 'boolean'; value: boolean }
  | { field: string; type: 'string'; value: string };

// struct _virTypedParameter { char field[80]; int type; union { ... } value; }: 96 bytes on LP64.
function layout(): { type: number; value: number; size: number } {
  const t = koffiType('virTypedParameter');
  return { type: koffi.offsetof(t, 'type'), value: koffi.offsetof(t, 'value'), size: koffi.sizeof(t) };
}

/** One virTypedParameter at `source` + `offset` (a Buffer or a native pointer). */
export function decodeTypedParameter(source: unknown, offset = 0): TypedParameter {
  return decodeTypedParameters(source, 1, offset)[0] as TypedParameter;
}

/**
 * `count` virTypedParameter structs. The bytes are copied once and parsed with Buffer reads:
 * koffi.decode of char arrays was measured to grow RSS on every call.
 */
export function decodeTypedParameters(source: unknown, count: number, offset = 0): TypedParameter[] {
  const l = layout();
  const bytes = Buffer.isBuffer(source)
    ? source.subarray(offset, offset + count * l.size)
    : copyBytes((source as bigint) + BigInt(offset), count * l.size);
  const out: TypedParameter[] = [];
  for (let i = 0; i < count; i++) out.push(parseTypedParameter(bytes, i * l.size, l));
  return out;
}

function parseTypedParameter(b: Buffer, base: number, l: { type: number; value: number }): TypedParameter {
  const end = b.indexOf(0, base);
  const field = b.toString('utf8', base, end < 0 || end > base + 80 ? base + 80 : end);
  const code = b.readInt32LE(base + l.type);
  const at = base + l.value;
  switch (code) {
    case TypedParamType.INT: return { field, type: 'int', value: b.readInt32LE(at) };
    case TypedParamType.UINT: return { field, type: 'uint', value: b.readUInt32LE(at) };
    case TypedParamType.LLONG: return { field, type: 'llong', value: b.readBigInt64LE(at) };
    case TypedParamType.ULLONG: return { field, type: 'ullong', value: b.readBigUInt64LE(at) };
    case TypedParamType.DOUBLE: return { field, type: 'double', value: b.readDoubleLE(at) };
    case TypedParamType.BOOLEAN: return { field, type: 'boolean', value: b.readInt8(at) !== 0 };
    case TypedParamType.STRING: {
      const p = b.readBigUInt64LE(at);
      return { field, type: 'string', value: p === 0n ? '' : readCString(p) };
    }
    default: throw new RangeError(`virTypedParameter ${field}: unknown type ${code}`);
  }
}

/**
 * virTypedParameter[] for input. String values live in `keepAlive` buffers that the caller holds
 * until the C call returns; the array itself is a Buffer owned by JS.
 */
export function encodeTypedParameters(params: readonly TypedParameter[], keepAlive: Buffer[]): Buffer {
  const l = layout();
  const buf = Buffer.alloc(Math.max(1, params.length) * l.size);
  params.forEach((p, i) => {
    const base = i * l.size;
    const name = Buffer.from(p.field, 'utf8');
    if (name.length >= 80) throw new RangeError(`typed parameter name longer than 79 bytes: ${p.field}`);
    name.copy(buf, base);
    buf.writeInt32LE(codeOf(p), base + l.type);
    writeValue(buf, base + l.value, p, keepAlive);
  });
  return buf;
}

function codeOf(p: TypedParameter): number {
  return TypedParamType[p.type.toUpperCase() as keyof typeof TypedParamType];
}

function writeValue(buf: Buffer, at: number, p: TypedParameter, keepAlive: Buffer[]): void {
  switch (p.type) {
    case 'int': buf.writeInt32LE(p.value, at); break;
    case 'uint': buf.writeUInt32LE(p.value, at); break;
    case 'llong': buf.writeBigInt64LE(p.value, at); break;
    case 'ullong': buf.writeBigUInt64LE(p.value, at); break;
    case 'double': buf.writeDoubleLE(p.value, at); break;
    case 'boolean': buf.writeInt8(p.value ? 1 : 0, at); break;
    case 'string': {
      const s = Buffer.from(`${p.value}\0`, 'utf8');
      keepAlive.push(s);
      buf.writeBigUInt64LE(BigInt(koffi.address(s) as unknown as bigint), at);
      break;
    }
  }
}
