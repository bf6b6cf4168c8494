// Policy applied to one callback type. Its koffi prototype and TS function type are emitted from
// the resolved C types (emit/symbols.ts); a C type that resolves to nothing would be passed as a
// pointer and read wrong by every callback of that type, so it is refused like any unmapped type.
import type { IrFunctype } from './ir.js';
import type { TypeUniverse } from './c-types.js';

/** The C types of `f` (its result and parameters) that have no mapping, each named. */
export function functypeUnmapped(f: IrFunctype, types: TypeUniverse): string[] {
  const named = [{ where: 'result', cType: f.ret.cType }, ...f.params.map((p) => ({ where: p.name, cType: p.cType }))];
  return named.filter(({ cType }) => types.resolve(cType).kind === 'unknown').map(({ where, cType }) => `callback type ${f.name}(${where}): ${cType}`);
}
