// defineFunction: turns a FunctionSpec into a callable. Binding is lazy (first call) and version
// gated; every argument is marshalled by its role; failures become LibvirtError read on the
// calling thread right after the call; memory libvirt hands over is copied and released.
import { openLibrary, type NativeCall, type TypeObject } from './native.js';
import { tsvirtError, VIR_ERR_INVALID_ARG, VIR_ERR_NO_SUPPORT } from './errors.js';
import { ensureSupportedLibrary, failure, lastError, loadedLibvirtVersion } from './library-state.js';
import { symbolTooNewReason, formatVersion } from './version.js';
import { checkHandle, releaseHandle, retainHandle } from './handles.js';
import { valueCheck, type ValueCheck } from './arg-checks.js';
import { koffiType } from './types.js';
import { publicArgs, roleOf, type CallContext } from './roles.js';
import { compileResult } from './results.js';
import { enterCall, leaveCall, scratch } from './arena.js';
import { sizeOf } from './types.js';
import { bufferDecoder, fixedDecoder } from './struct-decoder.js';
import { specialize } from './specialize.js';
import type { ArgSpec, FunctionSpec } from './spec.js';

export type NativeFunction = (...args: unknown[]) => unknown;

const specs = new Map<string, FunctionSpec>();

/** The spec of a generated function, for layers that marshal calls themselves (the SDK's thread pool). */
export function functionSpec(name: string): FunctionSpec | undefined {
  return specs.get(name);
}

const rawBound = new Map<string, NativeCall>();

/**
 * The bound C function itself, without marshalling, checks or handle bookkeeping: for layers
 * that own their objects' lifetimes (the SDK releases its references through this).
 */
export function rawFunction(name: string): NativeCall {
  return perFunction(rawBound, name, bind);
}

/** `cache`'s entry for generated function `name`, built from its spec the first time. */
function perFunction<T>(cache: Map<string, T>, name: string, build: (spec: FunctionSpec) => T): T {
  let entry = cache.get(name);
  if (entry === undefined) {
    const spec = specs.get(name);
    if (!spec) throw new TypeError(`tsvirt: no generated function ${name}`);
    entry = build(spec);
    cache.set(name, entry);
  }
  return entry;
}

/**
 * The checks a call of generated function `name` makes of its public arguments before C sees
 * them, without making it: for layers that run the call elsewhere (the SDK's call threads) and
 * want a bad argument reported where it was given.
 */
export function checkArguments(name: string, values: readonly unknown[]): void {
  perFunction(argumentCheckers, name, argumentChecker)(values);
}

const argumentCheckers = new Map<string, (values: readonly unknown[]) => void>();

/**
 * One function's checks, built once. Where only `in` arguments are checked (most functions),
 * each is checked directly; otherwise the roles check a call context, as a call does.
 */
function argumentChecker(spec: FunctionSpec): (values: readonly unknown[]) => void {
  const name = spec.name;
  const given = publicArgs(spec);
  if (spec.args.every((a) => a.role === 'in' || roleOf(a).check === undefined)) {
    const checks = given.map((a) => {
      if (a.role !== 'in') return { arg: a, check: undefined };
      const t = a.type;
      const check: ValueCheck | undefined = t.js === 'handle'
        ? (v, func, arg) => { if (!(v === null && t.nullable)) checkHandle(v, func, arg); }
        : valueCheck(t);
      return { arg: a, check };
    });
    return (values) => {
      for (let i = 0; i < checks.length; i++) {
        const { arg, check } = checks[i] as (typeof checks)[number];
        const v = values[i] === undefined ? defaultOf(arg) : values[i];
        if (v === undefined) throw missing(name, arg);
        check?.(v, name, arg.name);
      }
    };
  }
  return (values) => {
    const byName = new Map<string, unknown>();
    given.forEach((a, i) => {
      const v = values[i] === undefined ? defaultOf(a) : values[i];
      if (v === undefined) throw missing(name, a);
      byName.set(a.name, v);
    });
    const ctx = { spec, byName } as CallContext;
    for (const a of spec.args) roleOf(a).check?.(a, ctx);
  };
}

/** What a left-out argument stands for (a trailing `flags`: 0); undefined where it must be given. */
const defaultOf = (a: ArgSpec): number | undefined => (a.role === 'in' ? a.default : undefined);

