// What a C type name denotes, given every symbol of the API: the one place that reads C
// spelling. Classification and emitters ask here instead of matching strings themselves.
import { scalarTypes } from './policy/type-map.js';
import type { ScalarMapping } from './policy/type-map.js';
import { symbolsOf, type IrApi, type LibraryId } from './ir.js';
import { didYouMean } from './near-name.js';

export type CType =
  | { kind: 'void' }
  | { kind: 'scalar'; c: string; map: ScalarMapping }
  | { kind: 'string'; owned: boolean }
  | { kind: 'handle'; typedef: string }
  | { kind: 'struct-ptr'; struct: string }
  | { kind: 'functype'; name: string }
  | { kind: 'void-ptr' }
  | { kind: 'pointer'; to: string; depth: number; constant: boolean }
  | { kind: 'unknown'; c: string };

/**
 * A C type as libvirt's XML spells it: single spaces, one space before a run of `*` and none
 * inside it, none before `[`. libvirt's apibuild.py always writes that; the rules (here and in
 * the binders) match that spelling, and a hand-written `const char*` in the overrides would
 * otherwise be read as a pointer to `const char`, an output argument.
 */
export function canonicalCType(t: string): string {
  return t.trim().replace(/\s+/g, ' ').replace(/ ?\* ?/g, '*').replace(/(?<=[\w\]])\*/g, ' *').replace(/\*(?=\w)/g, '* ').replace(/ \[/g, '[');
}

export class TypeUniverse {
  readonly handles = new Set<string>();
  /** The opaque structs handles point at (virConnect): declared, with no fields to lay out. */
  private readonly opaque = new Set<string>();
  readonly structs = new Set<string>();
  readonly functypes = new Set<string>();
  /** typedef name -> what it stands for (struct name for struct pointers, scalar C type, or 'enum'). */
  private readonly typedefs = new Map<string, string>();
  /** function name -> the library that exports it. */
  private readonly functionLibs = new Map<string, LibraryId>();
  /** struct name -> its `char *` fields (not in unions): strings libvirt allocates when it fills the struct. */
  private readonly stringFields = new Map<string, string[]>();
  /** struct name -> its `char *` union members, as `union.member`: set or not, depending on another field. */
  private readonly unionStrings = new Map<string, string[]>();

  constructor(api: IrApi) {
    for (const h of symbolsOf(api, 'handle')) { this.handles.add(h.name); this.opaque.add(h.opaque); }
    for (const s of symbolsOf(api, 'struct')) {
      this.structs.add(s.name);
      const owned = s.fields.filter((f) => f.union === null && f.cType === 'char *').map((f) => f.name);
      if (owned.length > 0) this.stringFields.set(s.name, owned);
      const inUnions = s.fields.flatMap((f) => (f.union ?? []).filter((m) => m.cType === 'char *').map((m) => `${f.name}.${m.name}`));
      if (inUnions.length > 0) this.unionStrings.set(s.name, inUnions);
    }
    for (const f of symbolsOf(api, 'functype')) this.functypes.add(f.name);
    for (const f of symbolsOf(api, 'function')) this.functionLibs.set(f.name, f.lib);
    for (const t of symbolsOf(api, 'typedef')) this.typedefs.set(t.name, t.target);
  }

  /**
   * The `char *` fields of struct `name`. In memory the caller provides, libvirt can only fill
   * them with strings it allocated for the caller (virDomainDiskError.disk: "the caller is also
   * responsible for calling free() on each disk name").
   */
  ownedStringFields(name: string): readonly string[] {
    return this.stringFields.get(name) ?? [];
  }

  /**
   * The `char *` members of struct `name`'s unions (`value.s`), which no rule can free: whether
   * the member holds a string depends on another field (virTypedParameter's type).
   */
  unionStringFields(name: string): readonly string[] {
    return this.unionStrings.get(name) ?? [];
  }

  /** The library that exports function `name`; undefined when the API has no such function. */
  libraryOf(name: string): LibraryId | undefined {
    return this.functionLibs.get(name);
  }

  /** Whether `name` is an enum type (its typedef stands for 'enum'). */
  isEnum(name: string): boolean {
    return this.typedefs.get(name) === 'enum';
  }

