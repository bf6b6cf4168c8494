// Raw XML records -> IR: overrides merged in, handles told apart from structs, enum values
// resolved (a value may name another enum, also across the companion XMLs).
import type { RawApi, RawFunction, RawStruct, RawField } from './raw-xml.js';
import type { IrApi, IrEnum, IrField, IrFunction, IrStruct, IrSymbol, LibraryId } from './ir.js';
import { paramTypes } from './policy/param-types.js';
import { didYouMean } from './near-name.js';
import { lookupIn, resolveEnumValues, valueOf } from './enum-values.js';
import { evaluateConstant, isRefusal } from './const-expr.js';
import { canonicalCType } from './c-types.js';

export interface ApiInput { fileName: string; raw: RawApi }

const libraries: readonly LibraryId[] = ['libvirt', 'libvirt-qemu', 'libvirt-lxc', 'libvirt-admin'];

/**
 * Attributes that describe the C symbol; every other attribute in the overrides is tsvirt policy.
 * module= names the C source file that defines a function (virerror for virterror.h's): it does
 * not choose a library or a generated module (the <api name>, or lib= and file=, do), and is unused.
 */
const schemaAttrs = new Set(['name', 'file', 'module', 'version', 'type', 'info', 'lib']);
const policyOf = (attrs: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(attrs).filter(([k]) => !schemaAttrs.has(k)));

/** `overridesInput`: the overrides file, read as the API XMLs are; null when there is none. */
export function buildIr(inputs: ApiInput[], overridesInput: ApiInput | null): IrApi {
  const overrides = overridesInput?.raw ?? null;
  const symbols: IrSymbol[] = [];
  const files = new Map<string, string>();
  for (const { raw } of inputs) {
    const lib = libraryOf(raw.name);
    for (const f of raw.files) files.set(f.name, f.summary);
    symbols.push(...symbolsOf(raw, lib));
  }
  const headers = new Set([...files.keys(), ...symbols.map((s) => s.file), ...libraries]);
  // Enum values come from the API XMLs alone, resolved first so that the overrides are checked against them.
  resolveEnumValues(inputs, symbols);
  const applied = overrides ? applyOverrides(symbols, overrides, headers) : { skipped: [], problems: [], named: [] };
  return { libvirtVersion: libvirtVersionOf(inputs), inputs: [...inputs, ...(overridesInput ? [overridesInput] : [])].map((i) => i.fileName),
    symbols, files, overridesFile: overridesInput?.fileName ?? null, overridesSkipped: applied.skipped, overridesProblems: applied.problems,
    overridesNamed: new Set(applied.named) };
}

function libraryOf(apiName: string): LibraryId {
  const lib = libraries.find((l) => l === apiName);
  if (!lib) throw new Error(`unknown API description "${apiName}": expected one of ${libraries.join(', ')}`);
  return lib;
}

function symbolsOf(raw: RawApi, lib: LibraryId): IrSymbol[] {
  const opaque = new Set(raw.structs.filter((s) => s.fields === null).map((s) => s.name));
  const out: IrSymbol[] = [];
  for (const f of raw.functions) out.push(functionOf(f, lib));
  for (const f of raw.functypes) {
    out.push({ kind: 'functype', name: f.name, file: f.file, lib, since: f.version, doc: f.info,
      ret: { cType: canonicalCType(f.ret?.type ?? 'void'), doc: f.ret?.info ?? '' },
      params: f.args.map((a) => ({ name: a.name, cType: canonicalCType(a.type), doc: a.info, policy: {} })) });
  }
  for (const s of raw.structs) if (s.fields !== null) out.push(structOf(s, lib));
  for (const t of raw.typedefs) {
    const type = canonicalCType(t.type);
    const target = /^(\w+) \*$/.exec(type)?.[1];
    if (target !== undefined && opaque.has(target)) out.push({ kind: 'handle', name: t.name, file: t.file, lib, since: t.version, doc: t.info, opaque: target });
    else out.push({ kind: 'typedef', name: t.name, file: t.file, lib, since: t.version, doc: t.info, target: type });
  }
  for (const m of raw.macros) {
    out.push({ kind: 'macro', name: m.name, file: m.file, lib, since: m.version, doc: m.info, string: m.string,
      raw: m.raw, params: m.params === null ? null : m.params.split(',').map((p) => p.trim()), policy: policyOf(m.attrs) });
  }
  for (const v of raw.variables) out.push({ kind: 'variable', name: v.name, file: v.file, lib, since: v.version, doc: v.info, cType: canonicalCType(v.type) });
  // Enum values are resolved later, once every input is known.
  for (const e of raw.enums) out.push({ kind: 'enum', name: e.name, file: e.file, lib, since: e.version, doc: e.info, enumType: e.type, value: Number.NaN });
  return out;
}

