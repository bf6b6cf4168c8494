// Enum values as the API XMLs write them, read as C reads them. libvirt's apibuild.py writes the
// value its Python evaluation of the header's expression gave (a decimal), or, where that failed,
// the expression as the header has it (another constant's name, or an expression naming one),
// and value='' where it could not tell the value at all. Number() would read '' as 0, '1e3' as
// 1000 and '010' as 10 (C: 8), and round a value past 2^53: every value goes through
// const-expr.ts instead, and one it cannot read exactly is refused, naming the file and why.
import { enumConstant, evaluate, isRefusal, type Evaluated, type Lookup } from './const-expr.js';
import { GenerationError } from './errors.js';
import type { IrEnum, IrSymbol } from './ir.js';
import type { RawApi } from './raw-xml.js';

/** An enum constant's value= as written, and the file that writes it. */
interface Written { text: string | null; file: string }

const ENUM_HINT = 'The API XMLs are libvirt\'s, unmodified: where libvirt writes a value that generator/const-expr.ts does not read, '
  + 'teach it that form rather than edit the XML.';

/** Sets the value of every enum constant of `symbols`, or throws GenerationError listing each it cannot read. */
export function resolveEnumValues(inputs: readonly { fileName: string; raw: RawApi }[], symbols: IrSymbol[]): void {
  const written = new Map<string, Written>();
  for (const { fileName, raw } of inputs) for (const e of raw.enums) written.set(e.name, { text: e.value, file: fileName });
  const lookup = enumLookup(written);
  const problems: string[] = [];
  for (const s of symbols) {
    if (s.kind !== 'enum') continue;
    const v = lookup(s.name) as Evaluated;
    const { text, file } = written.get(s.name) as Written;
    if (isRefusal(v)) problems.push(`enum ${s.name} in ${file}: ${text === null ? 'no value=' : `value='${text}'`}: ${v.why}`);
    else s.value = v.value;
  }
  if (problems.length > 0) throw new GenerationError([{ what: 'enum value(s) the generator cannot read', problems, hint: ENUM_HINT }]);
}

/**
 * The value of each enum constant by name, evaluated once, with the type C gives an enum
 * constant of that value (as the macros that name it see it); a cycle is refused, not followed.
 */
function enumLookup(written: ReadonlyMap<string, Written>): Lookup {
  const done = new Map<string, Evaluated>();
  const seen = new Set<string>();
  const lookup = (name: string): Evaluated | undefined => {
    const w = written.get(name);
    if (w === undefined) return undefined;
    const cached = done.get(name);
    if (cached !== undefined) return cached;
    if (seen.has(name)) return { why: `its value refers back to ${name}` };
    seen.add(name);
    try {
      const v = valueOf(w.text, lookup);
      done.set(name, v);
      return v;
    } finally { seen.delete(name); }
  };
  return lookup;
}

/** value= read as C reads it, as an enumeration constant. */
export function valueOf(text: string | null, lookup: Lookup): Evaluated {
  if (text === null) return { why: 'an enum constant needs its value' };
  // What apibuild.py writes where it could not tell the value: '' would otherwise be read as 0.
  if (text.trim() === '') return { why: 'the value is empty (libvirt\'s apibuild.py writes that where it could not compute it)' };
  const v = evaluate(text, lookup);
  return isRefusal(v) ? v : enumConstant(v.value) ?? { why: `${v.value} fits no C integer type` };
}

/** The enum constants `get` finds, as a Lookup for reading a value= that names one. */
export function lookupIn(get: (name: string) => IrEnum | undefined): Lookup {
  return (name) => {
    const e = get(name);
    return e === undefined ? undefined : enumConstant(e.value) ?? { why: `its value ${e.value} fits no C integer type` };
  };
}
