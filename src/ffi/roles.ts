// One handler per argument role (see ArgSpec in spec.ts). A handler says whether the argument
// is public (a parameter of the generated function), its koffi type, how the JS value becomes
// the native argument, and what it contributes to the result after a successful call.
import { koffi, freeNative, type LibraryId, type TypeObject } from './native.js';
import { tsvirtError, VIR_ERR_INVALID_ARG } from './errors.js';
import { adoptHandle, checkHandle } from './handles.js';
import { failure } from './library-state.js';
import { valueCheck } from './arg-checks.js';
import { koffiOffsetOf, koffiType, sizeOf } from './types.js';
import { evalSize } from './size.js';
import { releaseWith } from './release-functions.js';
import { scratch } from './arena.js';
import { readCString, readNumbers, readPointerArray, toJs } from './decode.js';
import { decodeStruct, decodeStructArray } from './struct-decoder.js';
import { checkTypedParameters, decodePopulatedTypedParameters, decodeTypedParameters, encodeTypedParameters } from './typed-params.js';
import type { TypedParameter } from './typed-params.js';
import { findCallback, freeCallbackFor, isNativeCallback, registerCallback, unregisterCallback } from './callbacks.js';
import type { CallbackArg, NativeCallback } from './callbacks.js';
import type { ArgSpec, FunctionSpec, ValueType } from './spec.js';

export interface CallContext {
  spec: FunctionSpec;
  /** Public argument values by name. */
  byName: Map<string, unknown>;
  /** Native values kept per argument (buffers, boxes, registered callbacks). */
  native: Map<string, unknown>;
  keepAlive: unknown[];
  /** Run after the call whether it failed or not; `failed` tells which. */
  cleanups: ((failed: boolean) => void)[];
  ret: unknown;
  failed: boolean;
}

type Of<R extends ArgSpec['role']> = Extract<ArgSpec, { role: R }>;
type KType = TypeObject | string | ReturnType<typeof koffi.out>;

export interface RoleHandler<A extends ArgSpec> {
  isPublic(a: A): boolean;
  ffi(a: A): KType;
  check?(a: A, ctx: CallContext): void;
  before(a: A, ctx: CallContext): unknown;
  /** Runs once all native arguments exist; may make a first sizing call. */
  prepare?(a: A, ctx: CallContext, nativeArgs: unknown[], native: (...args: unknown[]) => unknown): void;
  after?(a: A, ctx: CallContext): unknown;
}

const ptrTo = (t: TypeObject | string): TypeObject => koffi.pointer(t);

function checkValue(type: ValueType, value: unknown, ctx: CallContext, name: string): void {
  if (type.js === 'handle') {
    if (!(value === null && type.nullable)) checkHandle(value, ctx.spec.name, name);
    return;
  }
  valueCheck(type)?.(value, ctx.spec.name, name);
}

function adoptValue(type: ValueType, value: unknown): unknown {
  if (type.js === 'handle' && typeof value === 'bigint') adoptHandle(value);
  return toJs(value, type);
}

function lengthOf(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (Array.isArray(value)) return value.length;
  if (value instanceof Uint8Array) return value.byteLength;
  throw new TypeError(`expected an array or bytes, got ${typeof value}`);
}

function argIndex(ctx: CallContext, name: string): number {
  return ctx.spec.args.findIndex((x) => x.name === name);
}

const inRole: RoleHandler<Of<'in'>> = {
  isPublic: () => true,
  ffi: (a) => koffiType(a.type.ffi),
  check: (a, ctx) => checkValue(a.type, ctx.byName.get(a.name), ctx, a.name),
  before: (a, ctx) => ctx.byName.get(a.name),
};

const lengthRole: RoleHandler<Of<'length'>> = {
  isPublic: () => false,
  ffi: (a) => a.ffi,
  // A size expression may name this length (size='npages*cellCount'): make its value readable
  // before any buffer is sized. What is not an array is left to that argument's own check.
  check: (a, ctx) => {
    const v = ctx.byName.get(a.of);
    if (!a.of.startsWith('sizeof:') && (v === null || v === undefined || Array.isArray(v) || v instanceof Uint8Array)) ctx.byName.set(a.name, lengthOf(v));
  },
  before: (a, ctx) => (a.of.startsWith('sizeof:') ? sizeOf(a.of.slice(7)) : lengthOf(ctx.byName.get(a.of))),
};

