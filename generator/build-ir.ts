// Raw XML records -> IR: overrides merged in, handles told apart from structs, enum values
// resolved (a value may name another enum, also across the companion XMLs).
import type { RawApi, RawFunction, RawStruct, RawField } from './raw-xml.js';
import type { IrApi, IrField, IrFunction, IrStruct, IrSymbol, LibraryId } from './ir.js';

export interface ApiInput { fileName: string; raw: RawApi }

const libraries: readonly LibraryId[] = ['libvirt', 'libvirt-qemu', 'libvirt-lxc', 'libvirt-admin'];

/** Attributes that describe the C symbol; every other attribute in the overrides is tsvirt policy. */
const schemaAttrs = new Set(['name', 'file', 'module', 'version', 'type', 'info', 'lib']);
const policyOf = (attrs: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(attrs).filter(([k]) => !schemaAttrs.has(k)));

export function buildIr(inputs: ApiInput[], overrides: RawApi | null): IrApi {
  const symbols: IrSymbol[] = [];
  const files = new Map<string, string>();
  for (const { raw } of inputs) {
    const lib = libraryOf(raw.name);
    for (const f of raw.files) files.set(f.name, f.summary);
    symbols.push(...symbolsOf(raw, lib));
  }
  if (overrides) applyOverrides(symbols, overrides);
  resolveEnums(inputs, overrides, symbols);
  return { libvirtVersion: libvirtVersionOf(inputs), inputs: inputs.map((i) => i.fileName), symbols, files };
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
      ret: { cType: f.ret?.type ?? 'void', doc: f.ret?.info ?? '' },
      params: f.args.map((a) => ({ name: a.name, cType: a.type, doc: a.info, policy: {} })) });
  }
  for (const s of raw.structs) if (s.fields !== null) out.push(structOf(s, lib));
  for (const t of raw.typedefs) {
    const target = /^(\w+) \*$/.exec(t.type)?.[1];
    if (target !== undefined && opaque.has(target)) out.push({ kind: 'handle', name: t.name, file: t.file, lib, since: t.version, doc: t.info, opaque: target });
    else out.push({ kind: 'typedef', name: t.name, file: t.file, lib, since: t.version, doc: t.info, target: t.type });
  }
  for (const m of raw.macros) {
    out.push({ kind: 'macro', name: m.name, file: m.file, lib, since: m.version, doc: m.info, string: m.string,
      raw: m.raw, params: m.params === null ? null : m.params.split(',').map((p) => p.trim()), policy: policyOf(m.attrs) });
  }
  for (const v of raw.variables) out.push({ kind: 'variable', name: v.name, file: v.file, lib, since: v.version, doc: v.info, cType: v.type });
  // Enum values are resolved later, once every input is known.
  for (const e of raw.enums) out.push({ kind: 'enum', name: e.name, file: e.file, lib, since: e.version, doc: e.info, enumType: e.type, value: Number.NaN });
  return out;
}

function functionOf(f: RawFunction, lib: LibraryId): IrFunction {
  return {
    kind: 'function', name: f.name, file: f.file, lib: (f.attrs['lib'] as LibraryId | undefined) ?? lib, since: f.version, doc: f.info,
    ret: { cType: f.ret?.type ?? 'void', doc: f.ret?.info ?? '', policy: policyOf(f.ret?.attrs ?? {}) },
    params: f.args.map((a) => ({ name: a.name, cType: a.type, doc: a.info, policy: policyOf(a.attrs) })),
    policy: policyOf(f.attrs),
  };
}

function structOf(s: RawStruct, lib: LibraryId): IrStruct {
  return { kind: 'struct', name: s.name, file: s.file, lib, since: s.version, doc: s.info, fields: (s.fields ?? []).map(fieldOf) };
}

function fieldOf(f: RawField): IrField {
  return { name: f.name, cType: f.type, doc: f.info, union: f.union ? f.union.map(fieldOf) : null, policy: policyOf(f.attrs) };
}

