// The generic method surface: every C function whose first argument is a class's handle
// becomes a method of that class, named by method-names.ts. Calls that may block run on the
// call threads and return a Promise; local reads of a handle stay synchronous; functions that
// take callbacks run on the calling thread (a JS callback must run on its own thread).
import * as generated from '../../generated/index.js';
import { checkArguments, describeValue, functionSpec, publicArgs, rawFunction, tsvirtError, VIR_ERR_INVALID_ARG } from '../ffi/index.js';
import type { ArgSpec, FunctionSpec } from '../ffi/index.js';
import { sharedPool } from './engine/call-pool.js';
import { wrapFor, type LibvirtObject } from './libvirt-object.js';
import { excludedFunctions, handleOfClass, localReads, methodName, type SdkClass } from './method-names.js';
import { isInstance, resultWrapper, unwrapArg } from './wrap.js';
import { classOfHandle } from './method-names.js';
import { objectToParams, type TypedParameterValues } from './typed-params.js';
import { choiceSetting } from './env-settings.js';
import { Stream } from './stream.js';

const functions = generated as unknown as Record<string, (...args: unknown[]) => unknown>;

/** C function -> the class and method that reach it; the coverage test reads this. */
export const methodTable = new Map<string, { owner: SdkClass; method: string }>();

/** C functions whose first argument is `owner`'s handle. */
export function functionsOwnedBy(owner: SdkClass): string[] {
  return Object.keys(functions).filter((name) => {
    const first = functionSpec(name)?.args[0];
    return first?.role === 'in' && first.type.js === 'handle' && first.type.ref === handleOfClass(owner);
  });
}

/**
 * Runs a generated function for an SDK method, where it belongs. `then`, when given, maps the
 * generated function's raw result instead of the generic wrapping (handles to objects, enum
 * fields to names): a hand-written typed result does that work once, for the hot paths. For a
 * call that runs on a call thread it runs as the answer arrives, which saves chaining a Promise
 * per call.
 */
export function invoke(fn: string, args: unknown[], then?: (value: unknown) => unknown): unknown {
  const plan = planOf(fn);
  if (plan.local) {
    plan.checkObjects(args);
    return finisher(plan, then)((functions[fn] as (...a: unknown[]) => unknown)(...args.map(unwrapArg)));
  }
  try {
    return invokeAsync(fn, args, plan, then);
  } catch (err) {
    // A Promise-returning method reports every failure through its Promise.
    return Promise.reject(err);
  }
}

/** What invoke needs to know of a function, worked out once per function. */
interface Plan {
  /** Turns the result into what the method returns (SDK objects for handles). */
  wrap: (value: unknown) => unknown;
  /** For a handle libvirt lends: takes the caller's own reference first (`wrap` includes it). */
  own: ((value: unknown) => unknown) | undefined;
  /** A read of the handle that never leaves the process: runs here, synchronously. */
  local: boolean;
  /** Functions with callback arguments run here (see callbacks in the ffi runtime). */
  inline: boolean;
  /** Positions of typed-parameter arguments, which may be given as objects. */
  paramsAt: number[];
  /**
   * The result holds objects libvirt cannot be asked the connection of, and the first argument
   * is that connection: the wrap is told it (see wrapFor).
   */
  tellsConnection: boolean;
  /** Throws unless every handle argument is an SDK object of its class (or null where C allows). */
  checkObjects: (args: readonly unknown[]) => void;
}

const plans = new Map<string, Plan>();

function planOf(fn: string): Plan {
  let plan = plans.get(fn);
  if (!plan) {
    const spec = functionSpec(fn);
    const convert = resultWrapper(fn);
    const own = spec?.ret.borrowed ? ownReference(spec.ret.type?.ref as string) : undefined;
    plan = {
      wrap: own ? (value) => convert(own(value)) : convert,
      own,
      local: localReads.has(fn),
      inline: spec?.args.some((a) => a.role === 'callback') ?? false,
      paramsAt: (spec ? publicArgs(spec) : []).flatMap((a, i) => (a.role === 'params-in' ? [i] : [])),
      tellsConnection: spec !== undefined && makesConnectionBlind(spec) && spec.args[0]?.role === 'in' && spec.args[0].type.ref === 'virConnectPtr',
      checkObjects: objectChecks(fn, spec ? publicArgs(spec) : []),
    };
    plans.set(fn, plan);
  }
  return plan;
}

/**
 * The SDK takes objects, never raw handles: a number or bigint where C expects a pointer would
 * be used as an address. Arrays of handles are checked element by element.
 */
function objectChecks(fn: string, args: readonly ArgSpec[]): (values: readonly unknown[]) => void {
  const checks = args.flatMap((a, i) => {
    const type = a.role === 'in' ? a.type : a.role === 'array-in' ? a.elem : undefined;
    if (type?.js !== 'handle') return [];
    const { cls, is } = handleKind(type.ref as string);
    return [{ i, name: a.name, cls, is, array: a.role === 'array-in', nullable: type.nullable === true }];
  });
  if (checks.length === 0) return () => undefined;
  const bad = (name: string, cls: string, value: unknown): Error =>
    tsvirtError(VIR_ERR_INVALID_ARG, fn, `${fn}: argument ${name} must be a ${cls}, got ${describeValue(value)}`);
  return (values) => {
    for (const { i, name, cls, is, array, nullable } of checks) {
      const v = values[i];
      if (v === null && (nullable || array)) continue;
      if (!array) {
        if (!is(v)) throw bad(name, cls, v);
        continue;
      }
      if (!Array.isArray(v)) throw bad(name, `array of ${cls}`, v);
      v.forEach((x: unknown, k) => { if (!is(x)) throw bad(`${name}[${k}]`, cls, x); });
    }
  };
}

