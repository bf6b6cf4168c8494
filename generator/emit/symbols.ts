// One small emitter per kind of symbol. Each adds statements to a GeneratedModule.
import { StructureKind, VariableDeclarationKind } from 'ts-morph';
import type { IrEnum, IrFunctype, IrHandle, IrMacro, IrTypedef, IrVariable } from '../ir.js';
import type { FunctionBinding } from '../bind-function.js';
import type { StructBinding } from '../bind-struct.js';
import { structTsOverrides } from '../bind-struct.js';
import type { FunctypeSpec } from '../../src/ffi/spec.js';
import type { TypeUniverse } from '../c-types.js';
import type { MacroImpl } from '../policy/macro-impl.js';
import { safeIdentifier } from '../naming.js';
import { tsdoc } from './docs.js';
import type { GeneratedModule } from './module.js';

const exportConst = (m: GeneratedModule, name: string, init: string, doc: string): void => {
  m.add({ kind: StructureKind.VariableStatement, isExported: true, declarationKind: VariableDeclarationKind.Const, docs: [doc], declarations: [{ name, initializer: init }] });
};

export function emitHandle(m: GeneratedModule, h: IrHandle): void {
  m.add(`rt.registerHandle(${JSON.stringify(h.name)}, ${JSON.stringify(h.opaque)});`);
  m.useTypes('Handle');
  m.add({ kind: StructureKind.TypeAlias, isExported: true, name: h.name, type: `Handle<${JSON.stringify(h.opaque)}>`, docs: [tsdoc({ summary: h.doc, since: h.since })] });
}

/** An enum type: a frozen name -> value object plus the union of its values, under one name. */
export function emitEnumType(m: GeneratedModule, typeName: string, members: IrEnum[], typedef: IrTypedef | undefined): void {
  const body = members.map((e) => `${e.name}: ${e.value}`).join(',\n  ');
  const doc = tsdoc({ summary: typedef?.doc ?? `Values of the C enum ${typeName}.`, since: typedef?.since ?? members[0]?.since ?? null });
  exportConst(m, typeName, `Object.freeze({\n  ${body},\n} as const)`, doc);
  m.add({ kind: StructureKind.TypeAlias, isExported: true, name: typeName, type: `(typeof ${typeName})[keyof typeof ${typeName}]`, docs: [doc] });
}

export function emitEnumMember(m: GeneratedModule, e: IrEnum): void {
  exportConst(m, e.name, String(e.value), tsdoc({ summary: e.doc || `${e.enumType} value.`, since: e.since }));
}

export type MacroValue = { kind: 'string'; value: string } | { kind: 'number'; value: number };

export function emitMacroConstant(m: GeneratedModule, macro: IrMacro, value: MacroValue): void {
  const extra = macro.policy['param-type'] ? [`Typed parameter of type \`${macro.policy['param-type']}\`.`] : [];
  const init = value.kind === 'string' ? JSON.stringify(value.value) : String(value.value);
  exportConst(m, macro.name, init, tsdoc({ summary: macro.doc, since: macro.since, extra }));
}

export function emitMacroFunction(m: GeneratedModule, macro: IrMacro, impl: MacroImpl): void {
  m.useTypes(impl.params);
  m.useTypes(impl.returns);
  m.add({
    kind: StructureKind.Function, isExported: true, name: macro.name,
    parameters: splitParams(impl.params), returnType: impl.returns, statements: [impl.body],
    docs: [tsdoc({ summary: macro.doc, since: macro.since, extra: ['A C macro, implemented in TypeScript.'] })],
  });
}

/** "a: number, b = 'x'" -> parameter structures (types and initializers kept as written). */
function splitParams(params: string): { name: string; type?: string; initializer?: string }[] {
  return params.split(/,(?![^{]*})/).map((p) => {
    const init = /^\s*(\w+)\s*=\s*(.+)$/.exec(p);
    if (init) return { name: init[1] as string, initializer: (init[2] as string).trim() };
    const typed = /^\s*(\w+)\s*:\s*(.+)$/.exec(p) as RegExpExecArray;
    return { name: typed[1] as string, type: (typed[2] as string).trim() };
  });
}

export function emitTypedef(m: GeneratedModule, t: IrTypedef, types: TypeUniverse): void {
  const resolved = types.resolve(t.target);
  let ts = 'Pointer';
  if (resolved.kind === 'scalar') ts = resolved.map.js;
  m.useTypes(ts);
  m.add({ kind: StructureKind.TypeAlias, isExported: true, name: t.name, type: ts, docs: [tsdoc({ summary: t.doc || `C type ${t.target}.`, since: t.since })] });
}

