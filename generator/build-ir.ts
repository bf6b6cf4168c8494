// Raw XML records -> IR: overrides merged in (apply-overrides.ts), handles told apart from
// structs, enum values resolved (a value may name another enum, also across the companion XMLs).
import type { RawApi } from './raw-xml.js';
import type { IrApi, IrSymbol, LibraryId } from './ir.js';
import { resolveEnumValues } from './enum-values.js';
import { evaluateConstant } from './const-expr.js';
import { canonicalCType } from './c-types.js';
import { policyOf } from './override-attributes.js';
import { functionOf, libraries, structOf } from './raw-to-ir.js';
import { applyOverrides } from './apply-overrides.js';

export interface ApiInput { fileName: string; raw: RawApi }

/**
 * The overrides file, read as the API XMLs are. `own`: written for these XMLs (it sits in their
 * directory), which makes an entry naming nothing, or an addition newer than their libvirt, a
 * mistake (see OverrideTarget).
 */
export interface OverridesInput extends ApiInput { own: boolean }

/** `overridesInput`: null when there is none. */
export function buildIr(inputs: ApiInput[], overridesInput: OverridesInput | null): IrApi {
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
  const release = libvirtVersionOf(inputs);
  const applied = overridesInput ? applyOverrides({ symbols, headers, own: overridesInput.own, release }, overridesInput.raw) : { skipped: [], problems: [], named: [] };
  return { libvirtVersion: release, inputs: [...inputs, ...(overridesInput ? [overridesInput] : [])].map((i) => i.fileName),
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
      raw: m.raw, params: m.params === null ? null : m.params.split(',').map((p) => p.trim()), policy: policyOf('macro', m.attrs) });
  }
  for (const v of raw.variables) out.push({ kind: 'variable', name: v.name, file: v.file, lib, since: v.version, doc: v.info, cType: canonicalCType(v.type) });
  // Enum values are resolved later, once every input is known.
  for (const e of raw.enums) out.push({ kind: 'enum', name: e.name, file: e.file, lib, since: e.version, doc: e.info, enumType: e.type, value: Number.NaN });
  return out;
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