export function defineFunction(spec: FunctionSpec): NativeFunction {
  specs.set(spec.name, spec);
  let invoker: Invoker | undefined;
  const get = (): Invoker => (invoker ??= compile(spec, bind(spec)));
  // Fixed parameters instead of a rest array where the arity allows: a rest parameter allocates
  // an array on every call. (The C arity bounds the public one, and needs no work at import.)
  if (spec.args.length <= 4) return (a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown): unknown => get()(a0, a1, a2, a3, noMore);
  return (a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, ...more: unknown[]): unknown => get()(a0, a1, a2, a3, more);
}

const noMore: unknown[] = Object.freeze([]) as unknown as unknown[];

/** Calls with the first four arguments apart and the rest in `more`. */
type Invoker = (a0: unknown, a1: unknown, a2: unknown, a3: unknown, more: unknown[]) => unknown;

const valuesOf = (a0: unknown, a1: unknown, a2: unknown, a3: unknown, more: unknown[]): unknown[] => [a0, a1, a2, a3, ...more];

/**
 * The invoker for one function, built once. Functions whose arguments are all passed as given
 * (most getters) take a direct path: no per-call bookkeeping beyond handle checks.
 */
function compile(spec: FunctionSpec, native: NativeCall): Invoker {
  if (spec.args.every((a) => a.role === 'in')) return directInvoker(spec, native);
  const { keepResult } = resultLayout(spec);
  const outs = spec.args.filter((a) => a.role !== 'in');
  // The fast paths return the one buffer alone. A C result kept beside it (virDomainGetBlockJobInfo's
  // 1 or 0, "a job or none") goes through the roles, which shape both as the generated type says.
  const out = outs.length === 1 && !keepResult ? outs[0] : undefined;
  // A struct with something to release goes through the roles, whose cleanups release it.
  if (out?.role === 'struct-out' && !out.reset && !out.freeFields) {
    const struct = out.struct;
    return oneBufferInvoker(spec, native, sizeOf(struct), bufferDecoder(struct), (own) => fixedDecoder(struct, own));
  }
  if (out?.role === 'bytes-out' && typeof out.size === 'number' && out.used === undefined) {
    const asString = out.as === 'string';
    return oneBufferInvoker(spec, native, out.size, (buf) => (asString ? cString(buf) : Buffer.from(buf)));
  }
  const given = publicArgs(spec);
  const failed = failureTest(spec);
  return (a0, a1, a2, a3, more) => {
    const values = valuesOf(a0, a1, a2, a3, more);
    const byName = new Map<string, unknown>();
    given.forEach((a, i) => {
      if (values[i] === undefined) throw missing(spec.name, a);
      byName.set(a.name, values[i]);
    });
    return invoke(spec, native, byName, failed, keepResult);
  };
}

/** The value checks of a function's plain `in` arguments (not handles): position, name, check. */
function plainChecks(spec: FunctionSpec): (readonly [number, string, ValueCheck])[] {
  return spec.args.flatMap((a, i) => {
    const check = a.role === 'in' ? valueCheck(a.type) : undefined;
    return check ? [[i, a.name, check] as const] : [];
  });
}

function directInvoker(spec: FunctionSpec, native: NativeCall): Invoker {
  const arity = spec.args.length;
  const handles = spec.args.flatMap((a, i) => (a.role === 'in' && a.type.js === 'handle' && !a.type.nullable ? [[i, a.name] as const] : []));
  const plain = plainChecks(spec);
  const failed = failureTest(spec);
  const result = compileResult(spec);
  const name = spec.name;
  const finish = (ret: unknown, first: unknown): unknown => {
    if (failed(ret)) throw failure(name);
    if (spec.handleEffect) trackLifetime(spec, first as bigint);
    return result(ret, null);
  };
  const firstIsHandle = handles.length === 1 && handles[0]?.[0] === 0;
  const firstName = spec.args[0]?.name ?? '';
  // The common getter shapes get their own closures: one handle, or a handle and one value.
  if (arity === 1 && firstIsHandle && !spec.handleEffect) {
    // The hottest shape (virDomainGetName, virDomainGetID, ...): nothing but the checks.
    return specialize(`${name}$call`, { checkHandle, native, failed, failure, result, name, firstName }, ['a0'], `
      checkHandle(a0, name, firstName);
      const ret = native(a0);
      if (failed(ret)) throw failure(name);
      return result(ret, null);`);
  }
  if (arity === 1 && firstIsHandle) return (a0) => { checkHandle(a0, name, firstName); return finish(native(a0), a0); };
  const secondName = spec.args[1]?.name ?? '';
  const second = plain.length === 1 && plain[0]?.[0] === 1 ? plain[0][2] : undefined;
  if (arity === 2 && firstIsHandle && (second || plain.length === 0)) {
    return (a0, a1) => {
      checkHandle(a0, name, firstName);
      if (a1 === undefined) throw missing(name, spec.args[1]);
      second?.(a1, name, secondName);
      return finish(native(a0, a1), a0);
    };
  }
  return (a0, a1, a2, a3, more) => {
    const values = valuesOf(a0, a1, a2, a3, more).slice(0, arity);
    for (let i = 0; i < arity; i++) if (values[i] === undefined) throw missing(name, spec.args[i]);
    for (const [i, arg] of handles) checkHandle(values[i], name, arg);
    for (const [i, arg, check] of plain) check(values[i], name, arg);
    return finish(native(...values), values[0]);
  };
}

