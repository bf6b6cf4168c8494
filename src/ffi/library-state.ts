// Per-process libvirt state the runtime needs before the first call: the loaded version (for
// the version gate), the error reader, and libvirt's default error printing turned off.
import { koffi, openLibrary, type LibraryHandle } from './native.js';
import { LibvirtError, tsvirtError, VIR_ERR_NO_SUPPORT } from './errors.js';
import type { LibvirtErrorFields } from './errors.js';
import { unsupportedLibraryReason } from './version.js';

let version: number | undefined;
let readError: (() => LibvirtErrorFields | null) | undefined;

const errorFields = () =>
  koffi.struct('tsvirtErrorView', {
    code: 'int', domain: 'int', message: 'char *', level: 'int', conn: 'void *', dom: 'void *',
    str1: 'char *', str2: 'char *', str3: 'char *', int1: 'int', int2: 'int', net: 'void *',
  });

/** The version of the loaded libvirt (virGetVersion), read once. */
export function loadedLibvirtVersion(): number {
  if (version === undefined) {
    const lib = openLibrary('libvirt');
    const getVersion = lib.func('virGetVersion', 'int', [koffi.out(koffi.pointer('unsigned long')), 'const char *', 'void *']);
    const out: number[] = [0];
    if ((getVersion(out, null, null) as number) < 0) throw tsvirtError(1, 'virGetVersion', 'virGetVersion failed');
    version = Number(out[0]);
    silenceDefaultErrorPrinting(lib);
  }
  return version;
}

/** Throws unless the loaded libvirt is one tsvirt supports; cheap after the first call. */
export function ensureSupportedLibrary(func: string): void {
  const reason = unsupportedLibraryReason(loadedLibvirtVersion());
  if (reason !== null) throw tsvirtError(VIR_ERR_NO_SUPPORT, func, `${func}: ${reason}`);
}

/**
 * libvirt prints every error to stderr until an error function is installed. The handler is
 * free(3): called as free(userData = NULL, err) it does nothing, and being C it can run on any
 * thread without calling back into JS (a JS handler on libvirt's threads could deadlock).
 */
function silenceDefaultErrorPrinting(lib: LibraryHandle): void {
  const proto = koffi.proto('tsvirtErrorSink', 'void', ['void *', 'void *']);
  const sink = koffi.load('libc.so.6').symbol('free', proto);
  lib.func('virSetErrorFunc', 'void', ['void *', 'void *'])(null, sink);
}

/** The calling thread's last libvirt error, copied into JS, or null. */
export function lastError(): LibvirtErrorFields | null {
  if (!readError) {
    const lib = openLibrary('libvirt');
    const get = lib.func('virGetLastError', 'void *', []);
    const view = errorFields();
    readError = () => {
      const p = get() as bigint | null;
      return p === null ? null : (koffi.decode(p, view) as LibvirtErrorFields);
    };
  }
  return readError();
}

/** The error for a failed call: libvirt's own when it set one, else a generic one naming the call. */
export function failure(func: string): LibvirtError {
  const fields = lastError();
  if (fields) return new LibvirtError({ ...fields, message: fields.message ?? `${func} failed` }, func);
  return tsvirtError(1, func, `${func} failed without a libvirt error`);
}
