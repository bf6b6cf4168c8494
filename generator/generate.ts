// The pipeline: read XML -> IR -> bind (policy) -> validate -> emit one module per header.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Project, QuoteKind, IndentationText } from 'ts-morph';
import { parseApiXml } from './raw-xml.js';
import { buildIr, type ApiInput } from './build-ir.js';
import { symbolsOf, type IrApi, type IrEnum, type IrMacro, type IrSymbol } from './ir.js';
import { TypeUniverse } from './c-types.js';
import { bindFunction, type FunctionBinding } from './bind-function.js';
import { bindStruct, type StructBinding } from './bind-struct.js';
import { functypeUnmapped } from './bind-functype.js';
import { variableProblems } from './bind-variable.js';
import { enumConstant, evaluate, isRefusal, type Evaluated, type Lookup } from './const-expr.js';
import { macroImplementations } from './policy/macro-impl.js';
import { skippedSymbols } from './policy/skips.js';
import { applySkips, unknownSkips, SKIPS_FILE, type SkipTable, type SkippedSymbol } from './skip-symbols.js';
import { GeneratedModule } from './emit/module.js';
import * as emit from './emit/symbols.js';
import { emitIndex, emitSymbolTable } from './emit/index-file.js';
import { GenerationError } from './errors.js';
import { GENERATE_COMMAND } from './regenerate-command.js';

export const OVERRIDES_FILE = 'tsvirt-overrides.xml';
/** Companion descriptions, read when present, in this order. */
export const API_FILES = ['libvirt-api.xml', 'libvirt-qemu-api.xml', 'libvirt-lxc-api.xml', 'libvirt-admin-api.xml'];

export { GenerationError };

/**
 * Reads the API XMLs of a directory, plus the overrides (from `overridesDir`, default the same).
 * Overrides in the XMLs' own directory are written for them (api-xml/'s, a fixture's): their
 * mistakes are refused that are only noted for others (see OverrideTarget in apply-overrides.ts).
 */
export function loadApi(inputDir: string, overridesDir = inputDir): IrApi {
  const present = API_FILES.filter((f) => existsSync(join(inputDir, f)));
  if (!present.includes('libvirt-api.xml')) {
    const found = existsSync(inputDir) ? readdirSync(inputDir).join(', ') : 'nothing: no such directory';
    throw new Error(`${inputDir}: no libvirt-api.xml (found ${found})`);
  }
  const inputs: ApiInput[] = present.map((f) => ({ fileName: `${basename(inputDir)}/${f}`, raw: parseApiXml(readFileSync(join(inputDir, f), 'utf8'), join(inputDir, f)) }));
  const overridesPath = join(overridesDir, OVERRIDES_FILE);
  const overrides = existsSync(overridesPath)
    ? { fileName: `${basename(overridesDir)}/${OVERRIDES_FILE}`, raw: parseApiXml(readFileSync(overridesPath, 'utf8'), overridesPath, true), own: resolve(overridesDir) === resolve(inputDir) }
    : null;
  return buildIr(inputs, overrides);
}

export interface Bound {
  /** The API as bound: without the skipped symbols. */
  api: IrApi;
  functions: FunctionBinding[];
  structs: StructBinding[];
  macros: { macro: IrMacro; value: emit.MacroValue | 'function' }[];
  skipped: SkippedSymbol[];
}

/**
 * Applies policy to every symbol; throws GenerationError listing the mistakes in the overrides,
 * the skips it cannot honour, every unmapped C type, every macro it cannot emit, every
 * variable the runtime cannot read and every argument or result whose meaning no rule settles
 * together (a contributor with several sees all in one run),
 * each kind under its heading with where such problems are fixed. `skips` is policy/skips.ts
 * unless a test gives its own.
 */
export function bindApi(input: IrApi, skips: SkipTable = skippedSymbols): Bound {
  const { api, skipped, problems: skipProblems } = applySkips(input, skips);
  const types = new TypeUniverse(api);
  const constant = constantLookup(api);
  const functions = symbolsOf(api, 'function').map((f) => bindFunction(f, types));
  const structs = symbolsOf(api, 'struct').map((s) => bindStruct(s, types, constant));
  const unmapped = [...[...functions, ...structs].flatMap((b) => b.unmapped), ...symbolsOf(api, 'functype').flatMap((f) => functypeUnmapped(f, types))];
  const unreadable = symbolsOf(api, 'variable').flatMap((v) => variableProblems(v, types));
  const overridesProblems = [...api.overridesProblems, ...[...functions, ...structs].flatMap((b) => b.overridesProblems)];
  const unsettled = functions.flatMap((b) => b.unsettled);
  const { macros, problems: macroProblems } = bindMacros(api, constant);
  if ([overridesProblems, skipProblems, unmapped, macroProblems, unreadable, unsettled].some((p) => p.length > 0)) {
    throw new GenerationError([
      { what: `problem(s) in ${OVERRIDES_FILE}`, problems: overridesProblems },
      { what: `problem(s) with ${SKIPS_FILE}`, problems: skipProblems },
      { what: 'C type(s) or symbol(s) have no mapping', problems: unmapped, hint: UNMAPPED_HINT },
      { what: 'macro(s) the generator cannot emit', problems: macroProblems, hint: MACRO_HINT },
      { what: 'variable(s) the runtime cannot read', problems: unreadable, hint: UNREADABLE_HINT },
      { what: 'argument(s) or result(s) no rule settles', problems: unsettled, hint: UNSETTLED_HINT },
    ]);
  }
  return { api, functions, structs, macros, skipped };
}

