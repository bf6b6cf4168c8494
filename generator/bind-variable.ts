// Policy applied to one exported C variable. Its generated reader calls rt.readVariable, which
// reads the pointer stored at the variable's address (virConnectAuthPtrDefault). A variable of
// any other C type would be read as 8 bytes of pointer: refused instead of read wrong.
import type { IrVariable } from './ir.js';
import type { CType, TypeUniverse } from './c-types.js';

/** The C types that hold a pointer, which is all rt.readVariable can read. */
const pointerKinds: ReadonlySet<CType['kind']> = new Set(['handle', 'struct-ptr', 'void-ptr', 'string', 'pointer', 'functype']);

/** Why variable `v` cannot be read, or nothing. */
export function variableProblems(v: IrVariable, types: TypeUniverse): string[] {
  const kind = types.resolve(v.cType).kind;
  // What the runtime does instead is said once, in the hint under which bindApi lists these.
  return pointerKinds.has(kind) ? [] : [`variable ${v.name}: ${v.cType} is not a pointer type`];
}
