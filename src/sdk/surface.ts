// The generic method surface: every C function whose first argument is a class's handle
// becomes a method of that class, named by method-names.ts. Calls that may block run on the
// call threads and return a Promise; local reads of a handle stay synchronous; functions that
// take callbacks run on the calling thread (a JS callback must run on its own thread).
import * as generated from '../../generated/index.js';
import { functionSpec, publicArgs, rawFunction } from '../ffi/index.js';
import { sharedPool } from './engine/call-pool.js';
import type { LibvirtObject } from './libvirt-object.js';
import { excludedFunctions, localReads, methodName, type SdkClass } from './method-names.js';
import { resultWrapper, unwrapArg } from './wrap.js';
import { objectToParams, type TypedParameterValues } from './typed-params.js';

const functions = generated as unknown as Record<string, (...args: unknown[]) => unknown>;
const handleOf: Record<SdkClass, string> = {
  Connection: 'virConnectPtr', Domain: 'virDomainPtr', DomainSnapshot: 'virDomainSnapshotPtr', DomainCheckpoint: 'virDomainCheckpointPtr',
  StoragePool: 'virStoragePoolPtr', StorageVolume: 'virStorageVolPtr',
};

/** C function -> the class and method that reach it; the coverage test reads this. */
export const methodTable = new Map<string, { owner: SdkClass; method: string }>();

/** C functions whose first argument is `owner`'s handle. */
export function functionsOwnedBy(owner: SdkClass): string[] {
  return Object.keys(functions).filter((name) => {
    const first = functionSpec(name)?.args[0];
    return first?.role === 'in' && first.type.js === 'handle' && first.type.ref === handleOf[owner];
  });
}

/** Runs a generated function for an SDK method, where it belongs. */
export function invoke(fn: string, args: unknown[]): unknown {
  const plan = planOf(fn);
  if (plan.local) {
    const value = (functions[fn] as (...a: unknown[]) => unknown)(...args.map(unwrapArg));
    return plan.wrap(value);
  }
  try {
    return invokeAsync(fn, args, plan);
  } catch (err) {
    // A Promise-returning method reports every failure through its Promise.
    return Promise.reject(err);
  }
}

/** What invoke needs to know of a function, worked out once per function. */
interface Plan {
  /** Turns the result into what the method returns (SDK objects for handles). */
  wrap: (value: unknown) => unknown;
  /** A read of the handle that never leaves the process: runs here, synchronously. */
  local: boolean;
  /** Functions with callback arguments run here (see callbacks in the ffi runtime). */
  inline: boolean;
  /** Positions of typed-parameter arguments, which may be given as objects. */
  paramsAt: number[];
}

const plans = new Map<string, Plan>();

function planOf(fn: string): Plan {
  let plan = plans.get(fn);
  if (!plan) {
    const spec = functionSpec(fn);
    plan = {
      wrap: spec?.ret.borrowed ? ownReference(spec.ret.type?.ref as string, resultWrapper(fn)) : resultWrapper(fn),
      local: localReads.has(fn),
      inline: spec?.args.some((a) => a.role === 'callback') ?? false,
      paramsAt: (spec ? publicArgs(spec) : []).flatMap((a, i) => (a.role === 'params-in' ? [i] : [])),
    };
    plans.set(fn, plan);
  }
  return plan;
}

/**
 * A handle libvirt lends (the object's connection or domain) gets a reference of its own
 * (virConnectRef, virDomainRef, ...) before it is wrapped, so the SDK object made from it is
 * released like any other.
 */
function ownReference(handleType: string, wrap: (value: unknown) => unknown): (value: unknown) => unknown {
  const ref = rawFunction(`${handleType.replace(/Ptr$/, '')}Ref`);
  return (value) => {
    if (typeof value === 'bigint') ref(value);
    return wrap(value);
  };
}

function invokeAsync(fn: string, args: unknown[], plan: Plan): Promise<unknown> {
  const native = args.map(unwrapArg);
  for (const i of plan.paramsAt) native[i] = typedParametersArg(native[i], fn);
  const wrap = plan.wrap;
  if (plan.inline) {
    try {
      return Promise.resolve(wrap((functions[fn] as (...a: unknown[]) => unknown)(...native)));
    } catch (err) {
      return Promise.reject(err);
    }
  }
  // `args` stays referenced until the call settles: an SDK object passed here must not be
  // collected (and its reference released by the FinalizationRegistry) while a thread uses it.
  return sharedPool().call(fn, native).then((value) => wrap(keepUntilSettled(args, value)));
}

const keepUntilSettled = (_args: unknown[], value: unknown): unknown => value;

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
