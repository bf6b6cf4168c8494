// The generic method surface: every C function whose first argument is a class's handle
// becomes a method of that class, named by method-names.ts. Calls that may block run on the
// call threads and return a Promise; local reads of a handle stay synchronous; functions that
// take callbacks run on the calling thread (a JS callback must run on its own thread).
import * as generated from '../../generated/index.js';
import { functionSpec } from '../ffi/index.js';
import { sharedPool } from './engine/call-pool.js';
import type { LibvirtObject } from './libvirt-object.js';
import { excludedFunctions, localReads, methodName, type SdkClass } from './method-names.js';
import { resultWrapper, unwrapArg } from './wrap.js';

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
  const native = args.map(unwrapArg);
  const wrap = resultWrapper(fn);
  if (localReads.has(fn)) return wrap((functions[fn] as (...a: unknown[]) => unknown)(...native));
  const spec = functionSpec(fn);
  if (spec?.args.some((a) => a.role === 'callback')) {
    try {
      return Promise.resolve(wrap((functions[fn] as (...a: unknown[]) => unknown)(...native)));
    } catch (err) {
      return Promise.reject(err);
    }
  }
  return sharedPool().call(fn, native).then(wrap);
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
