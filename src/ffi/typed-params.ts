// virTypedParameter arrays: read from C memory into TypedParameter objects, and built from them.
import { koffi, copyBytes } from './native.js';
import { koffiType } from './types.js';
import { readCString } from './decode.js';


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
