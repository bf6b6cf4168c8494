// libvirt's own release functions (virDomainFree, virTypedParamsClear, virFreeError, ...),
// bound once, for memory libvirt hands over: the one place that binds them outside the
// generated specs, shared by argument roles and results.
import { openLibrary, type NativeCall } from './native.js';

const bound = new Map<string, NativeCall>();

/** `name(ptr)` or `name(ptr, count)`; the C result (void or int) is not needed. */
export function releaseWith(name: string, withCount = false): (p: unknown, n?: number) => unknown {
  const key = `${name}/${withCount}`;
  let fn = bound.get(key);
  if (!fn) {
    fn = openLibrary('libvirt').func(name, 'void', withCount ? ['void *', 'int'] : ['void *']) as NativeCall;
    bound.set(key, fn);
  }
  return fn;
}
