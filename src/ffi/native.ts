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

interface Libc { free: NativeCall; malloc: NativeCall; strlen: NativeCall; memcpy: NativeCall }
let libc: Libc | undefined;

/**
 * The process's own malloc/free, looked up as libvirt's are (the global scope, dlopen(NULL)):
 * memory libvirt allocates must go back to the same allocator. libc.so.6 opened by name gives
 * glibc's own free even when an allocator is preloaded (jemalloc, tcmalloc, glibc's malloc
 * debugger), and freeing that allocator's memory with it corrupts the heap.
 */
function c(): Libc {
  if (!libc) {
    const lib = koffi.load(null);
    libc = {
      free: lib.func('free', 'void', ['void *']) as NativeCall,
      malloc: lib.func('malloc', 'void *', ['size_t']) as NativeCall,
      strlen: lib.func('strlen', 'size_t', ['void *']) as NativeCall,
      memcpy: lib.func('memcpy', 'void *', ['void *', 'void *', 'size_t']) as NativeCall,
    };
  }
  return libc;
}

/** Copies `size` bytes at `ptr` into a new Buffer (see copyCString for why not koffi.decode). */
export function copyBytes(ptr: unknown, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  if (size > 0) c().memcpy(buf, ptr, size);
  return buf;
}

/**
 * Copies the NUL-terminated string at `ptr` into JS. strlen + memcpy into a Buffer: koffi's
 * decode(ptr, 'char', -1) was measured to grow RSS by ~18 bytes per call here, this does not.
 */
export function copyCString(ptr: unknown): string {
  const n = Number(c().strlen(ptr));
  if (n === 0) return '';
  const buf = Buffer.allocUnsafe(n);
  c().memcpy(buf, ptr, n);
  return buf.toString('utf8');
}

/** free(3) from the C library libvirt allocates with; used for strings and arrays libvirt hands over. */
export function freeNative(ptr: unknown): void {
  if (ptr === null || ptr === undefined) return;
  c().free(ptr);
}

export { koffi };

/**
 * Native memory holding `bytes`, from malloc(3): valid on every thread until freeNative, and
 * what libvirt expects for memory it takes over and frees itself (e.g. credential results).
 */
export function allocNative(bytes: Buffer): bigint {
  const ptr = c().malloc(Math.max(1, bytes.length)) as bigint | null;
  if (ptr === null) throw new RangeError(`tsvirt: malloc(${bytes.length}) failed`);
  if (bytes.length > 0) c().memcpy(ptr, bytes, bytes.length);
  return ptr;
}

/** A NUL-terminated copy of `s` in native memory (see allocNative). */
export function allocCString(s: string): bigint {
  return allocNative(Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)]));
}

/** Copies `bytes` to native memory at `ptr`. */
export function writeNative(ptr: bigint, bytes: Buffer): void {
  if (bytes.length > 0) c().memcpy(ptr, bytes, bytes.length);
}
