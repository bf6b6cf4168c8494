// The overrides file applied to the API's symbols: policy for the symbols the XMLs have,
// additions for those they lack, and every mistake in either, found in one pass.
import type { RawApi, RawElement, RawFunction, RawField, RawStruct } from './raw-xml.js';
import type { IrEnum, IrField, IrFunction, IrStruct, IrSymbol, LibraryId } from './ir.js';
import { didYouMean } from './near-name.js';
import { lookupIn, valueOf } from './enum-values.js';
import { isRefusal } from './const-expr.js';
import { canonicalCType } from './c-types.js';
import { attributeProblems, policyOf } from './override-attributes.js';
import { functionOf, libraries, structOf } from './raw-to-ir.js';

/** What the overrides are applied to. */
export interface OverrideTarget {
  symbols: IrSymbol[];
  /** The headers of the API: an addition's file= names one. */
  headers: ReadonlySet<string>;
  /**
   * Whether the overrides were written for these XMLs (they sit in the same directory, as
   * api-xml/'s do): then an entry naming no symbol of them is a mistake, and so is an addition
   * newer than their libvirt. Overrides read against other XMLs (--input) may name symbols
   * those lack, which are skipped, and add symbols newer than them.
   */
  own: boolean;
  /** The libvirt release of the XMLs (LIBVIR_VERSION_NUMBER); null when they do not say. */
  release: string | null;
}

export interface Applied { skipped: string[]; problems: string[]; named: string[] }

/**
 * The overrides file uses libvirt's schema. A symbol it names that exists gets the override's
 * policy attributes (and, for structs, the policy and docs of the fields it restates); a symbol
 * that does not exist is added as written there (an entry with file=), with its C types, or
 * refused. Later entries for an added symbol merge into it. An entry without file= for a symbol
 * these XMLs lack is refused, or for overrides written for other XMLs skipped. Returns what was
 * skipped and every mistake found: the mistakes are reported with those binding finds, so that
 * one run lists them all.
 */
export function applyOverrides(target: OverrideTarget, entries: RawApi): Applied {
  const problems: string[] = [];
  const o = namedEntries(entries, problems);
  const named = [...o.functions, ...o.structs, ...o.macros, ...o.typedefs, ...o.enums].map((e) => e.name);
  const c = new OverrideContext(target, problems);
  for (const f of o.functions) overrideFunction(c, f);
  for (const s of o.structs) overrideStruct(c, s);
  for (const m of o.macros) overrideMacro(c, m);
  for (const t of o.typedefs) overrideTypedef(c, t);
  for (const e of o.enums) overrideEnum(c, e);
  for (const f of o.functypes) problems.push(`functype ${f.name}: callback types cannot be added through the overrides`);
  // A <variable> carries no policy: one for a variable the API has changes nothing, any other would be dropped unread.
  for (const v of o.variables) {
    const existing = c.get('variable', v.name);
    if (existing === undefined) problems.push(`variable ${v.name}: variables cannot be added through the overrides`);
    else problems.push(...attributeProblems(`variable ${v.name}`, 'variable', v), ...restatedRelease(`variable ${v.name}`, v, existing));
  }
  return { skipped: c.skipped, problems, named };
}

/** The symbols as the overrides change them, and what applying them found (see applyOverrides). */
class OverrideContext {
  readonly skipped: string[] = [];
  readonly symbols: IrSymbol[];
  readonly headers: ReadonlySet<string>;
  /** The release an addition may not be newer than: the XMLs', where the overrides are theirs. */
  readonly newest: string | null;
  readonly #own: boolean;
  readonly #byKey: Map<string, number>;
  readonly #added = new Set<string>();