/** Text up to the first NUL of a filled-in char buffer. */
function cString(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.toString('utf8', 0, end < 0 ? buf.length : end);
}

/**
 * All arguments given but one fixed-size buffer the function fills: a struct (virDomainGetInfo
 * and its kind) or bytes (UUIDs). The result is copied out of the scratch memory, and is the
 * whole answer: the C result only says whether the call failed (compile sends any other way).
 */
function oneBufferInvoker(
  spec: FunctionSpec, native: NativeCall, size: number, read: (buf: Buffer) => unknown,
  readOwn: (own: Buffer) => () => unknown = (own) => () => read(own),
): Invoker {
  const at = spec.args.findIndex((a) => a.role !== 'in');
  const handles = spec.args.flatMap((a, i) => (a.role === 'in' && a.type.js === 'handle' ? [[i, a.name] as const] : []));
  const plain = plainChecks(spec);
  const failed = failureTest(spec);
  const name = spec.name;
  const decode = (ret: unknown, buf: Buffer): unknown => {
    if (failed(ret)) throw failure(name);
    return read(buf);
  };
  if (spec.args.length === 2 && at === 1 && handles[0]?.[0] === 0) {
    const first = handles[0][1];
    // The hottest struct shape (virDomainGetInfo and its kind) gets a buffer of its own: off-heap
    // (koffi passes those fastest), zeroed per call, and only lent to the next call once this
    // one has decoded it. A call made while it is lent (from a callback) takes scratch memory.
    const own = Buffer.allocUnsafeSlow(Math.max(size, 1));
    const bytes = new Uint8Array(own.buffer, own.byteOffset, own.byteLength);
    const readBack = readOwn(own);
    const nested = (a0: unknown): unknown => withScratch(size, (buf) => decode(native(a0, buf), buf));
    return specialize(`${name}$call`, { checkHandle, native, failed, failure, readBack, name, first, own, bytes, nested }, ['a0'], `
      checkHandle(a0, name, first);
      if (lent) return nested(a0);
      lent = true;
      try {
        bytes.fill(0);
        const ret = native(a0, own);
        if (failed(ret)) throw failure(name);
        return readBack();
      } finally {
        lent = false;
      }`, 'let lent = false;');
  }
  return (a0, a1, a2, a3, more) => {
    const values = valuesOf(a0, a1, a2, a3, more);
    const args = new Array<unknown>(spec.args.length);
    for (let i = 0, j = 0; i < args.length; i++) {
      if (i === at) continue;
      if (values[j] === undefined) throw missing(name, spec.args[i]);
      args[i] = values[j++];
    }
    for (const [i, arg] of handles) checkHandle(args[i], name, arg);
    for (const [i, arg, check] of plain) check(args[i], name, arg);
    return withScratch(size, (buf) => {
      args[at] = buf;
      return decode(native(...args), buf);
    });
  };
}

/** Runs `use` with `size` bytes of scratch memory that stay valid until it returns. */
function withScratch<T>(size: number, use: (buf: Buffer) => T): T {
  enterCall();
  try {
    return use(scratch(size));
  } finally {
    leaveCall();
  }
}

/**
 * Every argument must be given (null where C accepts NULL); undefined is a caller's slip. The
 * hint names what to pass: a trailing `flags` left out is the usual slip.
 */
function missing(func: string, arg: ArgSpec | undefined): Error {
  return tsvirtError(VIR_ERR_INVALID_ARG, func, `${func}: argument ${arg?.name ?? '?'} is missing (${missingHint(arg)})`);
}

