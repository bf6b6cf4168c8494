// libvirt's own release functions (virDomainFree, virTypedParamsClear, virFreeError, ...),
// bound once, for memory libvirt hands over: the one place that binds them outside the
// generated specs, shared by argument roles and results.
import { openLibrary, type LibraryId, type NativeCall } from './native.js';

const bound = new Map<string, NativeCall>();

/**
 * `name(ptr)` or `name(ptr, count)`; the C result (void or int) is not needed. `lib` is the
 * library of the function whose memory is released: a companion library (libvirt-qemu, -lxc,
 * -admin) exports its own functions and, linked against libvirt, finds libvirt's too, while
 * libvirt's shared object has none of the companions'.
 */
export function releaseWith(lib: LibraryId, name: string, withCount = false): (p: unknown, n?: number) => unknown {
  const key = `${lib}/${name}/${withCount}`;
  let fn = bound.get(key);
  if (!fn) {
    fn = openLibrary(lib).func(name, 'void', withCount ? ['void *', 'int'] : ['void *']) as NativeCall;
    bound.set(key, fn);
  }
  return fn;
}