  resolve(cType: string): CType {
    const c = canonicalCType(cType);
    if (c === 'void') return { kind: 'void' };
    if (c === 'const char *' || c === 'char *') return { kind: 'string', owned: c === 'char *' };
    if (c === 'void *') return { kind: 'void-ptr' };
    const scalar = this.scalar(c);
    if (scalar) return scalar;
    if (this.handles.has(c)) return { kind: 'handle', typedef: c };
    if (this.functypes.has(c)) return { kind: 'functype', name: c };
    const struct = this.structOfPointer(c);
    if (struct) return { kind: 'struct-ptr', struct };
    const ptr = /^(const )?(.+?) ?(\*+)( const)?$/.exec(c);
    if (ptr) return { kind: 'pointer', to: (ptr[2] as string).trim(), depth: (ptr[3] as string).length, constant: ptr[1] !== undefined };
    return { kind: 'unknown', c };
  }

  private scalar(c: string): CType | null {
    const direct = scalarTypes[c];
    if (direct) return { kind: 'scalar', c, map: direct };
    const target = this.typedefs.get(c);
    if (target === 'enum') return { kind: 'scalar', c, map: scalarTypes['int'] as ScalarMapping };
    if (target !== undefined && scalarTypes[target]) return { kind: 'scalar', c, map: scalarTypes[target] as ScalarMapping };
    return null;
  }

  /** virDomainInfoPtr -> virDomainInfo; also `virDomainInfo *` and struct typedef aliases. */
  structOfPointer(c: string): string | null {
    const target = this.typedefs.get(c);
    const m = /^(?:const )?(\w+) \*$/.exec(target ?? c);
    if (!m) return null;
    const name = m[1] as string;
    if (this.structs.has(name)) return name;
    const alias = this.typedefs.get(name);
    const aliased = alias ? /^(?:struct )?_?(\w+)$/.exec(alias)?.[1] : undefined;
    if (aliased && this.structs.has(aliased)) return aliased;
    return null;
  }

  /**
   * Whether `name`, the type a pointer points at (without const), is one C or the API defines:
   * void, char, a scalar of the type map, or a struct, handle, opaque struct, callback or typedef
   * of the API. A pointer to anything else is a misspelt type (`chr *`) or one an addition did
   * not declare, which a struct field would otherwise carry unread as a bare pointer.
   */
  definesType(name: string): boolean {
    return name === 'void' || name === 'char' || scalarTypes[name] !== undefined || this.handles.has(name) || this.opaque.has(name)
      || this.structs.has(name) || this.functypes.has(name) || this.typedefs.has(name);
  }

  /**
   * For a C type that names a vir* type the API does not define (a typo, or the typedef or
   * struct an addition left out), or another type near a C type of the type map (`unsigned
   * lnog`, `chr *`): a note saying so, with the near name; else ''. No type map can help a
   * misspelt type, so the note says what does.
   */
  undefinedTypeNote(cType: string): string {
    const known = [...this.handles, ...this.structs, ...this.functypes, ...this.typedefs.keys()];
    const words = (t: string): string[] => t.match(/\bvir\w+/g) ?? [];
    // Through a typedef too: virFooPtr may be declared while the struct it points at is not.
    const name = words(cType).flatMap((w) => [w, ...words(this.typedefs.get(w) ?? '')]).find((w) => !known.includes(w));
    if (name === undefined) return this.misspeltTypeNote(cType);
    const via = words(cType).includes(name) ? '' : `, which names ${name}`;
    return `${via}, a type the API does not define${didYouMean(name, known)}: correct the name, or declare the type with a <typedef> or <struct> in the overrides`;
  }

  /** A note for a type that is none C or the API defines but is near one of C's (`chr` for char); else ''. */
  private misspeltTypeNote(cType: string): string {
    const base = canonicalCType(cType).replace(/^const /, '').replace(/ ?\*+( const)?$/, '');
    if (this.definesType(base)) return '';
    const near = didYouMean(base, ['void', ...Object.keys(scalarTypes)]);
    return near === '' ? '' : `, a type neither the type map nor the API defines${near}: correct the name`;
  }

  /** The name a pointer-to-X refers to as a value type, for arrays of X. */
  isHandle(c: string): boolean {
    return this.handles.has(c);
  }
}
