// Exported C variables (virConnectAuthPtrDefault): read on demand, since the library loads lazily.
import { openLibrary, type LibraryId } from './native.js';
import { ensureSupportedLibrary } from './library-state.js';

export function readVariable(lib: LibraryId, name: string): bigint | null {
  ensureSupportedLibrary(name);
  return openLibrary(lib).symbol(name, 'void *') as unknown as bigint | null;
}