/**
 * Refuses entries of the skip list that name no symbol of `api`. The list is written for the
 * pinned XMLs of api-xml/, against which such an entry is a mistake (a misspelt name skips
 * nothing); another libvirt's XML (--input) may well lack a symbol the pinned one has, and is
 * not checked.
 */
export function checkSkipNames(api: IrApi, skips: SkipTable = skippedSymbols): void {
  const unknown = unknownSkips(api, skips);
  if (unknown.length > 0) {
    throw new GenerationError([{ what: `entr(ies) of ${SKIPS_FILE} name no symbol of the XMLs`, problems: unknown, hint: 'Correct each name (the C name, as the XML spells it), or remove the entry.' }]);
  }
}

/** The macros to emit, and why each other one cannot be emitted. */
function bindMacros(api: IrApi, constant: Lookup): Pick<Bound, 'macros'> & { problems: string[] } {
  const out: ReturnType<typeof bindMacros> = { macros: [], problems: [] };
  for (const m of symbolsOf(api, 'macro')) {
    const b = macroValue(m, constant);
    if ('problem' in b) out.problems.push(`macro ${m.name}: ${b.problem}`);
    else out.macros.push({ macro: m, value: b.value });
  }
  return out;
}

/** What a macro is emitted as, or why it cannot be. */
function macroValue(m: IrMacro, constant: Lookup): { value: emit.MacroValue | 'function' } | { problem: string } {
  if (m.string !== null) return { value: { kind: 'string', value: m.string } };
  if (m.params !== null) return macroImplementations[m.name] ? { value: 'function' } : { problem: 'function-like, no entry in policy/macro-impl.ts' };
  if (m.raw === null) return { problem: 'has no value (no raw=, string= or params=)' };
  const c = constant(m.name) as Evaluated;
  return isRefusal(c) ? { problem: `cannot evaluate "${m.raw}": ${c.why}` } : { value: { kind: 'number', value: c.value } };
}

// Not mistakes in the overrides: nothing there yet says what these are, and guessing binds them wrongly without a word.
const UNSETTLED_HINT = `Each line gives the ${OVERRIDES_FILE} entries that settle it, with when each is right (see the header of that file). `
  + "A naming convention of libvirt's own belongs, with its reason, in generator/policy/arg-roles.ts (arguments) or generator/policy/results.ts (results).";

// Most unmapped types are arguments the rules cannot size or misread, or typos (whose line names the near type):
// the overrides come first, and the type map only for a C scalar type it lacks.
const UNMAPPED_HINT = 'An argument or field the rules misread is described in api-xml/tsvirt-overrides.xml (role=, elem=, count=, enum=: '
  + "see the header of that file); a char * or unsigned char * buffer without a size gets <arg name='...' role='bytes-out' size='...'/>, "
  + 'size= naming the argument that holds its length. A C scalar type libvirt uses that has no mapping gets one in generator/policy/type-map.ts.';

// A macro is no C type: neither the type map nor the overrides (which give a macro only param-type=) can help it.
const MACRO_HINT = 'A function-like macro gets its TypeScript in generator/policy/macro-impl.ts. A constant is read by generator/const-expr.ts, which '
  + 'refuses what is not an integer expression it knows and any value C would wrap or leave undefined: teach it the expression, '
  + `or skip the macro with its reason in ${SKIPS_FILE}.`;

// Not a mapping problem: the variable's C type may well be mapped, but only runtime support can read it.
const UNREADABLE_HINT = 'The runtime reads a variable as the pointer stored at its address (readVariable, src/ffi/variables.ts); '
  + 'a variable of any other C type needs a reader for that type there: no type map or override can make it readable.';

/**
 * The value and C type of a constant the API names: an enum constant, or a macro evaluated with
 * the types of the constants it names in turn (a macro naming `1U` is unsigned, as `1U` is); or
 * why the name is no number, for the refusal of whatever names it.
 */
function constantLookup(api: IrApi): Lookup {
  const enums = new Map(symbolsOf(api, 'enum').map((e) => [e.name, e.value]));
  const macros = new Map(symbolsOf(api, 'macro').map((m) => [m.name, m]));
  const seen = new Set<string>();
  const lookup = (name: string): Evaluated | undefined => {
    const e = enums.get(name);
    if (e !== undefined) return enumConstant(e) ?? { why: `its value ${e} fits no C integer type` };
    const m = macros.get(name);
    if (m === undefined) return undefined;
    if (m.string !== null) return { why: 'it is a string (the name of a typed parameter), not a number' };
    if (m.params !== null) return { why: 'it is a function-like macro' };
    if (m.raw === null) return { why: 'it has no value' };
    if (seen.has(name)) return { why: `its value refers back to ${name}` };
    seen.add(name);
    try { return evaluate(m.raw, lookup); } finally { seen.delete(name); }
  };
  return lookup;
}

