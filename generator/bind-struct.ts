// Policy applied to one struct: the koffi layout the runtime registers and the TS interface
// users see. A pointer field with a count field beside it (addrs + naddrs, cpumap + cpumaplen)
// is read as an array of that many elements.
import type { FieldSpec, StructSpec, ValueType } from '../src/ffi/spec.js';
import type { IrField, IrStruct } from './ir.js';
import type { TypeUniverse } from './c-types.js';
import { evaluate, isRefusal, type Lookup } from './const-expr.js';

export interface StructBinding {
  ir: IrStruct;
  specs: StructSpec[];
  fields: { name: string; ts: string; doc: string }[];
  /** Handle-typed fields, which need a reference of their own when the struct is freed. */
  handleFields: { field: string; typedef: string }[];
  unmapped: string[];
  /** Mistakes in the field policy of the overrides (enum=, count=) found while binding; they stop it too. */
  overridesProblems: string[];
}

/** What binding a struct found wrong: C types without a mapping, and mistakes in the overrides. */
interface Problems { unmapped: string[]; overrides: string[] }

/** Structs whose TS face is a hand-written runtime type rather than the raw layout. */
export const structTsOverrides: Readonly<Record<string, string>> = {
  virTypedParameter: 'TypedParameter',
};

export function bindStruct(s: IrStruct, types: TypeUniverse, constant: Lookup): StructBinding {
  const problems: Problems = { unmapped: [], overrides: [] };
  const specs: StructSpec[] = [];
  const fields: StructBinding['fields'] = [];
  const handleFields: StructBinding['handleFields'] = [];
  const specFields: FieldSpec[] = [];
  for (const f of s.fields) {
    const b = bindField(s, f, types, constant, specs, problems);
    specFields.push(b.spec);
    fields.push({ name: f.name, ts: b.ts, doc: f.doc });
    if (b.spec.type.js === 'handle') handleFields.push({ field: f.name, typedef: b.spec.type.ref as string });
  }
  specs.push({ name: s.name, kind: 'struct', fields: specFields });
  return { ir: s, specs, fields, handleFields, unmapped: problems.unmapped, overridesProblems: problems.overrides };
}

interface FieldBinding { spec: FieldSpec; ts: string }

function bindField(s: IrStruct, f: IrField, types: TypeUniverse, constant: Lookup,
  specs: StructSpec[], problems: Problems): FieldBinding {
  if (f.union) return unionField(s, f, types, constant, specs, problems);
  const b = fieldLayout(s, f, types, constant, problems);
  // Checked against the layout chosen, which is what reads enum= and count=: a fixed char x[N]
  // reads neither, and one the layout does not read would be dropped without a word.
  problems.overrides.push(...fieldPolicyProblems(s, f, types.resolve(f.cType).kind, b.spec));
  return b;
}

/** The koffi layout and TS type of a field that is not a union. */
function fieldLayout(s: IrStruct, f: IrField, types: TypeUniverse, constant: Lookup, problems: Problems): FieldBinding {
  const { unmapped } = problems;
  const fixed = /^(?:unsigned )?char \w+\[(\w+)\]$/.exec(f.cType);
  if (fixed) {
    const len = evaluate(fixed[1] as string, constant);
    if (isRefusal(len)) unmapped.push(`${s.name}.${f.name}: array length ${fixed[1]}: ${len.why}`);
    return { spec: { name: f.name, ffi: `char[${isRefusal(len) ? 1 : len.value}]`, type: { ffi: 'char', js: 'string' } }, ts: 'string' };
  }
  const count = countFieldOf(s, f);
  const t = types.resolve(f.cType);
  switch (t.kind) {
    case 'scalar': return scalarField(s, f, t.map, types, problems);
    case 'string': return { spec: { name: f.name, ffi: 'char *', type: { ffi: 'char *', js: 'string' } }, ts: 'string | null' };
    case 'handle': return { spec: { name: f.name, ffi: t.typedef, type: { ffi: t.typedef, js: 'handle', ref: t.typedef } }, ts: `${t.typedef} | null` };
    case 'struct-ptr': {
      const elem: ValueType = { ffi: t.struct, js: 'struct', ref: t.struct };
      const tsName = structTsOverrides[t.struct] ?? t.struct;
      if (count) return { spec: { name: f.name, ffi: 'void *', type: { ffi: 'void *', js: 'pointer' }, array: { count, elem } }, ts: `${tsName}[]` };
      return { spec: { name: f.name, ffi: 'void *', type: { ffi: 'void *', js: 'pointer' } }, ts: 'Pointer | null' };
    }
    case 'pointer': {
      // As an argument's would be: a pointer to a type nobody defines is a typo, not a bare pointer.
      if (!types.definesType(t.to)) {
        unmapped.push(`${s.name}.${f.name}: ${f.cType}${types.undefinedTypeNote(f.cType)}`);
        return { spec: { name: f.name, ffi: 'void *', type: { ffi: 'void *', js: 'pointer' } }, ts: 'Pointer | null' };
      }
      const elemType = pointedElement(t.to, types);
      // char **x: strings; int *x, unsigned char *x: numbers.
      if (count && elemType && (t.depth === 1 || (t.depth === 2 && elemType.js === 'string'))) {
        return { spec: { name: f.name, ffi: 'void *', type: { ffi: 'void *', js: 'pointer' }, array: { count, elem: elemType } }, ts: `${elemType.js === 'string' ? 'string | null' : elemType.js}[]` };
      }
      return { spec: { name: f.name, ffi: 'void *', type: { ffi: 'void *', js: 'pointer' } }, ts: 'Pointer | null' };
    }
    case 'void-ptr': case 'functype':
      return { spec: { name: f.name, ffi: 'void *', type: { ffi: 'void *', js: 'pointer' } }, ts: 'Pointer | null' };
    default:
      unmapped.push(`${s.name}.${f.name}: ${f.cType}${types.undefinedTypeNote(f.cType)}`);
      return { spec: { name: f.name, ffi: 'void *', type: { ffi: 'void *', js: 'pointer' } }, ts: 'Pointer | null' };
  }
}