function functionOf(f: RawFunction, lib: LibraryId): IrFunction {
  return {
    kind: 'function', name: f.name, file: f.file, lib: (f.attrs['lib'] as LibraryId | undefined) ?? lib, since: f.version, doc: f.info,
    ret: { cType: canonicalCType(f.ret?.type ?? 'void'), doc: f.ret?.info ?? '', policy: policyOf(f.ret?.attrs ?? {}) },
    params: f.args.map((a) => ({ name: a.name, cType: canonicalCType(a.type), doc: a.info, policy: policyOf(a.attrs) })),
    policy: policyOf(f.attrs),
  };
}

function structOf(s: RawStruct, lib: LibraryId): IrStruct {
  return { kind: 'struct', name: s.name, file: s.file, lib, since: s.version, doc: s.info, fields: (s.fields ?? []).map(fieldOf) };
}

function fieldOf(f: RawField): IrField {
  return { name: f.name, cType: canonicalCType(f.type), doc: f.info, union: f.union ? f.union.map(fieldOf) : null, policy: policyOf(f.attrs) };
}

/** The policy attributes each element of the overrides may carry (see the file's header). */
const policyAttrs = {
  function: [], return: ['error', 'use', 'nullable', 'owned', 'free', 'borrowed', 'bytes-size'],
  arg: ['role', 'size', 'as', 'used', 'of', 'elem', 'count', 'clear', 'input', 'nullable'],
  field: ['count', 'enum'], macro: ['param-type'],
} as const satisfies Record<string, readonly string[]>;

/** The values some policy attributes may take. */
const policyValues: Readonly<Record<string, RegExp>> = {
  error: /^(-?\d+|NULL|none)$/, use: /^(status|count|value)$/, nullable: /^(true|false)$/, owned: /^(true|false)$/,
  borrowed: /^(true|false)$/, input: /^(true|false)$/, as: /^(bytes|string)$/, used: /^ret$/,
  // Emitted into the typed-parameter table, whose type admits only these.
  'param-type': new RegExp(`^(${paramTypes.join('|')})$`),
};

/**
 * Problems of one policy element: attributes it may not carry and values they may not take (a
 * typo would otherwise be ignored, or fail only when the function is called).
 */
function unknownAttrs(where: string, kind: keyof typeof policyAttrs, attrs: Record<string, string>): string[] {
  const allowed: readonly string[] = policyAttrs[kind];
  return Object.entries(policyOf(attrs)).flatMap(([k, v]) => {
    if (!allowed.includes(k)) return [`${where}: unknown attribute ${k}= (a <${kind}> takes ${allowed.length ? allowed.join(', ') : 'no policy attributes'})`];
    const valid = policyValues[k];
    return valid && !valid.test(v) ? [`${where}: ${k}='${v}' is not one of ${valid.source.replace(/^\^\(?|\)?\$$/g, '').replace(/\|/g, ', ')}`] : [];
  });
}

/** The library of an added symbol: lib=, else the companion library its file= names. */
function libOf(attrs: Record<string, string>): LibraryId {
  const named = attrs['lib'] ?? libraries.find((l) => l !== 'libvirt' && attrs['file'] === l);
  return (named as LibraryId | undefined) ?? 'libvirt';
}

