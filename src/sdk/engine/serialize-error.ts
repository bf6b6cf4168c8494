// An error thrown on a call or stream thread, as the fields that cross to the main thread
// (toError in call-pool.ts rebuilds it): libvirt's fields, else the JS error's name and message,
// and a system call's Node fields (ENOSPC writing a file) so that `err.code` holds there too.
import { isLibvirtError } from '../../ffi/index.js';
import type { SerializedError } from './protocol.js';

export function serializeError(err: unknown, func: string): SerializedError {
  if (isLibvirtError(err)) {
    return { code: err.code, domain: err.domain, level: err.level, message: err.message, str1: err.str1, str2: err.str2,
      str3: err.str3, int1: err.int1, int2: err.int2, func: err.func };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const out: SerializedError = { code: 1, domain: 0, level: 2, message: e.message, str1: null, str2: null, str3: null, int1: -1, int2: -1, func, jsName: e.name };
  const sys = e as NodeJS.ErrnoException;
  if (typeof sys.code === 'string' && typeof sys.errno === 'number' && typeof sys.syscall === 'string') {
    out.system = { code: sys.code, errno: sys.errno, syscall: sys.syscall, ...(sys.path === undefined ? {} : { path: sys.path }) };
  }
  return out;
}

const BUILT_IN: Readonly<Record<string, ErrorConstructor>> = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };

/**
 * A JS error thrown on another thread, rebuilt on this one: of the same class where that is a
 * built-in one, so that `instanceof RangeError` holds here too; other classes keep their name.
 */
export function rebuildJsError(name: string, message: string): Error {
  const Ctor = Object.hasOwn(BUILT_IN, name) ? BUILT_IN[name] as ErrorConstructor : Error;
  const err = new Ctor(message);
  if (Ctor === Error) err.name = name;
  return err;
}
