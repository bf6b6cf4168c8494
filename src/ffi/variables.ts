// Exported C variables (virConnectAuthPtrDefault): read on demand, since the library loads lazily.
import { openLibrary, type LibraryId } from './native.js';
import { ensureSupportedLibrary } from './library-state.js';

export function readVariable(lib: LibraryId, name: string): bigint | null {
  ensureSupportedLibrary(name);
  return openLibrary(lib).symbol(name, 'void *') as unknown as bigint | null;
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