export function emitStruct(m: GeneratedModule, b: StructBinding): void {
  for (const spec of b.specs) m.add(`rt.registerStruct(${JSON.stringify(spec)});`);
  for (const h of b.handleFields) m.add(`rt.registerHandleField(${JSON.stringify(b.ir.name)}, ${JSON.stringify(h.field)}, ${JSON.stringify(h.typedef.replace(/Ptr$/, 'Ref'))});`);
  const doc = tsdoc({ summary: b.ir.doc || `The C struct ${b.ir.name}, as read from libvirt.`, since: b.ir.since });
  const override = structTsOverrides[b.ir.name];
  if (override) {
    m.useTypes(override);
    m.add({ kind: StructureKind.TypeAlias, isExported: true, name: b.ir.name, type: override, docs: [doc] });
    return;
  }
  for (const f of b.fields) m.useTypes(f.ts);
  m.add({ kind: StructureKind.Interface,
    isExported: true, name: b.ir.name, docs: [doc],
    properties: b.fields.map((f) => ({ name: f.name, type: f.ts, ...(f.doc ? { docs: [f.doc.replace(/\*\//g, '*\\/')] } : {}) })),
  });
}

/** Callback types: the koffi prototype for the runtime and the TS function type. */
export function emitFunctype(m: GeneratedModule, f: IrFunctype, types: TypeUniverse): void {
  const params = f.params.map((p) => ({ p, t: types.resolve(p.cType) }));
  const ffiOf = (t: ReturnType<TypeUniverse['resolve']>): string =>
    t.kind === 'scalar' ? t.map.ffi : t.kind === 'handle' ? t.typedef : t.kind === 'string' ? 'const char *' : t.kind === 'void' ? 'void' : 'void *';
  const tsOf = (t: ReturnType<TypeUniverse['resolve']>): string =>
    t.kind === 'scalar' ? t.map.js : t.kind === 'handle' ? t.typedef : t.kind === 'string' ? 'string | null' : t.kind === 'void' ? 'void' : 'Pointer | null';
  const spec: FunctypeSpec = { name: f.name, ret: ffiOf(types.resolve(f.ret.cType)), args: params.map(({ p, t }) => ({ name: p.name, ffi: ffiOf(t) })) };
  m.add(`rt.registerFunctype(${JSON.stringify(spec)});`);
  const sig = `(${params.map(({ p, t }) => `${safeIdentifier(p.name)}: ${tsOf(t)}`).join(', ')}) => ${tsOf(types.resolve(f.ret.cType))}`;
  m.useTypes(sig);
  m.add({ kind: StructureKind.TypeAlias, isExported: true, name: f.name, type: sig,
    docs: [tsdoc({ summary: f.doc, params: f.params.map((p) => ({ name: safeIdentifier(p.name), doc: p.doc })), returns: f.ret.doc, since: f.since })] });
}

export function emitFunction(m: GeneratedModule, b: FunctionBinding): void {
  const binding = `$${b.ir.name}`;
  m.add(`const ${binding} = rt.defineFunction(${JSON.stringify(b.spec)});`);
  for (const p of b.params) m.useTypes(p.ts);
  m.useTypes(b.result.ts);
  const args = b.params.map((p) => p.name).join(', ');
  const call = `${binding}(${args})`;
  m.add({ kind: StructureKind.Function,
    isExported: true, name: b.ir.name,
    parameters: b.params.map((p) => ({ name: p.name, type: p.ts, ...(p.default === undefined ? {} : { initializer: String(p.default) }) })),
    returnType: b.result.ts,
    statements: b.result.ts === 'void' ? [`${call};`] : [`return ${call} as ${b.result.ts};`],
    docs: [tsdoc({ summary: b.ir.doc, params: b.params, returns: b.result.doc, since: b.ir.since })],
  });
}

export function emitVariable(m: GeneratedModule, v: IrVariable): void {
  m.useTypes('Pointer');
  m.add({ kind: StructureKind.Function,
    isExported: true, name: v.name, returnType: 'Pointer | null',
    statements: [`return rt.readVariable(${JSON.stringify(v.lib)}, ${JSON.stringify(v.name)});`],
    docs: [tsdoc({ summary: `${v.doc}\n\nReads the C variable \`${v.name}\` (${v.cType}) from the loaded library.`, since: v.since })],
  });
}
