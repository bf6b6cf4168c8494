// virTypedParameter arrays: read from C memory into TypedParameter objects, and built from them.
import { koffi, copyBytes } from './native.js';
import { koffiType } from './types.js';
import { readCString } from './decode.js';
import { checkCString, describeValue, integerRange } from './arg-checks.js';
import { tsvirtError, VIR_ERR_INVALID_ARG } from './errors.js';


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

/**
 * The populated entries of `count` virTypedParameter slots that libvirt filled with strides:
 * virDomainGetCPUStats zeroes every slot it does not populate (past the per-CPU count, and for
 * CPUs past the host's). A zeroed slot (no field, type 0) is skipped, not read as a parameter;
 * what remains is `ret` entries for each CPU reported, CPU after CPU.
 */
export function decodePopulatedTypedParameters(source: unknown, count: number): TypedParameter[] {
  const l = layout();
  const bytes = Buffer.isBuffer(source) ? source.subarray(0, count * l.size) : copyBytes(source, count * l.size);
  const out: TypedParameter[] = [];
  for (let i = 0; i < count; i++) {
    const base = i * l.size;
    if (bytes[base] === 0 && bytes.readInt32LE(base + l.type) === 0) continue;
    out.push(parseTypedParameter(bytes, base, l));
  }
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
  // The caller checked them first (the params-in role's check, or checkArguments).
  const l = layout();
  const buf = Buffer.alloc(Math.max(1, params.length) * l.size);
  params.forEach((p, i) => {
    const base = i * l.size;
    const name = Buffer.from(p.field, 'utf8');
    name.copy(buf, base);
    buf.writeInt32LE(codeOf(p), base + l.type);
    writeValue(buf, base + l.value, p, keepAlive);
  });
  return buf;
}

const FIELD_BYTES = 80; // VIR_TYPED_PARAM_FIELD_LENGTH, with its NUL

const badParameter = (message: string): Error => tsvirtError(VIR_ERR_INVALID_ARG, 'typed parameters', `typed parameters: ${message}`);

/** The values each integer type of a typed parameter holds: those of its C type. */
export const typedParamRanges = {
  int: integerRange('int'),
  uint: integerRange('unsigned int'),
  llong: integerRange('long long'),
  ullong: integerRange('unsigned long long'),
} as const satisfies Record<string, readonly [bigint, bigint]>;

const typeName = (t: unknown): string => (typeof t === 'string' ? `'${t}'` : describeValue(t));

/** An array of parameters that C can read as they are; throws a LibvirtError (invalid argument). */
export function checkTypedParameters(params: readonly TypedParameter[]): void {
  if (!Array.isArray(params)) throw badParameter(`must be an array of { field, type, value }, got ${describeValue(params)}`);
  params.forEach(checkTypedParameter);
}

/** One parameter as C will read it: a known type, a value of that type in range, a short name. */
function checkTypedParameter(p: TypedParameter, i: number): void {
  if (p === null || typeof p !== 'object') throw badParameter(`entry ${i} must be { field, type, value }, got ${describeValue(p)}`);
  const at = `entry ${i} (${String(p.field)})`;
  if (typeof p.field !== 'string' || p.field.length === 0) throw badParameter(`entry ${i}: field must be a non-empty string, got ${describeValue(p.field)}`);
  checkCString(p.field, 'typed parameters', `${at} field`);
  if (p.type === 'string') checkCString(p.value, 'typed parameters', `${at} value`);
  if (Buffer.byteLength(p.field, 'utf8') >= FIELD_BYTES) throw badParameter(`${at}: field longer than ${FIELD_BYTES - 1} bytes`);
  const v: unknown = p.value;
  const ok = (() => {
    switch (p.type) {
      case 'int': case 'uint': {
        const [lo, hi] = typedParamRanges[p.type];
        return typeof v === 'number' && Number.isInteger(v) && v >= Number(lo) && v <= Number(hi);
      }
      case 'llong': case 'ullong': {
        const [lo, hi] = typedParamRanges[p.type];
        return typeof v === 'bigint' && v >= lo && v <= hi;
      }
      case 'double': return typeof v === 'number';
      case 'boolean': return typeof v === 'boolean';
      case 'string': return typeof v === 'string';
      default: throw badParameter(`${at}: unknown type ${typeName((p as { type: unknown }).type)} (int, uint, llong, ullong, double, boolean or string)`);
    }
  })();
  if (!ok) throw badParameter(`${at}: ${describeValue(v)} is not a value of type ${p.type}`);
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