/** A libvirt release as the API XML writes it (and the runtime's version gate reads it). */
const RELEASE = /^\d+\.\d+\.\d+$/;

/**
 * What an added symbol must say about itself beyond its C types: the release that introduced it
 * (the version gate and `@since` read it), a header the API has (file= picks the generated
 * module: a typo would make a new one) and a known library.
 */
function additionProblems(what: string, attrs: Record<string, string>, headers: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const version = attrs['version'];
  if (version === undefined) out.push(`${what}: to add it, give version='X.Y.Z' (the libvirt release that introduced it)`);
  else if (!RELEASE.test(version)) out.push(`${what}: version='${version}' is not a libvirt release (X.Y.Z, e.g. 9.0.0)`);
  const file = attrs['file'] as string;
  if (!headers.has(file)) out.push(`${what}: file='${file}' is not a header of the API XML${didYouMean(file, [...headers])}`);
  const lib = attrs['lib'];
  if (lib !== undefined && !(libraries as readonly string[]).includes(lib)) out.push(`${what}: lib='${lib}' is not one of ${libraries.join(', ')}`);
  return out;
}

/** Names given to more than one argument or field of an addition. */
function repeated(what: string, element: string, items: readonly { name: string }[]): string[] {
  const names = items.map((x) => x.name);
  return [...new Set(names.filter((n, i) => names.indexOf(n) !== i))].map((n) => `${what}: ${element} ${n} is given twice`);
}

/** `name= on <arg> 2` for each entry without a name. */
const unnamed = (element: string, items: readonly { name: string }[]): string[] =>
  items.flatMap((x, i) => (x.name ? [] : [`name= on <${element}> ${i + 1}`]));

/**
 * The overrides file uses libvirt's schema. A symbol it names that exists gets the override's
 * policy attributes (and, for structs with fields, the override's fields); a symbol that does
 * not exist is added as written there (an entry with file=), with its C types, or refused. Later
 * entries for an added symbol merge into it. Policy (an entry without file=) for a symbol these
 * XMLs lack is skipped. Returns what was skipped and every mistake found: the mistakes are
 * reported with those binding finds, so that one run lists them all.
 */
function applyOverrides(symbols: IrSymbol[], entries: RawApi, headers: ReadonlySet<string>): { skipped: string[]; problems: string[]; named: string[] } {
  const problems: string[] = [];
  const o = namedEntries(entries, problems);
  const named = [...o.functions, ...o.structs, ...o.macros, ...o.typedefs, ...o.enums].map((e) => e.name);
  const c = new OverrideContext(symbols, headers, problems);
  for (const f of o.functions) overrideFunction(c, f);
  for (const s of o.structs) overrideStruct(c, s);
  for (const m of o.macros) overrideMacro(c, m);
  for (const t of o.typedefs) overrideTypedef(c, t);
  for (const e of o.enums) overrideEnum(c, e);
  for (const f of o.functypes) problems.push(`functype ${f.name}: callback types cannot be added through the overrides`);
  // A <variable> carries no policy: one for a variable the API has changes nothing, any other would be dropped unread.
  for (const v of o.variables) if (!c.has('variable', v.name)) problems.push(`variable ${v.name}: variables cannot be added through the overrides`);
  return { skipped: c.skipped, problems, named };
}

/** The symbols as the overrides change them, and what applying them found (see applyOverrides). */
class OverrideContext {
  readonly skipped: string[] = [];
  readonly #byKey: Map<string, number>;
  readonly #added = new Set<string>();

  constructor(readonly symbols: IrSymbol[], readonly headers: ReadonlySet<string>, readonly problems: string[]) {
    this.#byKey = new Map(symbols.map((s, i) => [`${s.kind}:${s.name}`, i]));
  }

  has(kind: IrSymbol['kind'], name: string): boolean {
    return this.#byKey.has(`${kind}:${name}`);
  }

