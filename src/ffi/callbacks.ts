// JS functions handed to libvirt as C callbacks. Each registration has one owner: a call-scoped
// callback is unregistered when the call returns; a freecb-scoped one when libvirt calls the
// free callback it was given (or at once if registration failed); a 'forever' one never.
import { koffi, type TypeObject } from './native.js';
import { koffiType } from './types.js';

type Registered = bigint;

/** A callback with an explicit prototype, for generic callback slots such as virConnectDomainEventGenericCallback. */
export interface TypedCallback {
  functype: string;
  fn: (...args: never[]) => unknown;
}

/**
 * A C function pointer the caller owns (e.g. one registered by another thread), passed through
 * as is, with the virFreeCallback to hand libvirt alongside it (null: none). Nothing is
 * registered or released for it here.
 */
export interface NativeCallback {
  native: bigint;
  freecb?: bigint | null;
}

export type CallbackArg = ((...args: never[]) => unknown) | TypedCallback;

export function isNativeCallback(value: unknown): value is NativeCallback {
  return value !== null && typeof value === 'object' && typeof (value as NativeCallback).native === 'bigint';
}

/** JS function -> its registrations, so deregistration calls can pass the same C pointer back. */
const byFunction = new Map<unknown, Registered[]>();
let liveCount = 0;

export function registerCallback(arg: CallbackArg, defaultFunctype: string): Registered {
  const fn = typeof arg === 'function' ? arg : arg.fn;
  const functype = typeof arg === 'function' ? defaultFunctype : arg.functype;
  const ptr = koffi.register(fn as (...a: unknown[]) => unknown, koffiType(functype) as TypeObject);
  const list = byFunction.get(fn) ?? [];
  list.push(ptr);
  byFunction.set(fn, list);
  liveCount++;
  return ptr;
}

export function unregisterCallback(arg: CallbackArg, ptr: Registered): void {
  const fn = typeof arg === 'function' ? arg : arg.fn;
  const list = byFunction.get(fn);
  const at = list?.indexOf(ptr) ?? -1;
  if (!list || at < 0) return; // already released: idempotent
  list.splice(at, 1);
  if (list.length === 0) byFunction.delete(fn);
  koffi.unregister(ptr);
  liveCount--;
}

/** The C pointer an earlier registration of `arg` produced (for *Deregister calls), or null. */
export function findCallback(arg: CallbackArg): Registered | null {
  const fn = typeof arg === 'function' ? arg : arg.fn;
  return byFunction.get(fn)?.[0] ?? null;
}

/**
 * A virFreeCallback for one registration: libvirt calls it once the callback is dropped. The
 * release is deferred because koffi cannot unregister a callback while it runs.
 */
export function freeCallbackFor(arg: CallbackArg, ptr: Registered): Registered {
  const holder: { self?: Registered } = {};
  const onFree = (): void => {
    setImmediate(() => {
      unregisterCallback(arg, ptr);
      if (holder.self) koffi.unregister(holder.self);
    });
  };
  holder.self = koffi.register(onFree, koffiType('virFreeCallback') as TypeObject);
  return holder.self;
}

/** Number of JS callbacks currently registered with libvirt, for leak checks. */
export function liveCallbackCount(): number {
  return liveCount;
}

/**
 * A callback registered for the life of the thread (never unregistered): the C pointer libvirt
 * may call on this thread for as long as it runs. Used for the few fixed entry points of the
 * SDK's event threads, which route calls by their opaque argument.
 */
export function permanentCallback(functype: string, fn: (...args: never[]) => unknown): bigint {
  return koffi.register(fn as (...a: unknown[]) => unknown, koffiType(functype) as TypeObject);
}
