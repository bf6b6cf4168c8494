// Loading of the native libraries. Libraries open on first use, so importing tsvirt never fails
// on a machine without libvirt; the first call reports what is missing instead.
import koffi from 'koffi';
import type { LibraryHandle, TypeObject } from 'koffi';

export type { LibraryHandle, TypeObject };
/** A bound C function as koffi returns it. */
export type NativeCall = (...args: unknown[]) => unknown;

export type LibraryId = 'libvirt' | 'libvirt-qemu' | 'libvirt-lxc' | 'libvirt-admin';

/** Shared-object names per API description, overridable with TSVIRT_<ID>_PATH (e.g. TSVIRT_LIBVIRT_PATH). */
const defaultSonames: Record<LibraryId, string> = {
  'libvirt': 'libvirt.so.0',
  'libvirt-qemu': 'libvirt-qemu.so.0',
  'libvirt-lxc': 'libvirt-lxc.so.0',
  'libvirt-admin': 'libvirt-admin.so.0',
};

const loaded = new Map<LibraryId, LibraryHandle>();

export function libraryPath(id: LibraryId): string {
  const env = process.env[`TSVIRT_${id.toUpperCase().replace('-', '_')}_PATH`];
  return env && env.length > 0 ? env : defaultSonames[id];
}

export function openLibrary(id: LibraryId): LibraryHandle {
  let lib = loaded.get(id);
  if (!lib) {
    lib = koffi.load(libraryPath(id));
    loaded.set(id, lib);
  }
  return lib;
}

let libcFree: ((ptr: unknown) => void) | undefined;

/** free(3) from the C library libvirt allocates with; used for strings and arrays libvirt hands over. */
export function freeNative(ptr: unknown): void {
  if (ptr === null || ptr === undefined) return;
  libcFree ??= koffi.load('libc.so.6').func('free', 'void', ['void *']) as (p: unknown) => void;
  libcFree(ptr);
}

export { koffi };