function missingHint(arg: ArgSpec | undefined): string {
  const type = arg && 'type' in arg ? arg.type : undefined;
  if (type?.js === 'number' || type?.js === 'bigint') return arg?.name === 'flags' ? 'a number: 0 for no flags' : `a ${type.js}`;
  if (type?.js === 'handle') return `a ${type.ref ?? 'handle'}${type.nullable ? ' or null' : ''}`;
  if (type?.js === 'string') return 'a string, or null where C accepts NULL';
  return 'pass null where C accepts NULL';
}

/** A test for the function's failure value, specialised once. */
function failureTest(spec: FunctionSpec): (ret: unknown) => boolean {
  const e = spec.ret.error;
  if (e === undefined) return () => false;
  // A nullable result is NULL both for "nothing" and for failure; libvirt sets an error only for the latter.
  if (e === null) return spec.ret.nullable ? (ret) => ret === null && lastError() !== null : (ret) => ret === null;
  if (typeof e === 'string') {
    const big = BigInt(e);
    return (ret) => BigInt(ret as bigint) === big;
  }
  return (ret) => ret === e || Number(ret) === e;
}

function bind(spec: FunctionSpec): NativeCall {
  ensureSupportedLibrary(spec.name);
  const tooNew = symbolTooNewReason(spec.name, spec.since, loadedLibvirtVersion());
  if (tooNew) throw tsvirtError(VIR_ERR_NO_SUPPORT, spec.name, tooNew);
  const retType = spec.ret.type === null ? 'void' : resultFfi(spec);
  const argTypes = spec.args.map((a) => roleOf(a).ffi(a));
  try {
    return openLibrary(spec.lib).func(spec.name, retType, argTypes) as NativeCall;
  } catch (cause) {
    const err = tsvirtError(VIR_ERR_NO_SUPPORT, spec.name,
      `${spec.name} (libvirt >= ${spec.since ?? 'unknown'}) is not in the loaded ${spec.lib} ${formatVersion(loadedLibvirtVersion())}: ${(cause as Error).message}`);
    throw err;
  }
}

/** Owned strings and buffers come back as raw pointers so they can be freed after copying. */
function resultFfi(spec: FunctionSpec): TypeObject | string {
  const t = spec.ret.type;
  if (!t) return 'void';
  if (spec.ret.owned || t.js === 'struct') return 'void *';
  return koffiType(t.ffi);
}

function invoke(spec: FunctionSpec, native: NativeCall, byName: Map<string, unknown>, failed: (ret: unknown) => boolean, keepResult: boolean): unknown {
  const ctx: CallContext = { spec, byName, native: new Map(), keepAlive: [], cleanups: [], ret: undefined, failed: false };
  enterCall();
  try {
    for (const a of spec.args) roleOf(a).check?.(a, ctx);
    const nativeArgs = spec.args.map((a) => roleOf(a).before(a, ctx));
    for (const a of spec.args) roleOf(a).prepare?.(a, ctx, nativeArgs, native);
    ctx.ret = native(...nativeArgs);
    ctx.failed = failed(ctx.ret);
    if (ctx.failed) throw failure(spec.name);
    if (spec.handleEffect) trackLifetime(spec, byName.get((spec.args[0] as ArgSpec).name) as bigint);
    const outs: [string, unknown][] = [];
    for (const a of spec.args) {
      const h = roleOf(a);
      if (h.after) outs.push([a.name, h.after(a, ctx)]);
    }
    return shape(keepResult, compileResult(spec)(ctx.ret, ctx), outs);
  } finally {
    for (const c of ctx.cleanups.reverse()) c(ctx.failed);
    leaveCall();
  }
}

function trackLifetime(spec: FunctionSpec, ptr: bigint): void {
  if (spec.handleEffect === 'release') releaseHandle(ptr);
  else retainHandle(ptr);
}

/** How a function's result is laid out: its out-parameters, and whether the C result is kept. */
export function resultLayout(spec: FunctionSpec): { outs: ArgSpec[]; keepResult: boolean } {
  const outs = spec.args.filter((a) => roleOf(a).after !== undefined);
  const keepResult = spec.ret.type !== null && (outs.length === 0 || spec.ret.use === 'value');
  return { outs, keepResult };
}

/** No outs: the C result. One out and no kept result: that out. Otherwise an object by name. */
function shape(keepResult: boolean, result: unknown, outs: [string, unknown][]): unknown {
  if (outs.length === 0) return keepResult ? result : undefined;
  if (!keepResult && outs.length === 1) return (outs[0] as [string, unknown])[1];
  const obj: Record<string, unknown> = Object.fromEntries(outs);
  if (keepResult) obj['result'] = result;
  return obj;
}