const outRole: RoleHandler<Of<'out'>> = {
  isPublic: () => false,
  // An owned string arrives as a raw pointer so it can be freed after copying.
  ffi: (a) => koffi.out(ptrTo(a.owned ? 'void *' : koffiType(a.type.ffi))),
  before: (a, ctx) => boxed(ctx, a.name, [null]),
  after: (a, ctx) => {
    const v = (ctx.native.get(a.name) as unknown[])[0];
    if (!a.owned || v === null) return adoptValue(a.type, v);
    const s = readCString(v);
    freeNative(v);
    return s;
  },
};

const inoutRole: RoleHandler<Of<'inout'>> = {
  isPublic: () => true,
  ffi: (a) => koffi.inout(ptrTo(koffiType(a.type.ffi))),
  check: (a, ctx) => {
    const v = ctx.byName.get(a.name);
    if (!Array.isArray(v) || v.length !== 1) {
      throw tsvirtError(VIR_ERR_INVALID_ARG, ctx.spec.name, `${ctx.spec.name}: ${a.name} must be a one-element array that receives the updated value`);
    }
  },
  before: (a, ctx) => ctx.byName.get(a.name),
};

const countRole: RoleHandler<Of<'count'>> = {
  isPublic: (a) => a.input === true,
  ffi: (a) => koffi.inout(ptrTo(a.ffi)),
  check: (a, ctx) => {
    const v = ctx.byName.get(a.name);
    if (a.input && v !== undefined && v !== null) valueCheck({ ffi: a.ffi, js: 'number' })?.(v, ctx.spec.name, a.name);
  },
  before: (a, ctx) => boxed(ctx, a.name, [a.input ? Number(ctx.byName.get(a.name) ?? 0) : 0]),
};

function boxed(ctx: CallContext, name: string, box: unknown[]): unknown[] {
  ctx.native.set(name, box);
  return box;
}

const structOut: RoleHandler<Of<'struct-out'>> = {
  isPublic: () => false,
  ffi: () => 'void *',
  before: (a, ctx) => {
    const buf = scratch(sizeOf(a.struct));
    if (a.freeFields) freeFieldsAfterCall(ctx, a.struct, a.freeFields, buf, 1);
    return boxed(ctx, a.name, [buf])[0];
  },
  after: (a, ctx) => {
    const buf = (ctx.native.get(a.name) as Buffer[])[0] as Buffer;
    const value = decodeStruct(a.struct, buf);
    if (a.reset) releaseWith(ctx.spec.lib, a.reset)(buf);
    return value;
  },
};

const structIn: RoleHandler<Of<'struct-in'>> = {
  isPublic: () => true,
  ffi: (a) => koffi.pointer(koffiType(a.struct)),
  before: (a, ctx) => ctx.byName.get(a.name),
};

const bytesIn: RoleHandler<Of<'bytes-in'>> = {
  isPublic: () => true,
  ffi: () => 'void *',
  check: (a, ctx) => {
    const v = ctx.byName.get(a.name);
    if (v !== null && !(v instanceof Uint8Array)) throw tsvirtError(VIR_ERR_INVALID_ARG, ctx.spec.name, `${ctx.spec.name}: ${a.name} must be a Uint8Array`);
    if (a.fixed !== undefined && (v === null || (v as Uint8Array).byteLength !== a.fixed)) {
      throw tsvirtError(VIR_ERR_INVALID_ARG, ctx.spec.name, `${ctx.spec.name}: ${a.name} must be exactly ${a.fixed} bytes`);
    }
  },
  before: (a, ctx) => ctx.byName.get(a.name),
};

const bytesOut: RoleHandler<Of<'bytes-out'>> = {
  isPublic: () => false,
  ffi: () => 'void *',
  before: (a, ctx) => boxed(ctx, a.name, [scratch(evalSize(a.size, ctx.byName, ctx.spec.name))])[0],
  after: (a, ctx) => {
    const buf = (ctx.native.get(a.name) as Buffer[])[0] as Buffer;
    if (a.as === 'string') {
      const end = buf.indexOf(0);
      return buf.toString('utf8', 0, end < 0 ? buf.length : end);
    }
    // A copy: the scratch memory is reused by the next call.
    return Buffer.from(a.used === 'ret' ? buf.subarray(0, Math.max(0, Number(ctx.ret))) : buf);
  },
};