/**
 * What a handle argument of type `ref` accepts: an object of its SDK class, or a Stream (an SDK
 * object with no generic methods of its own). A handle type with no SDK object accepts nothing
 * here (generated/ takes those): a bare number would reach C as an address.
 */
function handleKind(ref: string): { cls: string; is: (v: unknown) => boolean } {
  const cls = classOfHandle[ref];
  if (cls) return { cls, is: (v) => isInstance(v, cls) };
  if (ref === 'virStreamPtr') return { cls: 'Stream', is: (v) => v instanceof Stream };
  return { cls: `tsvirt object for ${ref}`, is: () => false };
}

/** Whether `spec` hands out handles of a kind with no GetConnect (node devices, nwfilters, ...). */
function makesConnectionBlind(spec: FunctionSpec): boolean {
  const made = [spec.ret.type, ...spec.args.map((a) => (a.role === 'out' ? a.type : a.role === 'list-out' || a.role === 'array-out' ? a.elem : undefined))];
  return made.some((t) => t?.js === 'handle' && functionSpec(`${(t.ref as string).replace(/Ptr$/, '')}GetConnect`) === undefined);
}

/**
 * A handle libvirt lends (the object's connection or domain) gets a reference of its own
 * (virConnectRef, virDomainRef, ...) before it is wrapped, so the SDK object made from it is
 * released like any other.
 */
function ownReference(handleType: string): (value: unknown) => unknown {
  const ref = rawFunction(`${handleType.replace(/Ptr$/, '')}Ref`);
  return (value) => {
    if (typeof value === 'bigint') ref(value);
    return value;
  };
}

/** What settles a call: the generic wrapping, or `then` on the raw result (after taking a lent handle's reference). */
function finisher(plan: Plan, then: ((value: unknown) => unknown) | undefined): (value: unknown) => unknown {
  if (!then) return plan.wrap;
  const own = plan.own;
  return own ? (value) => then(own(value)) : then;
}

function invokeAsync(fn: string, args: unknown[], plan: Plan, then?: (value: unknown) => unknown): Promise<unknown> {
  plan.checkObjects(args);
  const native = args.map(unwrapArg);
  for (const i of plan.paramsAt) native[i] = typedParametersArg(native[i], fn);
  // Checked here, where the call was made, not on the thread that runs it.
  checkArguments(fn, native);
  const finished = finisher(plan, then);
  const finish = plan.tellsConnection ? (value: unknown): unknown => wrapFor(native[0] as bigint, () => finished(value)) : finished;
  if (plan.inline) {
    try {
      return Promise.resolve(finish((functions[fn] as (...a: unknown[]) => unknown)(...native)));
    } catch (err) {
      return Promise.reject(err);
    }
  }
  // `args` stays referenced until the call settles: an SDK object passed here must not be
  // collected (and its reference released by the FinalizationRegistry) while a thread uses it.
  // Read before the call is queued: a setting refused after it would report a call that still runs as failed.
  callSites ??= choiceSetting('TSVIRT_CALL_STACKS', ['0', '1'], '0') === '1';
  const result = sharedPool().call(fn, native, finish, args);
  return callSites ? withCallSite(result, new Error('called from')) : result;
}

/**
 * TSVIRT_CALL_STACKS=1: an error of a call made on a call thread is created when its answer
 * arrives, so its stack shows the call pool, not the script. With the option, each call keeps
 * its call site (a stack capture, about a microsecond) and a failure's stack ends with it. Off by
 * default, for the cost.
 */
let callSites: boolean | undefined;

function withCallSite(result: Promise<unknown>, site: Error): Promise<unknown> {
  return result.catch((err: unknown) => {
    const frames = site.stack?.split('\n').slice(1).join('\n');
    // One error can reject many calls (a call pool closed under them): it gets the first site only.
    if (err instanceof Error && frames && !sited.has(err)) {
      sited.add(err);
      err.stack = `${err.stack ?? String(err)}\n    --- the call was made here:\n${frames}`;
    }
    throw err;
  });
}

const sited = new WeakSet<Error>();

/** Typed parameters given as an object are converted and checked here, before any call. */
function typedParametersArg(value: unknown, fn: string): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return objectToParams(value as TypedParameterValues, fn);
  return value;
}

/** Installs the generic methods on a class; methods the class defines itself are kept. */
export function installMethods(cls: { prototype: object }, owner: SdkClass): void {
  for (const fn of functionsOwnedBy(owner)) {
    if (fn in excludedFunctions) continue;
    const method = methodName(fn, owner);
    methodTable.set(fn, { owner, method });
    if (Object.prototype.hasOwnProperty.call(cls.prototype, method)) continue;
    Object.defineProperty(cls.prototype, method, {
      configurable: true, writable: true, enumerable: false,
      value: function (this: LibvirtObject, ...args: unknown[]): unknown { return invoke(fn, [this, ...args]); },
    });
  }
}

/** Records a hand-written method as the way to reach a C function. */
export function coveredBy(fn: string, owner: SdkClass, method: string): void {
  methodTable.set(fn, { owner, method });
}