export interface GenerateOptions {
  /** Import specifier of the runtime from the output directory; default '../src/ffi/index.js'. */
  runtimeImport?: string;
  /** The symbols not to bind; default generator/policy/skips.ts. */
  skips?: SkipTable;
  /** The command that regenerates these files, which their header names; default `npm run generate` (see regenerate-command.ts). */
  command?: string;
}

/** Generated file name -> contents. */
export function generate(input: IrApi, options: GenerateOptions = {}): Map<string, string> {
  const runtimeImport = options.runtimeImport ?? '../src/ffi/index.js';
  const bound = bindApi(input, options.skips);
  const api = bound.api;
  const types = new TypeUniverse(api);
  const project = new Project({ useInMemoryFileSystem: true, manipulationSettings: { quoteKind: QuoteKind.Single, indentationText: IndentationText.TwoSpaces } });
  const modules = new Map<string, GeneratedModule>();
  const moduleFor = (header: string): GeneratedModule => {
    let m = modules.get(header);
    if (!m) { m = new GeneratedModule(header, runtimeImport); modules.set(header, m); }
    return m;
  };
  const home = emitAll(api, bound, types, moduleFor);
  const files = new Map<string, string>();
  const header = banner(api, options.command ?? GENERATE_COMMAND);
  for (const [name, m] of [...modules].sort(([a], [b]) => a.localeCompare(b))) {
    files.set(`${name}.ts`, header + m.print(project, (type) => home.get(type)).getFullText());
  }
  files.set('api-symbols.ts', header + emitSymbolTable(bound));
  files.set('index.ts', header + emitIndex([...modules.keys()].sort()));
  return files;
}

/** Emits every symbol into its header's module; returns where each exported type name lives. */
function emitAll(api: IrApi, bound: Bound, types: TypeUniverse, moduleFor: (h: string) => GeneratedModule): Map<string, string> {
  const home = new Map<string, string>();
  const place = (s: { name: string; file: string }): GeneratedModule => { home.set(s.name, s.file); return moduleFor(s.file); };
  for (const h of symbolsOf(api, 'handle')) emit.emitHandle(place(h), h);
  emitEnums(api, place);
  for (const { macro, value } of bound.macros) {
    if (value === 'function') emit.emitMacroFunction(place(macro), macro, macroImplementations[macro.name] as never);
    else emit.emitMacroConstant(place(macro), macro, value);
  }
  const enumTypes = new Set(symbolsOf(api, 'enum').map((e) => e.enumType));
  for (const t of symbolsOf(api, 'typedef')) if (!enumTypes.has(t.name)) emit.emitTypedef(place(t), t, types);
  for (const s of bound.structs) emit.emitStruct(place(s.ir), s);
  for (const f of symbolsOf(api, 'functype')) emit.emitFunctype(place(f), f, types);
  for (const f of bound.functions) emit.emitFunction(place(f.ir), f);
  for (const v of symbolsOf(api, 'variable')) emit.emitVariable(place(v), v);
  const errors = home.get('virErrorNumber');
  if (errors !== undefined) moduleFor(errors).add('rt.registerErrorNames(virErrorNumber, virErrorDomain);');
  return home;
}

function emitEnums(api: IrApi, place: (s: { name: string; file: string }) => GeneratedModule): void {
  const groups = new Map<string, IrEnum[]>();
  for (const e of symbolsOf(api, 'enum')) groups.set(e.enumType, [...(groups.get(e.enumType) ?? []), e]);
  const typedefs = new Map(symbolsOf(api, 'typedef').map((t) => [t.name, t]));
  for (const [typeName, members] of groups) {
    const first = members[0] as IrEnum;
    emit.emitEnumType(place({ name: typeName, file: typedefs.get(typeName)?.file ?? first.file }), typeName, members, typedefs.get(typeName));
    for (const e of members) emit.emitEnumMember(place(e), e);
  }
}

function banner(api: IrApi, command: string): string {
  const version = api.libvirtVersion ? `libvirt ${api.libvirtVersion}` : 'libvirt version unknown';
  // The overrides file this run read (--overrides may name another than api-xml/'s), or none.
  const edit = api.overridesFile === null ? `generator/ (or add a ${OVERRIDES_FILE})` : `${api.overridesFile} or generator/`;
  return [
    `// @generated by tsvirt's generator from ${api.inputs.join(', ')} (${version}) - DO NOT EDIT.`,
    `// To change this file, edit ${edit}, then run \`${command}\`.`,
    '',
  ].join('\n');
}

export type { IrSymbol };