  /** The symbol of that kind and name, from the API XML or added by an earlier entry. */
  get(kind: IrSymbol['kind'], name: string): IrSymbol | undefined {
    const at = this.#byKey.get(`${kind}:${name}`);
    return at === undefined ? undefined : this.symbols[at];
  }

  add(s: IrSymbol): void {
    this.#added.add(`${s.kind}:${s.name}`);
    this.#byKey.set(`${s.kind}:${s.name}`, this.symbols.push(s) - 1);
  }

  /** A second entry with file= for a symbol an earlier entry added: it would silently replace or merge. */
  twice(kind: string, name: string, file: string | undefined): string[] {
    return file && this.#added.has(`${kind}:${name}`)
      ? [`${kind} ${name} is added twice in the overrides (a later entry for it adds policy only: leave out file= and type=)`] : [];
  }

  /** An addition named like a symbol of another kind: both would be exported under one name. */
  clash(what: string, name: string): string[] {
    const other = this.symbols.find((x) => x.name === name);
    return other ? [`${what}: the API already has ${other.kind} ${name} (in ${other.file})`] : [];
  }

  /** " (did you mean ...?)" among the names of that kind. */
  didYouMean(kind: IrSymbol['kind'], name: string): string {
    return didYouMean(name, this.symbols.filter((s) => s.kind === kind).map((s) => s.name));
  }
}

function overrideFunction(c: OverrideContext, f: RawApi['functions'][number]): void {
  const existing = c.get('function', f.name);
  if (existing !== undefined) {
    const again = c.twice('function', f.name, f.attrs['file']);
    c.problems.push(...(again.length > 0 ? again : mergeFunction(existing as IrFunction, f)));
    return;
  }
  if (!f.attrs['file']) { c.skipped.push(`function ${f.name}${c.didYouMean('function', f.name)}`); return; }
  const lacks = [...(f.ret?.type ? [] : ['<return type=...>']), ...unnamed('arg', f.args),
    ...f.args.filter((a) => !a.type).map((a) => `type= on <arg name='${a.name}'>`)];
  if (lacks.length > 0) {
    c.problems.push(`function ${f.name} is not in the API XML${c.didYouMean('function', f.name)}; to add it, give ${lacks.join(', ')}`);
    return;
  }
  c.problems.push(...additionProblems(`function ${f.name}`, f.attrs, c.headers), ...c.clash(`function ${f.name}`, f.name), ...repeated(`function ${f.name}`, 'argument', f.args));
  c.problems.push(...unknownAttrs(f.name, 'function', f.attrs), ...(f.ret ? unknownAttrs(`${f.name} return`, 'return', f.ret.attrs) : []),
    ...f.args.flatMap((a) => unknownAttrs(`${f.name}(${a.name})`, 'arg', a.attrs)));
  c.add(functionOf(f, libOf(f.attrs)));
}

function overrideStruct(c: OverrideContext, s: RawApi['structs'][number]): void {
  const existing = c.get('struct', s.name);
  if (existing !== undefined) {
    const again = c.twice('struct', s.name, s.file);
    if (again.length > 0) c.problems.push(...again);
    else if (s.fields !== null) c.problems.push(...mergeFields(existing as IrStruct, s.fields));
    return;
  }
  if (!s.file) { c.skipped.push(`struct ${s.name}${c.didYouMean('struct', s.name)}`); return; }
  const lacks = [...(s.fields === null ? ['its <field>s'] : [...unnamed('field', s.fields), ...s.fields.filter((f) => !f.type).map((f) => `type= on <field name='${f.name}'>`)])];
  if (lacks.length > 0) {
    c.problems.push(`struct ${s.name} is not in the API XML${c.didYouMean('struct', s.name)}; to add it, give ${lacks.join(', ')}`);
    return;
  }
  c.problems.push(...additionProblems(`struct ${s.name}`, { file: s.file, ...(s.version === null ? {} : { version: s.version }) }, c.headers),
    ...c.clash(`struct ${s.name}`, s.name), ...repeated(`struct ${s.name}`, 'field', s.fields ?? []));
  c.add(structOf(s, libOf({ file: s.file })));
}