const arrayIn: RoleHandler<Of<'array-in'>> = {
  isPublic: () => true,
  ffi: (a) => koffi.pointer(koffiType(a.elem.ffi)),
  check: (a, ctx) => {
    const v = ctx.byName.get(a.name);
    if (v === null) return;
    if (!Array.isArray(v)) throw tsvirtError(VIR_ERR_INVALID_ARG, ctx.spec.name, `${ctx.spec.name}: ${a.name} must be an array`);
    v.forEach((x, i) => checkValue(a.elem, x, ctx, `${a.name}[${i}]`));
  },
  before: (a, ctx) => {
    const v = ctx.byName.get(a.name) as unknown[] | null;
    if (v === null) return null;
    return a.nullTerminated ? [...v, null] : v;
  },
};

const arrayOut: RoleHandler<Of<'array-out'>> = {
  isPublic: () => false,
  ffi: () => 'void *',
  before: (a, ctx) => {
    // A size of 0 passes NULL: libvirt then reports how many entries it has.
    const n = evalSize(a.size, ctx.byName, ctx.spec.name);
    const buf = n === 0 ? null : scratch(n * elemSize(a.elem));
    if (buf && a.clear) {
      const clear = a.clear;
      ctx.cleanups.push((failed) => { if (!failed) releaseWith(ctx.spec.lib, clear, true)(buf, n); });
    }
    if (buf && a.freeFields) freeFieldsAfterCall(ctx, a.elem.ref as string, a.freeFields, buf, n);
    return boxed(ctx, a.name, [buf, n])[0];
  },
  after: (a, ctx) => {
    const [buf, size] = ctx.native.get(a.name) as [Buffer | null, number];
    if (buf === null) return [];
    const n = a.used === 'ret' ? Math.min(size, Number(ctx.ret)) : size;
    return readElements(a.elem, buf, n, a.freeElements ?? false);
  },
};

/**
 * free() the `fields` (char *) of the `n` structs in `buf` when the call is over: cleanups run
 * after the results are read, once per call, whether it failed or not. A failed call may have
 * set some: libvirt's drivers free and NULL what they allocated before failing (VIR_FREE), but
 * not all did (the remote driver's virDomainGetDiskErrors freed one index over and over, leaving
 * the others set), and a NULL one is skipped. What libvirt did not set is NULL: scratch memory
 * is zeroed.
 */
function freeFieldsAfterCall(ctx: CallContext, struct: string, fields: readonly string[], buf: Buffer, n: number): void {
  ctx.cleanups.push(() => freeStringFields(struct, fields, buf, n));
}

/** free() the `fields` (char *) of `n` structs in `buf` that are not NULL. */
function freeStringFields(struct: string, fields: readonly string[], buf: Buffer, n: number): void {
  const size = sizeOf(struct);
  const offsets = fields.map((f) => koffiOffsetOf(struct, f));
  for (let i = 0; i < n; i++) {
    for (const at of offsets) {
      const p = buf.readBigUInt64LE(i * size + at);
      if (p !== 0n) freeNative(p);
    }
  }
}

function elemSize(elem: ValueType): number {
  if (elem.js === 'string' || elem.js === 'pointer' || elem.js === 'handle') return 8;
  return sizeOf(elem.js === 'struct' ? (elem.ref as string) : elem.ffi);
}

/** `n` elements stored at `source`; strings that libvirt allocated are freed when `owned`. */
function readElements(elem: ValueType, source: unknown, n: number, owned: boolean): unknown[] {
  if (n === 0) return [];
  // Caller arrays of typed parameters may hold zeroed slots libvirt did not populate.
  if (elem.js === 'struct' && elem.ref === 'virTypedParameter') return decodePopulatedTypedParameters(source, n);
  if (elem.js === 'struct') return decodeStructArray(elem.ref as string, source, n);
  if (elem.js === 'string') {
    return readPointerArray(source, n).map((p) => {
      if (p === null) return null;
      const s = readCString(p);
      if (owned) freeNative(p);
      return s;
    });
  }
  if (elem.js === 'handle' || elem.js === 'pointer') return readPointerArray(source, n).map((p) => adoptValue(elem, p));
  return readNumbers(source, elem, n);
}