/**
 * The overrides file uses libvirt's schema. A symbol it names that exists gets the override's
 * policy attributes (and, for structs with fields, the override's fields); a symbol that does
 * not exist is added as written there.
 */
function applyOverrides(symbols: IrSymbol[], o: RawApi): void {
  const byKey = new Map(symbols.map((s, i) => [`${s.kind}:${s.name}`, i]));
  const lib = (attrs: Record<string, string>): LibraryId => (attrs['lib'] as LibraryId | undefined) ?? 'libvirt';
  for (const f of o.functions) {
    const at = byKey.get(`function:${f.name}`);
    if (at === undefined) { symbols.push(functionOf(f, lib(f.attrs))); continue; }
    mergeFunction(symbols[at] as IrFunction, f);
  }
  for (const s of o.structs) {
    const at = byKey.get(`struct:${s.name}`);
    if (at === undefined) symbols.push(structOf(s, 'libvirt'));
    else if (s.fields !== null) mergeFields(symbols[at] as IrStruct, s.fields);
  }
  for (const m of o.macros) {
    const at = byKey.get(`macro:${m.name}`);
    if (at !== undefined) Object.assign((symbols[at] as Extract<IrSymbol, { kind: 'macro' }>).policy, policyOf(m.attrs));
  }
  for (const t of o.typedefs) {
    if (!byKey.has(`typedef:${t.name}`)) symbols.push({ kind: 'typedef', name: t.name, file: t.file, lib: 'libvirt', since: t.version, doc: t.info, target: t.type });
  }
}

/**
 * Fields written with their C type replace the struct's fields; fields written by name only
 * (`<field name='state' enum='virDomainControlState'/>`) add policy to the field of that name.
 */
function mergeFields(target: IrStruct, fields: RawField[]): void {
  if (fields.some((f) => f.type !== '')) {
    target.fields = fields.map(fieldOf);
    return;
  }
  for (const f of fields) {
    const field = target.fields.find((x) => x.name === f.name);
    if (!field) throw new Error(`overrides: ${target.name} has no field "${f.name}"`);
    Object.assign(field.policy, policyOf(f.attrs));
  }
}

function mergeFunction(target: IrFunction, o: RawFunction): void {
  Object.assign(target.policy, policyOf(o.attrs));
  if (o.ret) Object.assign(target.ret.policy, policyOf(o.ret.attrs));
  for (const a of o.args) {
    const p = target.params.find((x) => x.name === a.name);
    if (!p) throw new Error(`overrides: ${target.name} has no argument "${a.name}"`);
    Object.assign(p.policy, policyOf(a.attrs));
  }
}

function resolveEnums(inputs: ApiInput[], overrides: RawApi | null, symbols: IrSymbol[]): void {
  const raw = new Map<string, string>();
  for (const { raw: api } of inputs) for (const e of api.enums) raw.set(e.name, e.value);
  for (const e of overrides?.enums ?? []) raw.set(e.name, e.value);
  const resolved = new Map<string, number>();
  const resolve = (name: string, seen: Set<string>): number => {
    const done = resolved.get(name);
    if (done !== undefined) return done;
    const text = raw.get(name);
    if (text === undefined || seen.has(name)) throw new Error(`enum ${name}: cannot resolve value`);
    seen.add(name);
    const n = /^-?(0x[0-9a-f]+|\d+)$/i.test(text.trim()) ? Number(text) : resolve(text.trim(), seen);
    resolved.set(name, n);
    return n;
  };
  for (const s of symbols) if (s.kind === 'enum') s.value = resolve(s.name, new Set());
}

function libvirtVersionOf(inputs: ApiInput[]): string | null {
  for (const { raw } of inputs) {
    const m = raw.macros.find((x) => x.name === 'LIBVIR_VERSION_NUMBER');
    const n = Number(m?.raw);
    if (m && Number.isFinite(n)) return `${Math.floor(n / 1e6)}.${Math.floor(n / 1e3) % 1000}.${n % 1000}`;
  }
  return null;
}