function overrideMacro(c: OverrideContext, m: RawApi['macros'][number]): void {
  const existing = c.get('macro', m.name);
  if (existing === undefined) {
    if (m.file) c.problems.push(`macro ${m.name}: macros cannot be added through the overrides`);
    else c.skipped.push(`macro ${m.name}${c.didYouMean('macro', m.name)}`);
    return;
  }
  c.problems.push(...unknownAttrs(m.name, 'macro', m.attrs));
  const macro = existing as Extract<IrSymbol, { kind: 'macro' }>;
  // Only a typed parameter's name is read for its type (the symbol table): on a function-like macro it would be
  // dropped, and on a number it would only make the constant's doc claim to be a typed parameter.
  if (m.attrs['param-type'] !== undefined && macro.string === null) {
    c.problems.push(`${m.name}: param-type= belongs on the name of a typed parameter (a macro with string=), and this macro is ${macro.params === null ? 'a number' : 'function-like'}`);
  }
  Object.assign(macro.policy, policyOf(m.attrs));
}

/**
 * Enum constants are libvirt's, from its headers: an entry may restate one (its value= as a
 * number or as another constant, equal to the API's), as additions restate C types, but not
 * change its value or type, nor add one. value= is read as the API XML's are (enum-values.ts).
 */
function overrideEnum(c: OverrideContext, e: RawApi['enums'][number]): void {
  const existing = c.get('enum', e.name) as IrEnum | undefined;
  if (existing === undefined) { c.problems.push(`enum ${e.name}: enum constants cannot be added through the overrides`); return; }
  if (e.value !== null) c.problems.push(...restatedValueProblems(c, e.name, e.value, existing.value));
  if (e.type !== '' && e.type !== existing.enumType) {
    c.problems.push(`enum ${e.name}: type='${e.type}' cannot change the enum type the API XML states ('${existing.enumType}')`);
  }
}

function restatedValueProblems(c: OverrideContext, name: string, text: string, stated: number): string[] {
  const v = valueOf(text, lookupIn((n) => c.get('enum', n) as IrEnum | undefined));
  if (isRefusal(v)) return [`enum ${name}: value='${text}' is no value it reads: ${v.why}`];
  return v.value === stated ? [] : [`enum ${name}: value='${text}' cannot change a constant the API XML states (${stated})`];
}

function overrideTypedef(c: OverrideContext, t: RawApi['typedefs'][number]): void {
  // Restating a typedef the API has (as the README's example does) is harmless; changing it is not.
  const existing = c.symbols.find((x) => x.name === t.name);
  const target = existing?.kind === 'typedef' ? existing.target : existing?.kind === 'handle' ? `${existing.opaque} *` : undefined;
  if (existing !== undefined && target !== undefined && !changes(t.type, target)) return;
  if (target !== undefined) { c.problems.push(`typedef ${t.name}: type='${t.type}' cannot change a C type the API XML states ('${target}')`); return; }
  if (!t.file) { c.skipped.push(`typedef ${t.name}${c.didYouMean('typedef', t.name)}`); return; }
  if (t.type === 'enum') { c.problems.push(`typedef ${t.name}: enum types cannot be added through the overrides`); return; }
  if (!t.type) { c.problems.push(`typedef ${t.name} is not in the API XML; to add it, give type= (the C type it names)`); return; }
  c.problems.push(...additionProblems(`typedef ${t.name}`, { file: t.file, ...(t.version === null ? {} : { version: t.version }) }, c.headers), ...c.clash(`typedef ${t.name}`, t.name));
  c.add({ kind: 'typedef', name: t.name, file: t.file, lib: libOf({ file: t.file }), since: t.version, doc: t.info, target: canonicalCType(t.type) });
}

