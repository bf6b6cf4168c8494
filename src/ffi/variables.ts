// Exported C variables (virConnectAuthPtrDefault): read on demand, since the library loads lazily.
import { koffi, openLibrary, type LibraryId } from './native.js';
import { ensureSupportedLibrary } from './library-state.js';

/** The pointer a C variable holds (virConnectAuthPtrDefault: the address of libvirt's default virConnectAuth). */
export function readVariable(lib: LibraryId, name: string): bigint | null {
  ensureSupportedLibrary(name);
  // symbol() gives where the variable is; its value is the pointer stored there.
  const address = openLibrary(lib).symbol(name, 'void *');
  return koffi.decode(address, 'void *') as bigint | null;
}

/** Whether the loaded library exports a function (binding it is cheap and never calls it). */
export function hasSymbol(lib: LibraryId, name: string): boolean {
  try {
    openLibrary(lib).func(name, 'void', []);
    return true;
  } catch {
    return false;
  }
}