/**
 * A number field; with `enum='E'` in the overrides, one that holds values of enum E (libvirt
 * declares such fields int and names the enum only in their doc). `enum='none'` records that a
 * field whose doc names an enum is left a plain number, and why, in the overrides.
 */
function scalarField(s: IrStruct, f: IrField, map: { ffi: string; js: 'number' | 'bigint' }, types: TypeUniverse, problems: Problems): FieldBinding {
  const plain = { spec: { name: f.name, ffi: map.ffi, type: { ffi: map.ffi, js: map.js } }, ts: map.js };
  const e = f.policy['enum'];
  if (e === undefined) {
    const named = [...f.doc.matchAll(/\bvir\w+/g)].map((m) => m[0]).find((n) => types.isEnum(n));
    if (named) problems.unmapped.push(`${s.name}.${f.name}: its doc names enum ${named}; say enum='${named}' or enum='none' in the overrides`);
    return plain;
  }
  if (e === 'none') return plain;
  if (!types.isEnum(e)) {
    problems.overrides.push(`${s.name}.${f.name}: enum='${e}' is not an enum type of the API (give the type's name, e.g. virDomainState, not a constant)`);
    return plain;
  }
  if (map.js !== 'number') {
    problems.overrides.push(`${s.name}.${f.name}: enum= needs a field of a C int type, and this one is ${f.cType}`);
    return plain;
  }
  return { spec: { ...plain.spec, enum: e }, ts: `EnumValue<'${e}'>` };
}

/**
 * enum= on a field that is no number, count= naming no field of the struct or on a field not
 * laid out as an array (a fixed char x[N] has its length in its type): each would be dropped unread.
 */
function fieldPolicyProblems(s: IrStruct, f: IrField, kind: string, spec: FieldSpec): string[] {
  const out: string[] = [];
  const e = f.policy['enum'];
  if (e !== undefined && e !== 'none' && kind !== 'scalar') out.push(`${s.name}.${f.name}: enum= needs a field of a C int type, and this one is ${f.cType}`);
  const c = f.policy['count'];
  if (c === undefined) return out;
  if (!s.fields.some((x) => x.name === c)) out.push(`${s.name}.${f.name}: count='${c}' is not a field of ${s.name} (its fields: ${s.fields.map((x) => x.name).join(', ')})`);
  if (spec.array === undefined) out.push(`${s.name}.${f.name}: count= needs a pointer field read as an array (T *, char ** or a struct pointer), and this one is ${f.cType}`);
  return out;
}

/** The element of a pointer field: `char` (as char **) -> strings; scalars -> numbers. */
function pointedElement(to: string, types: TypeUniverse): ValueType | null {
  if (to === 'char') return { ffi: 'char *', js: 'string' };
  const t = types.resolve(to);
  return t.kind === 'scalar' ? { ffi: t.map.ffi, js: t.map.js } : null;
}

function countFieldOf(s: IrStruct, f: IrField): string | undefined {
  if (f.policy['count']) return f.policy['count'];
  const singular = f.name.replace(/ies$/, 'y').replace(/s$/, '');
  const candidates = [`n${f.name}`, `${f.name}len`, `n${singular}`];
  return s.fields.find((x) => candidates.includes(x.name))?.name;
}

function unionField(s: IrStruct, f: IrField, types: TypeUniverse, constant: Lookup,
  specs: StructSpec[], problems: Problems): FieldBinding {
  const name = `${s.name}_${f.name}`;
  const members = (f.union ?? []).map((m) => bindField(s, m, types, constant, specs, problems));
  specs.push({ name, kind: 'union', fields: members.map((m) => m.spec) });
  return { spec: { name: f.name, ffi: name, type: { ffi: name, js: 'struct', ref: name } }, ts: `{ ${members.map((m) => `${m.spec.name}?: ${m.ts}`).join('; ')} }` };
}
