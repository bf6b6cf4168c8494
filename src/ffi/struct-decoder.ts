// Structs read from C memory. Each struct gets a decoder compiled once from its StructSpec and
// koffi's layout (offsets): the bytes are copied into a Buffer and every field read there.
import { koffi, copyBytes } from './native.js';
import { koffiType, structSpec } from './types.js';
import { numberReaders, readCString, readNumbers, readPointerArray, type NumberView } from './decode.js';
import { isIdentifier, specialize } from './specialize.js';
import { decodeTypedParameters } from './typed-params.js';
import type { FieldSpec, ValueType } from './spec.js';

type Obj = Record<string, unknown>;
interface Decoder { size: number; read: (b: Buffer, base: number) => Obj }

const decoders = new Map<string, Decoder>();

/** The struct `name` at `source` (a Buffer, or a native pointer) + `offset`, as a plain object. */
export function decodeStruct(name: string, source: unknown, offset = 0): Obj {
  if (name === 'virTypedParameter') return decodeTypedParameters(source, 1, offset)[0] as unknown as Obj;
  const d = decoderFor(name);
  if (Buffer.isBuffer(source)) return d.read(source, offset);
  return d.read(copyBytes((source as bigint) + BigInt(offset), d.size), 0);
}

/** The decoder of struct `name` for Buffers, for callers that decode the same struct again and again. */
export function bufferDecoder(name: string): (b: Buffer) => Obj {
  if (name === 'virTypedParameter') return (b) => decodeStruct(name, b);
  const d = decoderFor(name);
  return (b) => d.read(b, 0);
}

/**
 * A decoder of struct `name` bound to one buffer (`fixed`, 8-byte aligned, at least the struct's
 * size): for a function that fills the same buffer on every call.
 */
export function fixedDecoder(name: string, fixed: Buffer): () => Obj {
  if (name === 'virTypedParameter') return () => decodeStruct(name, fixed);
  const { read } = compile(name, fixed);
  return () => read(fixed, 0);
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

/**
 * A struct's decoder is compiled to one function that builds the object in a single literal:
 * every struct then has one fixed object shape and each field one monomorphic read, about twice
 * as fast as a loop of per-field closures (virDomainGetInfo decoding: about 0.3 -> 0.15 us).
 * Over a `fixed` buffer, numbers are read through typed-array views of it, which V8 reads
 * inline (another 0.08 us on virDomainGetInfo's three 64-bit fields).
 */
function compile(name: string, fixed?: Buffer): Decoder {
  const spec = structSpec(name);
  const type = koffiType(name);
  const deps: Record<string, unknown> = {};
  const dep = (value: unknown): string => {
    const id = `d${Object.keys(deps).length}`;
    deps[id] = value;
    return id;
  };
  const views = fixed ? viewsOf(fixed, dep) : undefined;
  const plain: string[] = [];
  // Arrays are read after the plain fields: their lengths are other fields.
  const arrays: string[] = [];
  for (const f of spec.fields) {
    if (!isIdentifier(f.name)) throw new TypeError(`tsvirt: struct ${name} has a field named ${JSON.stringify(f.name)}, not a C identifier`);
    const at = koffi.offsetof(type, f.name);
    if (f.array) arrays.push(`o.${f.name} = ${dep(arrayField(f, at))}(b, base, o);`);
    else plain.push(`${f.name}: ${fieldSource(f, at, dep, views)}`);
  }
  const read = specialize<Decoder['read']>(`decode_${name}`, deps, ['b', 'base'],
    `const o = { ${plain.join(', ')} }; ${arrays.join(' ')} return o;`);
  return { size: koffi.sizeof(type), read };
}

/** A field value that is not a plain number: read by a helper the compiled decoder calls. */
type FieldValue = (b: Buffer, base: number, o: Obj) => unknown;

/** Source naming a typed-array view of the fixed buffer, per view class (made on first use). */
type Views = (view: NumberView) => string;

function viewsOf(fixed: Buffer, dep: (value: unknown) => string): Views {
  // Views need the buffer aligned for the widest number; an off-heap Buffer of its own is.
  if (fixed.byteOffset % 8 !== 0) throw new RangeError('tsvirt: a fixed struct buffer must be 8-byte aligned');
  const made = new Map<NumberView, string>();
  return (View) => {
    let id = made.get(View);
    if (id === undefined) {
      id = dep(new View(fixed.buffer as ArrayBuffer, fixed.byteOffset, Math.floor(fixed.byteLength / View.BYTES_PER_ELEMENT)));
      made.set(View, id);
    }
    return id;
  };
}

const fixedChars = /^char\[(\d+)\]$/;

function fieldSource(f: FieldSpec, at: number, dep: (value: unknown) => string, views?: Views): string {
  const reader = numberReaders[f.ffi];
  if (reader && f.type.js !== 'string' && f.type.js !== 'handle' && f.type.js !== 'pointer' && f.type.js !== 'struct') {
    if (views && at % reader.size === 0) return `${views(reader.view)}[${at / reader.size}]`;
    return `b.${reader.method}(base + ${at})`;
  }
  return `${dep(valueField(f, at))}(b, base)`;
}

function valueField(f: FieldSpec, at: number): FieldValue {
  const chars = fixedChars.exec(f.ffi);
  if (chars) {
    const len = Number(chars[1]);
    return (b, base) => {
      const end = b.indexOf(0, base + at);
      return b.toString('utf8', base + at, end < 0 || end > base + at + len ? base + at + len : end);
    };
  }
  if (f.type.js === 'string') return (b, base) => { const p = b.readBigUInt64LE(base + at); return p === 0n ? null : readCString(p); };
  if (f.type.js === 'handle' || f.type.js === 'pointer') return (b, base) => { const p = b.readBigUInt64LE(base + at); return p === 0n ? null : p; };
  if (f.type.js === 'struct') {
    const inner = f.ffi;
    return (b, base) => decodeStruct(inner, b, base + at);
  }
  throw new TypeError(`tsvirt: struct field ${f.name} has no reader for C type ${f.ffi}`);
}

function arrayField(f: FieldSpec, at: number): FieldValue {
  const { count, elem } = f.array as { count: string; elem: ValueType };
  return (b, base, o) => {
    const p = b.readBigUInt64LE(base + at);
    const n = Number(o[count] ?? 0);
    return p === 0n || n <= 0 ? [] : readArray(p, n, elem);
  };
}

function readArray(p: bigint, n: number, elem: ValueType): unknown[] {
  if (elem.js === 'struct') return decodeStructArray(elem.ref as string, p, n);
  if (elem.js === 'string') return readPointerArray(p, n).map((x) => (x === null ? null : readCString(x)));
  return readNumbers(p, elem, n);
}