/** The entries that have a name= (an entry without one is a problem: it would emit `export function (`). */
function namedEntries(o: RawApi, problems: string[]): RawApi {
  const named = <T extends { name: string; file: string }>(kind: string, entries: T[]): T[] => entries.filter((e) => {
    if (!e.name) problems.push(`a <${kind}>${e.file ? ` with file='${e.file}'` : ''} has no name=`);
    return e.name !== '';
  });
  return { ...o, functions: named('function', o.functions), functypes: named('functype', o.functypes), enums: named('enum', o.enums),
    macros: named('macro', o.macros), structs: named('struct', o.structs), typedefs: named('typedef', o.typedefs), variables: named('variable', o.variables) };
}

/**
 * Fields written with their C type replace the struct's fields; fields written by name only
 * (`<field name='state' enum='virDomainControlState'/>`) add policy to the field of that name.
 */
function mergeFields(target: IrStruct, fields: RawField[]): string[] {
  const problems = fields.flatMap((f) => unknownAttrs(`${target.name}.${f.name}`, 'field', f.attrs));
  if (fields.some((f) => f.type !== '')) {
    // A replacement that left a field out would shrink the layout libvirt writes into.
    const dropped = target.fields.filter((x) => !fields.some((f) => f.name === x.name)).map((x) => x.name);
    if (dropped.length > 0) {
      return [...problems, `struct ${target.name}: fields with type= replace all its fields, and these would be dropped: ${dropped.join(', ')} (to add policy to a field, leave out type=)`];
    }
    target.fields = fields.map(fieldOf);
    return problems;
  }
  for (const f of fields) {
    const field = target.fields.find((x) => x.name === f.name);
    if (!field) problems.push(`${target.name} has no field "${f.name}" (its fields: ${target.fields.map((x) => x.name).join(', ')})`);
    else Object.assign(field.policy, policyOf(f.attrs));
  }
  return problems;
}

/**
 * Whether an override's type= differs from the C type the XML states. Restating the same type is
 * allowed: an addition for the pinned XML must not fail against a newer libvirt's XML that has it.
 */
const changes = (written: string, stated: string): boolean =>
  written !== '' && canonicalCType(written) !== canonicalCType(stated);

function mergeFunction(target: IrFunction, o: RawFunction): string[] {
  const problems = unknownAttrs(target.name, 'function', o.attrs);
  if (o.ret) {
    problems.push(...unknownAttrs(`${target.name} return`, 'return', o.ret.attrs));
    if (changes(o.ret.type, target.ret.cType)) problems.push(`${target.name} return: type='${o.ret.type}' cannot change a C type the API XML states ('${target.ret.cType}')`);
    Object.assign(target.ret.policy, policyOf(o.ret.attrs));
  }
  for (const a of o.args) {
    const p = target.params.find((x) => x.name === a.name);
    if (!p) {
      problems.push(`${target.name} has no argument "${a.name}" (its arguments: ${target.params.map((x) => x.name).join(', ')})`);
      continue;
    }
    problems.push(...unknownAttrs(`${target.name}(${a.name})`, 'arg', a.attrs));
    if (changes(a.type, p.cType)) problems.push(`${target.name}(${a.name}): type='${a.type}' cannot change a C type the API XML states ('${p.cType}')`);
    Object.assign(p.policy, policyOf(a.attrs));
  }
  return problems;
}

/** The release LIBVIR_VERSION_NUMBER names, read as the macro is emitted (9000000U too; Number() would make '' 0.0.0). */
function libvirtVersionOf(inputs: ApiInput[]): string | null {
  for (const { raw } of inputs) {
    const m = raw.macros.find((x) => x.name === 'LIBVIR_VERSION_NUMBER');
    const n = m?.raw == null ? undefined : evaluateConstant(m.raw, () => undefined);
    if (n !== undefined && n >= 0) return `${Math.floor(n / 1e6)}.${Math.floor(n / 1e3) % 1000}.${n % 1000}`;
  }
  return null;
}