  constructor(target: OverrideTarget, readonly problems: string[]) {
    this.symbols = target.symbols;
    this.headers = target.headers;
    this.#own = target.own;
    this.newest = target.own ? target.release : null;
    this.#byKey = new Map(target.symbols.map((s, i) => [`${s.kind}:${s.name}`, i]));
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

  /**
   * An entry without file= for a symbol these XMLs lack: in overrides written for them a
   * mistake (a misspelt name would leave its policy unapplied), with the near name and `fix`;
   * in overrides read against other XMLs skipped, for a warning (an older libvirt's XML lacks it).
   */
  unknown(kind: IrSymbol['kind'], e: RawElement & { name: string }, fix: string): void {
    const near = didYouMean(e.name, this.symbols.filter((s) => s.kind === kind).map((s) => s.name));
    if (this.#own) this.problems.push(`${e.at}: ${kind} ${e.name} is not in the API XML${near}: ${fix}`);
    else this.skipped.push(`${kind} ${e.name}${near}`);
  }
}

const ADD_FIX = 'correct the name, or, to add it, give file=, version= and its C types';

function overrideFunction(c: OverrideContext, f: RawFunction): void {
  const existing = c.get('function', f.name);
  if (existing !== undefined) {
    const again = c.twice('function', f.name, f.attrs['file']);
    c.problems.push(...(again.length > 0 ? again : mergeFunction(existing as IrFunction, f)));
    return;
  }
  if (!f.attrs['file']) { c.unknown('function', f, ADD_FIX); return; }
  c.problems.push(...functionAttributeProblems(f));
  const lacks = [...(f.ret?.type ? [] : ['<return type=...>']), ...unnamed('arg', f.args),
    ...f.args.filter((a) => !a.type).map((a) => `type= on <arg name='${a.name}'>`)];
  if (lacks.length > 0) {
    c.problems.push(`function ${f.name} is not in the API XML; to add it, give ${lacks.join(', ')}`);
    return;
  }
  c.problems.push(...additionProblems(c, `function ${f.name}`, f.attrs), ...c.clash(`function ${f.name}`, f.name), ...repeated(`function ${f.name}`, 'argument', f.args));
  c.add(functionOf(f, libOf(f.attrs)));
}

const functionAttributeProblems = (f: RawFunction): string[] => [...attributeProblems(f.name, 'function', f),
  ...(f.ret ? attributeProblems(`${f.name} return`, 'return', f.ret) : []), ...f.args.flatMap((a) => attributeProblems(`${f.name}(${a.name})`, 'arg', a))];

function overrideStruct(c: OverrideContext, s: RawStruct): void {
  const existing = c.get('struct', s.name);
  if (existing !== undefined) {
    const again = c.twice('struct', s.name, s.file);
    if (again.length > 0) { c.problems.push(...again); return; }
    c.problems.push(...structAttributeProblems(s), ...restatedRelease(`struct ${s.name}`, s, existing));
    if (s.fields !== null) c.problems.push(...mergeFields(existing as IrStruct, s.fields));
    return;
  }
  if (!s.file) { c.unknown('struct', s, ADD_FIX); return; }
  c.problems.push(...structAttributeProblems(s));
  const lacks = [...(s.fields === null ? ['its <field>s'] : [...unnamed('field', s.fields), ...s.fields.filter((f) => !f.type).map((f) => `type= on <field name='${f.name}'>`)])];
  if (lacks.length > 0) {
    c.problems.push(`struct ${s.name} is not in the API XML${didYouMean(s.name, c.symbols.filter((x) => x.kind === 'struct').map((x) => x.name))}; to add it, give ${lacks.join(', ')}`);
    return;
  }
  c.problems.push(...additionProblems(c, `struct ${s.name}`, s.attrs), ...c.clash(`struct ${s.name}`, s.name), ...repeated(`struct ${s.name}`, 'field', s.fields ?? []));
  c.add(structOf(s, libOf({ file: s.file })));
}

const fieldAttributeProblems = (owner: string, f: RawField): string[] => [...attributeProblems(`${owner}.${f.name}`, 'field', f),
  ...(f.union ?? []).flatMap((m) => fieldAttributeProblems(`${owner}.${f.name}`, m))];

const structAttributeProblems = (s: RawStruct): string[] =>
  [...attributeProblems(`struct ${s.name}`, 'struct', s), ...(s.fields ?? []).flatMap((f) => fieldAttributeProblems(s.name, f))];

/**
 * Fields written by name only (`<field name='state' enum='virDomainControlState'/>`) add policy
 * to the field of that name; fields written with type= restate the struct's (see restateFields).
 */
function mergeFields(target: IrStruct, fields: RawField[]): string[] {
  if (fields.some((f) => f.type !== '')) return restateFields(`struct ${target.name}`, target.name, target.fields, fields);
  const problems: string[] = [];
  for (const f of fields) {
    const field = target.fields.find((x) => x.name === f.name);
    if (!field) problems.push(`${target.name} has no field "${f.name}" (its fields: ${target.fields.map((x) => x.name).join(', ')})`);
    else Object.assign(field.policy, policyOf('field', f.attrs));
  }
  return problems;
}

/**
 * Fields written with type= restate the fields (`stated`) of a struct or union the API states,
 * which are libvirt's memory layout: a field left out, added, moved or of another C type would
 * have the runtime read libvirt's memory at the wrong offsets. So they must be the same fields
 * in the same order with the same C types (as an addition restates them against a newer XML that
 * has the symbol); they add policy and docs (info=), nothing else. `path` names fields in messages.
 */
function restateFields(what: string, path: string, stated: IrField[], written: RawField[]): string[] {
  const names = (xs: readonly { name: string }[]): string => xs.map((x) => x.name).join(', ');
  const isStated = (f: { name: string }): boolean => stated.some((x) => x.name === f.name);
  const isWritten = (x: { name: string }): boolean => written.some((f) => f.name === x.name);
  const extra = written.filter((f) => !isStated(f));
  const left = stated.filter((x) => !isWritten(x));
  const problems = repeated(what, 'field', written);
  if (extra.length > 0) problems.push(`${what}: ${names(extra)}: no such field in the API XML (its fields: ${names(stated)}); a struct libvirt lays out cannot gain fields`);
  if (left.length > 0) problems.push(`${what}: fields with type= restate all its fields, and these are left out: ${names(left)} (to add policy to a field, leave out type=)`);
  // Of the fields both have, compared once each is there once.
  const order = names(written.filter(isStated));
  if (problems.length === extra.length + left.length && order !== names(stated.filter(isWritten))) problems.push(`${what}: the order ${order} cannot change the order of the fields the API XML states (${names(stated)})`);
  for (const f of written) {
    const x = stated.find((s) => s.name === f.name);
    if (x === undefined) continue;
    if (changes(f.type, x.cType) || (f.union !== null && x.union === null)) {
      problems.push(`${path}.${f.name}: type='${f.type || 'union'}' cannot change a C type the API XML states ('${x.cType}')`);
    } else if (f.union !== null && x.union !== null) problems.push(...restateFields(`union ${path}.${f.name}`, `${path}.${f.name}`, x.union, f.union));
  }
  if (problems.length > 0) return problems;
  for (const f of written) {
    const x = stated.find((s) => s.name === f.name) as IrField;
    if (f.info !== '') x.doc = f.info;
    Object.assign(x.policy, policyOf('field', f.attrs));
  }
  return [];
}

function overrideMacro(c: OverrideContext, m: RawApi['macros'][number]): void {
  const existing = c.get('macro', m.name);
  if (existing === undefined) {
    if (m.file) c.problems.push(`macro ${m.name}: macros cannot be added through the overrides`);
    else c.unknown('macro', m, 'correct the name (macros cannot be added)');
    return;
  }
  c.problems.push(...attributeProblems(m.name, 'macro', m), ...restatedRelease(`macro ${m.name}`, m, existing));
  const macro = existing as Extract<IrSymbol, { kind: 'macro' }>;
  // Only a typed parameter's name is read for its type (the symbol table): on a function-like macro it would be
  // dropped, and on a number it would only make the constant's doc claim to be a typed parameter.
  if (m.attrs['param-type'] !== undefined && macro.string === null) {
    c.problems.push(`${m.name}: param-type= belongs on the name of a typed parameter (a macro with string=), and this macro is ${macro.params === null ? 'a number' : 'function-like'}`);
  }
  Object.assign(macro.policy, policyOf('macro', m.attrs));
}

/**
 * Enum constants are libvirt's, from its headers: an entry may restate one (its value= as a
 * number or as another constant, equal to the API's), as additions restate C types, but not
 * change its value or type, nor add one. value= is read as the API XML's are (enum-values.ts).
 */
function overrideEnum(c: OverrideContext, e: RawApi['enums'][number]): void {
  const existing = c.get('enum', e.name) as IrEnum | undefined;
  if (existing === undefined) { c.problems.push(`enum ${e.name}: enum constants cannot be added through the overrides`); return; }
  c.problems.push(...attributeProblems(`enum ${e.name}`, 'enum', e), ...restatedRelease(`enum ${e.name}`, e, existing));
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
  c.problems.push(...attributeProblems(`typedef ${t.name}`, 'typedef', t));
  // Restating a typedef the API has (as the README's example does) is harmless; changing it is not.
  const existing = c.symbols.find((x) => x.name === t.name);
  const target = existing?.kind === 'typedef' ? existing.target : existing?.kind === 'handle' ? `${existing.opaque} *` : undefined;
  if (existing !== undefined && target !== undefined && !changes(t.type, target)) { c.problems.push(...restatedRelease(`typedef ${t.name}`, t, existing)); return; }
  if (target !== undefined) { c.problems.push(`typedef ${t.name}: type='${t.type}' cannot change a C type the API XML states ('${target}')`); return; }
  if (!t.file) { c.unknown('typedef', t, 'correct the name, or, to add it, give file=, version= and type='); return; }
  if (t.type === 'enum') { c.problems.push(`typedef ${t.name}: enum types cannot be added through the overrides`); return; }
  if (!t.type) { c.problems.push(`typedef ${t.name} is not in the API XML; to add it, give type= (the C type it names)`); return; }
  c.problems.push(...additionProblems(c, `typedef ${t.name}`, t.attrs), ...c.clash(`typedef ${t.name}`, t.name));
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
 * Whether an override's type= differs from the C type the XML states. Restating the same type is
 * allowed: an addition for the pinned XML must not fail against a newer libvirt's XML that has it.
 */
const changes = (written: string, stated: string): boolean =>
  written !== '' && canonicalCType(written) !== canonicalCType(stated);

function mergeFunction(target: IrFunction, o: RawFunction): string[] {
  const problems = [...attributeProblems(target.name, 'function', o), ...restatedRelease(`function ${target.name}`, o, target)];
  if (o.ret) {
    problems.push(...attributeProblems(`${target.name} return`, 'return', o.ret));
    if (changes(o.ret.type, target.ret.cType)) problems.push(`${target.name} return: type='${o.ret.type}' cannot change a C type the API XML states ('${target.ret.cType}')`);
    Object.assign(target.ret.policy, policyOf('return', o.ret.attrs));
  }
  for (const a of o.args) {
    const p = target.params.find((x) => x.name === a.name);
    if (!p) {
      problems.push(`${target.name} has no argument "${a.name}" (its arguments: ${target.params.map((x) => x.name).join(', ')})`);
      continue;
    }
    problems.push(...attributeProblems(`${target.name}(${a.name})`, 'arg', a));
    if (changes(a.type, p.cType)) problems.push(`${target.name}(${a.name}): type='${a.type}' cannot change a C type the API XML states ('${p.cType}')`);
    Object.assign(p.policy, policyOf('arg', a.attrs));
  }
  return problems;
}

/** The library of an added symbol: lib=, else the companion library its file= names. */
function libOf(attrs: Record<string, string>): LibraryId {
  const named = attrs['lib'] ?? libraries.find((l) => l !== 'libvirt' && attrs['file'] === l);
  return (named as LibraryId | undefined) ?? 'libvirt';
}

/** A libvirt release as the API XML writes it (and the runtime's version gate reads it). */
const RELEASE = /^\d+\.\d+\.\d+$/;

/** A release as one number, ordered as releases are (libvirt's minor and micro stay below 1000, as LIBVIR_VERSION_NUMBER needs). */
const releaseNumber = (v: string): number => v.split('.').reduce((n, part) => n * 1000 + Number(part), 0);

/**
 * What an added symbol must say about itself beyond its C types: the release that introduced it
 * (the version gate and `@since` read it), a header the API has (file= picks the generated
 * module: a typo would make a new one) and a known library. In overrides written for these
 * XMLs, an addition is a symbol their libvirt has and they lack, so it is no newer than that
 * release: a later version= would have the runtime refuse the call on every libvirt before it.
 */
function additionProblems(c: OverrideContext, what: string, attrs: Record<string, string>): string[] {
  const out: string[] = [];
  const version = attrs['version'];
  if (version === undefined) out.push(`${what}: to add it, give version='X.Y.Z' (the libvirt release that introduced it)`);
  else if (!RELEASE.test(version)) out.push(`${what}: version='${version}' is not a libvirt release (X.Y.Z, e.g. 9.0.0)`);
  else if (c.newest !== null && releaseNumber(version) > releaseNumber(c.newest)) {
    out.push(`${what}: version='${version}' is newer than the libvirt of the API XML (${c.newest}), which has every symbol an addition declares: `
      + `give the release that introduced it (with a later one the runtime refuses the call on a libvirt that has it)`);
  }
  const file = attrs['file'] as string;
  if (!c.headers.has(file)) out.push(`${what}: file='${file}' is not a header of the API XML${didYouMean(file, [...c.headers])}`);
  const lib = attrs['lib'];
  if (lib !== undefined && !(libraries as readonly string[]).includes(lib)) out.push(`${what}: lib='${lib}' is not one of ${libraries.join(', ')}`);
  return out;
}

/**
 * version= on an entry for a symbol the API has: restating its release is accepted, another one
 * is refused (the XML records when libvirt added the symbol, and `@since` and the runtime's
 * version gate read it). An XML from before releases were recorded (2022) takes the entry's.
 */
function restatedRelease(what: string, e: RawElement & { version: string | null }, target: IrSymbol): string[] {
  const written = e.version;
  if (written === null) return [];
  if (!RELEASE.test(written)) return [`${e.at}: ${what}: version='${written}' is not a libvirt release (X.Y.Z, e.g. 9.0.0)`];
  if (target.since === null) { target.since = written; return []; }
  return RELEASE.test(target.since) && releaseNumber(written) === releaseNumber(target.since) ? []
    : [`${e.at}: ${what}: version='${written}' cannot change the release the API XML states ('${target.since}')`];
}

/** Names given to more than one argument or field. */
function repeated(what: string, element: string, items: readonly { name: string }[]): string[] {
  const names = items.map((x) => x.name);
  return [...new Set(names.filter((n, i) => names.indexOf(n) !== i))].map((n) => `${what}: ${element} ${n} is given twice`);
}

/** `name= on <arg> 2` for each entry without a name. */
const unnamed = (element: string, items: readonly { name: string }[]): string[] =>
  items.flatMap((x, i) => (x.name ? [] : [`name= on <${element}> ${i + 1}`]));
