// Structs read from C memory. Each struct gets a decoder compiled once from its StructSpec and
// koffi's layout (offsets): the bytes are copied into a Buffer and every field read there.
import { koffi, copyBytes } from './native.js';
import { koffiType, structSpec } from './types.js';
import { numberReaders, readCString, readNumbers, readPointerArray } from './decode.js';
import { decodeTypedParameters } from './typed-params.js';
import type { FieldSpec, ValueType } from './spec.js';

type Obj = Record<string, unknown>;
type FieldRead = (b: Buffer, base: number, out: Obj) => void;
interface Decoder { size: number; read: (b: Buffer, base: number) => Obj }

const decoders = new Map<string, Decoder>();

/** The struct `name` at `source` (a Buffer, or a native pointer) + `offset`, as a plain object. */
export function decodeStruct(name: string, source: unknown, offset = 0): Obj {
  if (name === 'virTypedParameter') return decodeTypedParameters(source, 1, offset)[0] as unknown as Obj;
  const d = decoderFor(name);
  if (Buffer.isBuffer(source)) return d.read(source, offset);
  return d.read(copyBytes((source as bigint) + BigInt(offset), d.size), 0);
}

/** `count` consecutive structs. */
export function decodeStructArray(name: string, source: unknown, count: number): Obj[] {
  if (name === 'virTypedParameter') return decodeTypedParameters(source, count) as unknown as Obj[];
  const d = decoderFor(name);
  const bytes = Buffer.isBuffer(source) ? source : copyBytes(source, count * d.size);
  const out: Obj[] = [];
  for (let i = 0; i < count; i++) out.push(d.read(bytes, i * d.size));
  return out;
}

function decoderFor(name: string): Decoder {
  let d = decoders.get(name);
  if (!d) {
    d = compile(name);
    decoders.set(name, d);
  }
  return d;
}

function compile(name: string): Decoder {
  const spec = structSpec(name);
  const type = koffiType(name);
  const plain: FieldRead[] = [];
  // Arrays read after the plain fields: their lengths are other fields.
  const arrays: FieldRead[] = [];
  for (const f of spec.fields) {
    const at = koffi.offsetof(type, f.name);
    (f.array ? arrays : plain).push(f.array ? arrayField(f, at) : plainField(f, at));
  }
  const readers = [...plain, ...arrays];
  return {
    size: koffi.sizeof(type),
    read: (b, base) => {
      const out: Obj = {};
      for (const r of readers) r(b, base, out);
      return out;
    },
  };
}

const fixedChars = /^char\[(\d+)\]$/;

function plainField(f: FieldSpec, at: number): FieldRead {
  const name = f.name;
  const chars = fixedChars.exec(f.ffi);
  if (chars) {
    const len = Number(chars[1]);
    return (b, base, out) => {
      const end = b.indexOf(0, base + at);
      out[name] = b.toString('utf8', base + at, end < 0 || end > base + at + len ? base + at + len : end);
    };
  }
  if (f.type.js === 'string') return (b, base, out) => { const p = b.readBigUInt64LE(base + at); out[name] = p === 0n ? null : readCString(p); };
  if (f.type.js === 'handle' || f.type.js === 'pointer') return (b, base, out) => { const p = b.readBigUInt64LE(base + at); out[name] = p === 0n ? null : p; };
  if (f.type.js === 'struct') {
    const inner = f.ffi;
    return (b, base, out) => { out[name] = decodeStruct(inner, b, base + at); };
  }
  const reader = numberReaders[f.ffi];
  if (!reader) throw new TypeError(`tsvirt: struct field ${name} has no reader for C type ${f.ffi}`);
  // The readers already give bigint for 64-bit types and numbers otherwise.
  const read = reader.read;
  return (b, base, out) => { out[name] = read(b, base + at); };
}

function arrayField(f: FieldSpec, at: number): FieldRead {
  const { name } = f;
  const { count, elem } = f.array as { count: string; elem: ValueType };
  return (b, base, out) => {
    const p = b.readBigUInt64LE(base + at);
    const n = Number(out[count] ?? 0);
    out[name] = p === 0n || n <= 0 ? [] : readArray(p, n, elem);
  };
}

function readArray(p: bigint, n: number, elem: ValueType): unknown[] {
  if (elem.js === 'struct') return decodeStructArray(elem.ref as string, p, n);
  if (elem.js === 'string') return readPointerArray(p, n).map((x) => (x === null ? null : readCString(x)));
  return readNumbers(p, elem, n);
}