const paramsIn: RoleHandler<Of<'params-in'>> = {
  isPublic: () => true,
  ffi: () => 'void *',
  check: (a, ctx) => {
    const v = ctx.byName.get(a.name);
    if (v !== null) checkTypedParameters(v as TypedParameter[]);
  },
  before: (a, ctx) => {
    const v = ctx.byName.get(a.name) as TypedParameter[] | null;
    if (v === null) return null;
    const keep: Buffer[] = [];
    ctx.keepAlive.push(keep);
    return encodeTypedParameters(v, keep);
  },
};

const queryOut: RoleHandler<Of<'query-out'>> = {
  isPublic: () => false,
  ffi: () => 'void *',
  before: () => null,
  prepare: (a, ctx, nativeArgs, native) => {
    // First call with NULL and a count of 0: libvirt writes the number of entries it has.
    // A count the caller gives (role 'count' with input) skips that sizing call.
    const count = ctx.native.get(a.countArg) as number[];
    const countSpec = ctx.spec.args.find((x) => x.name === a.countArg);
    if (!(countSpec?.role === 'count' && countSpec.input)) {
      // A failed sizing call fails the call with its own error: a second call with NULL and 0
      // would be another sizing call, and its success would read as an empty array.
      if (Number(native(...nativeArgs)) === -1) {
        ctx.failed = true;
        throw failure(ctx.spec.name);
      }
    }
    const n = Number(count[0]);
    const buf = scratch(Math.max(1, n) * sizeOf(a.struct));
    nativeArgs[argIndex(ctx, a.name)] = buf;
    ctx.native.set(a.name, [buf, n]);
    if (a.clear) {
      const clear = a.clear;
      ctx.cleanups.push((failed) => { if (!failed) releaseWith(ctx.spec.lib, clear, true)(buf, filledCount(count, n)); });
    }
    // Every struct allocated, not the count the call writes back: the rest are zero.
    if (a.freeFields) freeFieldsAfterCall(ctx, a.struct, a.freeFields, buf, Math.max(1, n));
  },
  after: (a, ctx) => {
    const queried = ctx.native.get(a.name) as [Buffer, number] | undefined;
    if (queried === undefined) return [];
    const [buf, asked] = queried;
    const n = filledCount(ctx.native.get(a.countArg) as number[], asked);
    if (n === 0) return [];
    return a.struct === 'virTypedParameter' ? decodeTypedParameters(buf, n) : decodeStructArray(a.struct, buf, n);
  },
};

/**
 * How many entries of a queried array libvirt filled: the count it wrote back, but never more
 * than the `asked` it was given, which it fills at most. Asked for 0 (the count was 0 at the
 * sizing call), libvirt takes the call for another sizing call and writes back the count as it
 * is now, which may have grown since: it filled nothing, and the array holds one zeroed struct.
 */
function filledCount(count: number[], asked: number): number {
  return Math.max(0, Math.min(Number(count[0]), asked));
}

const listOut: RoleHandler<Of<'list-out'>> = {
  isPublic: () => false,
  ffi: () => koffi.out(koffi.pointer('void *')),
  before: (a, ctx) => boxed(ctx, a.name, [null]),
  after: (a, ctx) => {
    const p = (ctx.native.get(a.name) as unknown[])[0] as bigint | null;
    if (p === null) return [];
    try {
      return readListItems(a, ctx.spec.lib, p, listCount(a, ctx, p));
    } finally {
      if (a.freeList) releaseWith(ctx.spec.lib, a.freeList)(p);
      else freeNative(p);
    }
  },
};

function listCount(a: Of<'list-out'>, ctx: CallContext, p: bigint): number {
  if (a.count === 'ret') return Number(ctx.ret);
  if (a.count === 'bits:ret') return Math.ceil(Number(ctx.ret) / 8);
  return Number((ctx.native.get(a.count) as unknown[])[0]);
}

function readListItems(a: Of<'list-out'>, lib: LibraryId, p: bigint, n: number): unknown[] {
  if (a.elem.js === 'string' || a.elem.js === 'handle') return readElements(a.elem, p, n, true);
  if (a.elem.js !== 'struct') {
    // A plain C array (int **fdlist, virSecurityLabelPtr *): values stored inline.
    return readElements(a.elem, p, n, false);
  }
  const struct = a.elem.ref as string;
  if (a.inline) return decodeStructArray(struct, p, n);
  return readPointerArray(p, n).map((item) => {
    const value = item === null ? null : decodeStruct(struct, item);
    if (value) retainHandleFields(struct, value);
    if (item !== null && !a.freeList) (a.freeElement ? releaseWith(lib, a.freeElement)(item) : freeNative(item));
    return value;
  });
}

