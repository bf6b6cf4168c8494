// Lifetime bookkeeping for libvirt object handles (virDomainPtr, ...). libvirt counts references;
// tsvirt mirrors the count for every handle it has seen, so that a handle used after its last
// release raises an error instead of touching freed memory.
import { tsvirtError, VIR_ERR_INVALID_ARG } from './errors.js';

/** A libvirt object pointer, branded per object kind so a domain cannot be passed as a pool. */
export type Handle<Brand extends string> = bigint & { readonly __libvirtHandle: Brand };

/** Any raw C pointer tsvirt passes through untouched (koffi represents pointers as bigint). */
export type Pointer = bigint;

/** How many released addresses are remembered for use-after-free detection. */
const MAX_TOMBSTONES = 65_536;

const references = new Map<bigint, number>();
const released = new Set<bigint>();
let tracking = true;

/**
 * Turns the bookkeeping off in a thread that only runs calls for another thread (the SDK's
 * workers): there, the owning thread's objects decide lifetimes, and a table kept per thread
 * would misjudge addresses that another thread freed and libvirt reused.
 */
export function setHandleTracking(enabled: boolean): void {
  tracking = enabled;
  references.clear();
  released.clear();
}

/** A handle libvirt returned: a new reference owned by the caller. */
export function adoptHandle(ptr: bigint): void {
  if (!tracking) return;
  // The allocator may hand out an address again after the old object died.
  released.delete(ptr);
  references.set(ptr, (references.get(ptr) ?? 0) + 1);
}

export function retainHandle(ptr: bigint): void {
  if (!tracking) return;
  references.set(ptr, (references.get(ptr) ?? 0) + 1);
}

/**
 * A handle owned elsewhere (an SDK object) may reuse the address of one released here: it must
 * not be refused. Cheap when nothing was released through this thread's generated calls.
 */
export function forgetReleased(ptr: bigint): void {
  if (released.size > 0) released.delete(ptr);
}

/** Throws when `ptr` was released; handles tsvirt never saw (e.g. from C code) pass. */
export function checkHandle(ptr: unknown, func: string, arg: string): void {
  if (typeof ptr !== 'bigint') {
    throw tsvirtError(VIR_ERR_INVALID_ARG, func, `${func}: argument ${arg} must be a handle, got ${ptr === null ? 'null' : typeof ptr}`);
  }
  // The size test first: hashing a bigint costs more than the rest of the check.
  if (released.size !== 0 && released.has(ptr)) {
    throw tsvirtError(VIR_ERR_INVALID_ARG, func, `${func}: argument ${arg} was already released (use after free)`);
  }
}

/** Records one release; the handle is dead once its last known reference is gone. */
export function releaseHandle(ptr: bigint): void {
  if (!tracking) return;
  const refs = references.get(ptr) ?? 1;
  if (refs > 1) {
    references.set(ptr, refs - 1);
    return;
  }
  references.delete(ptr);
  released.add(ptr);
  // Bounded memory: the oldest tombstones go first; by then the address is usually reused.
  if (released.size > MAX_TOMBSTONES) released.delete(released.values().next().value as bigint);
}

/** Number of handles with live references, for leak checks in tests. */
export function liveHandleCount(): number {
  return references.size;
}