/** A handle inside a struct that is about to be freed gets its own reference (virDomainRef). */
function retainHandleFields(struct: string, value: Record<string, unknown>): void {
  for (const [name, v] of Object.entries(value)) {
    if (typeof v !== 'bigint' || !handleFieldRef.has(`${struct}.${name}`)) continue;
    releaseWith('libvirt', handleFieldRef.get(`${struct}.${name}`) as string)(v);
    adoptHandle(v);
  }
}

/** Handle-typed struct fields and the function that takes a reference; filled by registerHandleField. */
const handleFieldRef = new Map<string, string>();
export function registerHandleField(struct: string, field: string, refFunction: string): void {
  handleFieldRef.set(`${struct}.${field}`, refFunction);
}

const paramsOut: RoleHandler<Of<'params-out'>> = {
  isPublic: () => false,
  ffi: () => koffi.out(koffi.pointer('void *')),
  before: (a, ctx) => boxed(ctx, a.name, [null]),
  after: (a, ctx) => {
    const p = (ctx.native.get(a.name) as unknown[])[0];
    const n = Number((ctx.native.get(a.countArg) as unknown[])[0]);
    if (p === null) return [];
    try {
      return decodeTypedParameters(p, n);
    } finally {
      releaseWith('libvirt', 'virTypedParamsFree', true)(p, n);
    }
  },
};

const callbackRole: RoleHandler<Of<'callback'>> = {
  isPublic: () => true,
  ffi: (a) => koffiType(a.functype),
  before: (a, ctx) => {
    const fn = ctx.byName.get(a.name) as CallbackArg | NativeCallback | null;
    if (fn === null) return null;
    if (isNativeCallback(fn)) return fn.native;
    if (a.lifetime === 'lookup') return findCallback(fn);
    const ptr = registerCallback(fn, a.functype);
    ctx.native.set(a.name, ptr);
    if (a.lifetime === 'call') ctx.cleanups.push(() => unregisterCallback(fn, ptr));
    if (a.lifetime === 'freecb') ctx.cleanups.push((failed) => { if (failed) unregisterCallback(fn, ptr); });
    return ptr;
  },
};

const freecbRole: RoleHandler<Of<'freecb'>> = {
  isPublic: () => false,
  ffi: () => koffiType('virFreeCallback'),
  before: () => null,
  prepare: (a, ctx, nativeArgs) => {
    const cb = ctx.spec.args.find((x) => x.role === 'callback' && x.lifetime === 'freecb');
    if (!cb) return;
    const fn = ctx.byName.get(cb.name) as CallbackArg | NativeCallback | null;
    if (isNativeCallback(fn)) {
      nativeArgs[argIndex(ctx, a.name)] = fn.freecb ?? null;
      return;
    }
    const ptr = ctx.native.get(cb.name) as bigint | undefined;
    if (fn === null || ptr === undefined) return;
    const free = freeCallbackFor(fn, ptr);
    nativeArgs[argIndex(ctx, a.name)] = free;
    ctx.cleanups.push((failed) => { if (failed) koffi.unregister(free); });
  },
};

const table: { [R in ArgSpec['role']]: RoleHandler<Of<R>> } = {
  'in': inRole, 'length': lengthRole, 'out': outRole, 'inout': inoutRole, 'count': countRole,
  'struct-out': structOut, 'struct-in': structIn, 'bytes-in': bytesIn, 'bytes-out': bytesOut,
  'array-in': arrayIn, 'array-out': arrayOut, 'params-in': paramsIn, 'query-out': queryOut,
  'list-out': listOut, 'params-out': paramsOut, 'callback': callbackRole, 'freecb': freecbRole,
};

/** The arguments a caller passes (the generated function's parameters), in order. */
export function publicArgs(spec: FunctionSpec): ArgSpec[] {
  return spec.args.filter((a) => roleOf(a).isPublic(a));
}

/** The handler for an argument, whatever its role. */
export function roleOf(a: ArgSpec): RoleHandler<ArgSpec> {
  return table[a.role] as RoleHandler<ArgSpec>;
}
