// Policy applied to one function: each C parameter gets a role (see src/ffi/spec.ts), the
// result its error value and ownership, and the TypeScript signature follows from both.
// Rules are tried in order; `role=` in the overrides file wins over all of them. A pointer
// argument whose role neither its C type, its documentation nor policy/arg-roles.ts settles is
// refused (unsettled), as is a result without a failure value or an owner.
import type { ArgSpec, FunctionSpec, ReturnSpec, ValueType } from '../src/ffi/spec.js';
import type { IrFunction, IrParam } from './ir.js';
import type { CType, TypeUniverse } from './c-types.js';
import { lifetimeOf } from './policy/callbacks.js';
import { defaultErrorValues, isStatusDoc } from './policy/results.js';
import { trailingDefaults } from './policy/param-defaults.js';
import { structReleases } from './policy/struct-releases.js';
import { countRule, directionMarks, filledCounts, fixedBuffers, fixedTextBuffers, inputLength, nullTerminatedMark, readArrays, structCounts } from './policy/arg-roles.js';
import * as refuse from './unsettled.js';
import { safeIdentifier } from './naming.js';

export interface TsParam { name: string; ts: string; doc: string; /** Its value when left out (see policy/param-defaults.ts). */ default?: number }
export interface FunctionBinding {
  ir: IrFunction;
  spec: FunctionSpec;
  params: TsParam[];
  result: { ts: string; doc: string };
  /** C types that no rule could map; non-empty stops the generator. */
  unmapped: string[];
  /** Mistakes in the overrides that only binding finds (they need the C types resolved); they stop it too. */
  overridesProblems: string[];
  /**
   * Arguments whose role no rule settles and results without a failure value or an owner, each
   * with the overrides entry that settles it; non-empty stops the generator too.
   */
  unsettled: string[];
}

interface Ctx { fn: IrFunction; types: TypeUniverse; consumed: Set<string>; unmapped: string[]; overrides: string[]; unsettled: string[] }

const n = (ffi: string): ValueType => ({ ffi, js: 'number' });
const ptrType: ValueType = { ffi: 'void *', js: 'pointer' };

export function bindFunction(fn: IrFunction, types: TypeUniverse): FunctionBinding {
  const ctx: Ctx = { fn, types, consumed: new Set(), unmapped: [], overrides: [], unsettled: [] };
  const args: ArgSpec[] = [];
  // Pointers first: they claim their count arguments (nfiles may come before files).
  const order = fn.params.map((p, i) => ({ p, i })).sort((a, b) => scalarRank(a.p, ctx) - scalarRank(b.p, ctx));
  for (const { p, i } of order) {
    if (!ctx.consumed.has(p.name)) args.push(...classify(p, i, ctx));
  }
  const found = fn.params.map((p) => args.find((a) => a.name === p.name)).filter((a): a is ArgSpec => a !== undefined);
  const ordered = withTrailingDefault(found.map((a) => withStringRelease(a, ctx)));
  ctx.unmapped.push(...unreleasedStrings(ordered, ctx));
  const ret = returnSpec(fn, ordered, ctx);
  const spec: FunctionSpec = { name: fn.name, lib: fn.lib, since: fn.since, ret, args: ordered, ...handleEffect(fn, types) };
  return { ir: fn, spec, params: publicParams(fn, ordered), result: resultOf(fn, spec), unmapped: ctx.unmapped, overridesProblems: ctx.overrides, unsettled: ctx.unsettled };
}

function valueType(c: string, ctx: Ctx): ValueType | null {
  const t = ctx.types.resolve(c);
  switch (t.kind) {
    case 'scalar': return { ffi: t.map.ffi, js: t.map.js };
    case 'string': return { ffi: 'const char *', js: 'string' };
    case 'handle': return { ffi: t.typedef, js: 'handle', ref: t.typedef };
    case 'void-ptr': return ptrType;
    case 'struct-ptr': return ptrType;
    case 'functype': return ptrType;
    default: return null;
  }
}

const next = (ctx: Ctx, i: number): IrParam | undefined => ctx.fn.params[i + 1];
const named = (ctx: Ctx, name: string): IrParam | undefined => ctx.fn.params.find((p) => p.name === name);
/** A scalar argument that can be a count; `flags` never is. */
const isCountLike = (p: IrParam | undefined, ctx: Ctx): p is IrParam =>
  p !== undefined && p.name !== 'flags' && ctx.types.resolve(p.cType).kind === 'scalar';
/** An `int *` (or other integer pointer) that can be a count libvirt writes; `flags` never is. */
function isCountPointer(p: IrParam | undefined, ctx: Ctx): p is IrParam {
  const t = p === undefined || p.name === 'flags' ? null : ctx.types.resolve(p.cType);
  return t?.kind === 'pointer' && t.depth === 1 && ctx.types.resolve(t.to).kind === 'scalar';
}
const scalarRank = (p: IrParam, ctx: Ctx): number => (ctx.types.resolve(p.cType).kind === 'scalar' && !p.policy['role'] ? 1 : 0);

function classify(p: IrParam, i: number, ctx: Ctx): ArgSpec[] {
  if (p.policy['role']) return fromPolicy(p, ctx);
  const t = ctx.types.resolve(p.cType);
  const fname = ctx.fn.name;
  switch (t.kind) {
    case 'handle': {
      // NULL is accepted where libvirt documents it ("or NULL") or the overrides say so.
      const nullable = p.policy['nullable'] === 'true' || /\bor NULL\b/.test(p.doc);
      return [{ role: 'in', name: p.name, type: { ...(valueType(p.cType, ctx) as ValueType), ...(nullable ? { nullable } : {}) } }];
    }
    case 'scalar': case 'void-ptr':
      return [{ role: 'in', name: p.name, type: valueType(p.cType, ctx) as ValueType }];
    case 'string':
      return t.owned ? bytesOrString(p, i, ctx) : [{ role: 'in', name: p.name, type: { ffi: 'const char *', js: 'string' } }];
    case 'functype':
      if (t.name === 'virFreeCallback') return [{ role: 'freecb', name: p.name }];
      return [{ role: 'callback', name: p.name, functype: t.name,
        lifetime: lifetimeOf(fname, ctx.fn.params.some((x) => x.cType === 'virFreeCallback')) }];
    case 'struct-ptr':
      return structPointer(p, i, t.struct, ctx);
    case 'pointer':
      return pointer(p, i, t, ctx);
    default:
      ctx.unmapped.push(`${fname}(${p.name}): ${p.cType}${ctx.types.undefinedTypeNote(p.cType)}`);
      return [{ role: 'in', name: p.name, type: ptrType }];
  }
}

/** `char *buf`: an output buffer (UUID strings, stream data). */
function bytesOrString(p: IrParam, i: number, ctx: Ctx): ArgSpec[] {
  const fixed = fixedTextBuffers.find((r) => r.fn.test(ctx.fn.name));
  if (fixed) return [{ role: 'bytes-out', name: p.name, size: fixed.bytes, as: 'string' }];
  const size = next(ctx, i);
  if (isCountLike(size, ctx)) {
    if (!countRule(filledCounts, size.name)) ctx.unsettled.push(refuse.textWithCount(ctx.fn.name, p, size));
    return [{ role: 'bytes-out', name: p.name, size: size.name, as: 'bytes', used: 'ret' }];
  }
  ctx.unmapped.push(`${ctx.fn.name}(${p.name}): char * without a size`);
  return [{ role: 'in', name: p.name, type: ptrType }];
}

function structPointer(p: IrParam, i: number, struct: string, ctx: Ctx): ArgSpec[] {
  const fname = ctx.fn.name;
  // Release/reset helpers (virDomainFSInfoFree, virFreeError, virResetError) and auth take a
  // pointer the caller already holds: filling scratch memory and freeing it would crash.
  if (/^virFree|(Free|Reset\w*|ErrorFunc)$/.test(fname) || struct === 'virConnectAuth') return [{ role: 'in', name: p.name, type: ptrType }];
  if (struct === 'virTypedParameter') return typedParams(p, i, ctx);
  const count = next(ctx, i);
  const rule = count && countRule(structCounts, count.name);
  if (count && rule) {
    if (rule.shape === 'filled') return [{ role: 'array-out', name: p.name, elem: { ffi: struct, js: 'struct', ref: struct }, size: count.name, used: 'ret' }];
    ctx.consumed.add(count.name);
    if (rule.shape === 'sizeof') return [{ role: 'struct-out', name: p.name, struct }, { role: 'length', name: count.name, ffi: 'size_t', of: `sizeof:${struct}` }];
    return [{ role: 'query-out', name: p.name, struct, countArg: count.name }, { role: 'count', name: count.name, ffi: 'int' }];
  }
  // A count the table does not name (nstats for nr_stats): one struct or an array is a guess.
  if (isCountLike(count, ctx) || isCountPointer(count, ctx)) ctx.unsettled.push(refuse.structWithCount(ctx.fn.name, p, struct, count, isCountPointer(count, ctx)));
  return [{ role: 'struct-out', name: p.name, struct }];
}

/**
 * What releases the strings libvirt allocates in structs the caller provides, where clear= does
 * not: one struct's own release function (policy/struct-releases.ts), else the runtime's free()
 * of each `char *` field once read (freeFields). An array of a struct with a release of its own
 * gets neither: that function takes one struct (unreleasedStrings refuses it).
 */
function withStringRelease(a: ArgSpec, ctx: Ctx): ArgSpec {
  if (a.role !== 'struct-out' && a.role !== 'query-out' && a.role !== 'array-out') return a;
  const filled = filledStruct(a);
  if (filled === null || filled.release !== undefined) return a;
  const own = structReleases[filled.struct];
  if (own) return a.role === 'struct-out' ? { ...a, reset: own.release } : a;
  const fields = ctx.types.ownedStringFields(filled.struct);
  return fields.length > 0 ? { ...a, freeFields: fields } : a;
}

/** The struct an argument has libvirt fill in memory the caller provides, and whether it names its own release. */
function filledStruct(a: ArgSpec): { struct: string; array: boolean; release: string | undefined } | null {
  switch (a.role) {
    case 'struct-out': return { struct: a.struct, array: false, release: a.reset };
    case 'query-out': return { struct: a.struct, array: true, release: a.clear };
    case 'array-out': return a.elem.js === 'struct' ? { struct: a.elem.ref as string, array: true, release: a.clear } : null;
    default: return null;
  }
}

/**
 * Strings libvirt allocates in caller memory that nothing would release are refused, not
 * leaked: `char *` union members of a struct without a release of its own (free() cannot tell
 * whether the member holds a string), and an array of a struct whose own release function
 * takes one struct, without clear= (a function releasing the array). Direct `char *` fields
 * need nothing: the runtime frees them (freeFields).
 */
function unreleasedStrings(args: readonly ArgSpec[], ctx: Ctx): string[] {
  return args.flatMap((a) => {
    const filled = filledStruct(a);
    if (filled === null) return [];
    const where = `${ctx.fn.name}(${a.name})`;
    if (filled.release !== undefined) return filled.array ? [] : misplacedRelease(where, filled.struct, filled.release, ctx);
    const own = structReleases[filled.struct];
    if (own) return [`${where}: an array of ${filled.struct}, whose release ${own.release} (generator/policy/struct-releases.ts) takes one struct: ${arrayReleaseFix(a, args, ctx)}`];
    const inUnions = ctx.types.unionStringFields(filled.struct);
    if (inUnions.length === 0) return [];
    const fix = filled.array ? arrayReleaseFix(a, args, ctx) : `add ${filled.struct} with the function that releases it to generator/policy/struct-releases.ts`;
    return [`${where}: ${filled.struct} has char * in a union (${inUnions.join(', ')}), which the runtime cannot free (whether it holds a string depends on another field): ${fix}`];
  });
}

/** A struct's own release function (clear= is checked with the other overrides) that the runtime would not find. */
function misplacedRelease(where: string, struct: string, release: string, ctx: Ctx): string[] {
  const problem = releaseProblem(release, ctx);
  return problem === null ? [] : [`${where}: ${struct}'s release ${release} (generator/policy/struct-releases.ts) ${problem}`];
}

/**
 * The overrides entry that gives an array argument a release: clear= is read only beside role=,
 * so the entry restates the role the rules gave the argument (and its count's), with clear=.
 */
function arrayReleaseFix(a: ArgSpec, args: readonly ArgSpec[], ctx: Ctx): string {
  const entry = (attrs: string): string => `<arg name='${a.name}' ${attrs} clear='...'/>`;
  let arg = '';
  if (a.role === 'query-out') {
    const count = args.find((x) => x.name === a.countArg);
    const input = count?.role === 'count' && count.input ? " input='true'" : '';
    arg = `${entry(`role='query-out' count='${a.countArg}'`)}<arg name='${a.countArg}' role='count'${input}/>`;
  } else if (a.role === 'array-out') {
    const size = typeof a.size === 'object' ? a.size.join('*') : String(a.size);
    arg = entry(`role='struct-array-out' size='${size}'${a.used === 'ret' ? " used='ret'" : ''}`);
  }
  return `name a function that releases the array and its count in api-xml/tsvirt-overrides.xml, in place of '...': <function name='${ctx.fn.name}'>${arg}</function>`;
}

function typedParams(p: IrParam, i: number, ctx: Ctx): ArgSpec[] {
  const count = next(ctx, i);
  if (ctx.fn.name.startsWith('virTypedParams') || !count) return [{ role: 'in', name: p.name, type: ptrType }];
  ctx.consumed.add(count.name);
  if (count.cType.endsWith('*')) {
    return [{ role: 'query-out', name: p.name, struct: 'virTypedParameter', countArg: count.name, clear: 'virTypedParamsClear' },
      { role: 'count', name: count.name, ffi: 'int' }];
  }
  return [{ role: 'params-in', name: p.name }, { role: 'length', name: count.name, ffi: 'int', of: p.name }];
}

function pointer(p: IrParam, i: number, t: { to: string; depth: number; constant: boolean }, ctx: Ctx): ArgSpec[] {
  const fname = ctx.fn.name;
  const elem = valueType(t.to, ctx);
  const helper = fname.startsWith('virTypedParams');
  // virTypedParamsGetString writes a string it points into params; virTypedParamsAddStringList's
  // const char ** is a NULL-terminated list passed in (the const char ** rule below).
  if (fname.startsWith('virTypedParamsGet') && t.to === 'char' && t.depth === 2 && t.constant) return [{ role: 'out', name: p.name, type: { ffi: 'const char *', js: 'string' } }];
  if (t.depth === 1 && helper && !t.constant && elem) return [{ role: t.to === 'const char *' ? 'out' : 'inout', name: p.name, type: elem }];
  if (t.to === 'virTypedParameterPtr' && t.depth === 1) return libraryTypedParams(p, i, ctx);
  if (t.depth === 2 && ctx.types.isHandle(t.to)) return [{ role: 'list-out', name: p.name, elem: { ffi: t.to, js: 'handle', ref: t.to }, count: 'ret' }];
  if (t.depth === 2 && ctx.types.structOfPointer(t.to)) return [structList(p, ctx.types.structOfPointer(t.to) as string, ctx)];
  if (t.depth === 1 && ctx.types.isHandle(t.to)) return [{ role: 'array-in', name: p.name, elem: { ffi: t.to, js: 'handle', ref: t.to }, nullTerminated: true }];
  if (t.depth === 1 && ctx.types.structOfPointer(t.to)) {
    const struct = ctx.types.structOfPointer(t.to) as string;
    if (/Free$/.test(fname)) return [{ role: 'in', name: p.name, type: ptrType }];
    return [{ role: 'list-out', name: p.name, elem: { ffi: struct, js: 'struct', ref: struct }, count: 'ret', inline: true }];
  }
  if (t.to === 'char' && t.depth === 3) return [{ role: 'list-out', name: p.name, elem: { ffi: 'char *', js: 'string' }, count: 'ret' }];
  if (t.to === 'char' && t.depth === 2) return stringArrays(p, i, t, ctx);
  if (t.to === 'unsigned char' && t.depth === 1) return uuidOrBytes(p, i, t.constant, ctx);
  if (t.depth === 1 && elem && elem.js !== 'pointer') return numberPointer(p, i, elem, t.constant, ctx);
  if (t.depth === 2 && elem && elem.js === 'number') return [{ role: 'list-out', name: p.name, elem, count: 'ret', inline: true }];
  if (t.depth === 2 && t.to === 'unsigned char') return [{ role: 'out', name: p.name, type: ptrType }];
  ctx.unmapped.push(`${fname}(${p.name}): ${p.cType}${ctx.types.undefinedTypeNote(p.cType)}`);
  return [{ role: 'in', name: p.name, type: ptrType }];
}

function libraryTypedParams(p: IrParam, i: number, ctx: Ctx): ArgSpec[] {
  const count = next(ctx, i);
  if (!count) return [{ role: 'inout', name: p.name, type: ptrType }];
  ctx.consumed.add(count.name);
  return [{ role: 'params-out', name: p.name, countArg: count.name }, { role: 'count', name: count.name, ffi: count.cType.replace(/ \*$/, '') }];
}

/** Element release per struct list (libvirt documents one free function per element type). */
function structList(p: IrParam, struct: string, ctx: Ctx): ArgSpec {
  const elem: ValueType = { ffi: struct, js: 'struct', ref: struct };
  if (struct === 'virDomainStatsRecord') return { role: 'list-out', name: p.name, elem, count: 'ret', freeList: 'virDomainStatsRecordListFree' };
  const free = `${struct}Free`;
  return { role: 'list-out', name: p.name, elem, count: 'ret', ...(releaseProblem(free, ctx) === null ? { freeElement: free } : {}) };
}

function stringArrays(p: IrParam, i: number, t: { to: string; depth: number; constant: boolean }, ctx: Ctx): ArgSpec[] {
  const count = next(ctx, i);
  const string: ValueType = { ffi: 'const char *', js: 'string' };
  if (t.constant) {
    // const char **: strings passed in, with a count argument or NULL-terminated.
    if (isCountLike(count, ctx)) {
      ctx.consumed.add(count.name);
      return [{ role: 'array-in', name: p.name, elem: string }, { role: 'length', name: count.name, ffi: count.cType, of: p.name }];
    }
    // Without a count, only its documentation tells a list passed in from a string libvirt writes.
    if (!documentedNullTerminated(p, ctx)) ctx.unsettled.push(refuse.constStrings(ctx.fn.name, p));
    return [{ role: 'array-in', name: p.name, elem: string, nullTerminated: true }];
  }
  if (isCountLike(count, ctx)) {
    // char **names + maxnames: a caller-allocated array the function fills with strings it allocates.
    if (!countRule(filledCounts, count.name)) ctx.unsettled.push(refuse.stringsWithCount(ctx.fn.name, p, count));
    return [{ role: 'array-out', name: p.name, elem: { ffi: 'char *', js: 'string' }, size: count.name, used: 'ret', freeElements: true }];
  }
  return [{ role: 'out', name: p.name, type: { ffi: 'char *', js: 'string' }, owned: true }];
}

function uuidOrBytes(p: IrParam, i: number, constant: boolean, ctx: Ctx): ArgSpec[] {
  const fixed = fixedBuffers[p.name];
  if (fixed) return constant ? [{ role: 'bytes-in', name: p.name, fixed: fixed.bytes }] : [{ role: 'bytes-out', name: p.name, size: fixed.bytes, as: 'bytes' }];
  const size = next(ctx, i);
  // Not const: read only where its documentation says so (virDomainPinVcpu's cpumap, "(IN)").
  if (!constant && !directionMarks.read.test(p.doc)) {
    ctx.unsettled.push(refuse.bytesDirection(ctx.fn.name, p, isCountLike(size, ctx) ? size : undefined, directionMarks.filled.test(p.doc)));
  }
  if (isCountLike(size, ctx)) {
    ctx.consumed.add(size.name);
    return [{ role: 'bytes-in', name: p.name }, { role: 'length', name: size.name, ffi: size.cType, of: p.name }];
  }
  return [{ role: 'bytes-in', name: p.name }];
}

/**
 * `int *x`: an array passed in when a count `nx` exists and it is read (const, documented
 * "(IN)" or listed in policy/arg-roles.ts), an array filled when a count the table names
 * follows (maxX), otherwise one out value.
 */
function numberPointer(p: IrParam, i: number, elem: ValueType, constant: boolean, ctx: Ctx): ArgSpec[] {
  const count = named(ctx, inputLength.name(p.name));
  if (count && isCountLike(count, ctx)) {
    const read = constant || readArrays[ctx.fn.name]?.arg === p.name || directionMarks.read.test(p.doc);
    if (!read) ctx.unsettled.push(refuse.arrayDirection(ctx.fn.name, p, count, directionMarks.filled.test(p.doc)));
    ctx.consumed.add(count.name);
    return [{ role: 'array-in', name: p.name, elem }, { role: 'length', name: count.name, ffi: count.cType, of: p.name }];
  }
  const max = next(ctx, i);
  if (isCountLike(max, ctx)) {
    if (countRule(filledCounts, max.name)) return [{ role: 'array-out', name: p.name, elem, size: max.name, used: 'ret' }];
    ctx.unsettled.push(refuse.numbersWithCount(ctx.fn.name, p, max));
  }
  return [{ role: 'out', name: p.name, type: elem }];
}

/** A `const char **` list that its own or its function's documentation calls NULL-terminated (virTypedParamsAddStringList). */
function documentedNullTerminated(p: IrParam, ctx: Ctx): boolean {
  const inFunctionDoc = new RegExp(`${nullTerminatedMark.source}[^.]*@${p.name}\\b`, 'i');
  return nullTerminatedMark.test(p.doc) || inFunctionDoc.test(ctx.fn.doc);
}

/** Attributes a role cannot do without. */
const roleNeeds: Readonly<Record<string, readonly string[]>> = {
  'bytes-out': ['size'], length: ['of'], 'array-out': ['size'], 'struct-array-out': ['size'], 'query-out': ['count'],
};
const structRoles = new Set(['struct-in', 'struct-out', 'struct-array-out', 'query-out']);

/**
 * What does not fit in a role written in the overrides: a missing attribute, a size, of= or
 * count= naming no argument of the function, an elem= without a mapping, a struct role on
 * something that is not a struct pointer. Any of these would make a wrong call, not an error.
 */
function policyProblems(p: IrParam, ctx: Ctx): string[] {
  const a = p.policy;
  const role = a['role'] as string;
  const where = `${ctx.fn.name}(${p.name})`;
  const out = (roleNeeds[role] ?? []).filter((k) => a[k] === undefined).map((k) => `${where}: role='${role}' needs ${k}=`);
  const params = ctx.fn.params.map((x) => x.name);
  const refs = [
    ...(a['size'] ?? '').split('*').map((x) => x.trim()).filter((x) => x !== '' && !/^\d+$/.test(x)),
    ...(a['of'] !== undefined && !a['of'].startsWith('sizeof:') ? [a['of']] : []),
    ...(a['count'] !== undefined && a['count'] !== 'ret' && a['count'] !== 'bits:ret' ? [a['count']] : []),
  ];
  for (const r of refs) if (!params.includes(r)) out.push(`${where}: ${r} is not an argument of ${ctx.fn.name} (its arguments: ${params.join(', ')})`);
  if (a['elem'] !== undefined && valueType(a['elem'], ctx) === null) out.push(`${where}: elem='${a['elem']}' has no mapping (generator/policy/type-map.ts)`);
  if (structRoles.has(role) && ctx.types.structOfPointer(p.cType) === null) out.push(`${where}: role='${role}' needs a struct pointer, not ${p.cType}`);
  out.push(...unknownFunction(where, 'clear', a['clear'], ctx));
  return out;
}

/** A release function named in the overrides that the runtime would not find: found only after a successful call. */
function unknownFunction(where: string, attr: string, name: string | undefined, ctx: Ctx): string[] {
  const problem = name === undefined ? null : releaseProblem(name, ctx);
  return problem === null ? [] : [`${where}: ${attr}='${name}' ${problem}`];
}

/**
 * Why the runtime would not find release function `name` for this function, or null. It looks
 * the name up in the function's own library, which exports its own functions and, linked
 * against libvirt, libvirt's: a function of another companion library is not there.
 */
function releaseProblem(name: string, ctx: Ctx): string | null {
  const owner = ctx.types.libraryOf(name);
  if (owner === undefined) return 'is not a function of the API';
  if (owner === ctx.fn.lib || owner === 'libvirt') return null;
  const where = ctx.fn.lib === 'libvirt' ? 'libvirt' : `${ctx.fn.lib} or libvirt`;
  return `is in ${owner}, not in ${where}, where ${ctx.fn.name}'s release functions are looked up`;
}

const ownedString: ValueType = { ffi: 'char *', js: 'string' };

/**
 * A list of strings passed in without an argument giving its length: C can only find its end
 * by a NULL after the last (virTypedParamsAddStringList's values).
 */
const isNullTerminated = (p: IrParam, ctx: Ctx): boolean =>
  ctx.types.resolve(pointee(p.cType)).kind === 'string' && !ctx.fn.params.some((x) => x.policy['role'] === 'length' && x.policy['of'] === p.name);

/** The C type a `T *` argument points at (`unsigned long *` -> `unsigned long`). */
const pointee = (cType: string): string => cType.replace(/\s*\*\s*$/, '').trim();

/** Roles written in the overrides file: `role=` plus the attributes that role needs. */
function fromPolicy(p: IrParam, ctx: Ctx): ArgSpec[] {
  const a = p.policy;
  const role = a['role'] as string;
  ctx.overrides.push(...policyProblems(p, ctx));
  const sizeOf = (s: string | undefined): number | string | string[] =>
    s === undefined ? 0 : s.includes('*') ? s.split('*').map((x) => (/^\d+$/.test(x) ? x : x.trim())) : /^\d+$/.test(s) ? Number(s) : s;
  // Without elem=, the element is what the pointer points at (never a guessed int).
  const elem = (): ValueType => {
    const t = valueType(a['elem'] ?? pointee(p.cType), ctx);
    if (t === null && a['elem'] === undefined) ctx.overrides.push(`${ctx.fn.name}(${p.name}): role='${role}' needs elem= (${p.cType} points at no mapped type)`);
    return t ?? n('int');
  };
  // Strings libvirt writes through a `char **` are the caller's to free, as a char * result is.
  const ownsStrings = (): boolean => { const t = ctx.types.resolve(a['elem'] ?? pointee(p.cType)); return t.kind === 'string' && t.owned; };
  switch (role) {
    case 'bytes-in': return [{ role, name: p.name }];
    case 'bytes-out': return [{ role, name: p.name, size: sizeOf(a['size']) as never, as: (a['as'] as 'bytes' | 'string' | undefined) ?? 'bytes', ...(a['used'] === 'ret' ? { used: 'ret' as const } : {}) }];
    case 'length': return [{ role, name: p.name, ffi: valueType(p.cType, ctx)?.ffi ?? 'int', of: a['of'] as string }];
    case 'array-in': return [{ role, name: p.name, elem: elem(), ...(isNullTerminated(p, ctx) ? { nullTerminated: true } : {}) }];
    case 'array-out': return [{ role, name: p.name, elem: ownsStrings() ? ownedString : elem(), size: sizeOf(a['size']) as never,
      ...(a['used'] === 'ret' ? { used: 'ret' as const } : {}), ...(ownsStrings() ? { freeElements: true } : {}) }];
    case 'list-out': return [{ role, name: p.name, elem: elem(), count: a['count'] ?? 'ret', inline: true }];
    case 'struct-array-out': {
      const struct = ctx.types.structOfPointer(p.cType) as string;
      return [{ role: 'array-out', name: p.name, elem: { ffi: struct, js: 'struct', ref: struct }, size: sizeOf(a['size']) as never,
        ...(a['used'] === 'ret' ? { used: 'ret' as const } : {}), ...(a['clear'] ? { clear: a['clear'] } : {}) }];
    }
    case 'struct-in': return [{ role, name: p.name, struct: ctx.types.structOfPointer(p.cType) as string }];
    case 'struct-out': return [{ role, name: p.name, struct: ctx.types.structOfPointer(p.cType) as string }];
    case 'count': return [{ role, name: p.name, ffi: p.cType.replace(/ \*$/, ''), ...(a['input'] === 'true' ? { input: true } : {}) }];
    case 'query-out': return [{ role, name: p.name, struct: ctx.types.structOfPointer(p.cType) as string, countArg: a['count'] as string, ...(a['clear'] ? { clear: a['clear'] } : {}) }];
    case 'in': return [{ role, name: p.name, type: valueType(p.cType, ctx) ?? ptrType }];
    case 'out': return [ownsStrings() ? { role, name: p.name, type: ownedString, owned: true } : { role, name: p.name, type: elem() }];
    default:
      ctx.overrides.push(`${ctx.fn.name}(${p.name}): unknown role "${role}"`);
      return [{ role: 'in', name: p.name, type: ptrType }];
  }
}

function returnSpec(fn: IrFunction, args: ArgSpec[], ctx: Ctx): ReturnSpec {
  const policy = fn.ret.policy;
  const t = ctx.types.resolve(fn.ret.cType);
  const countsFromRet = args.some((a) => ('used' in a && a.used === 'ret') || ('count' in a && a.count === 'ret'));
  const use: ReturnSpec['use'] = (policy['use'] as ReturnSpec['use'] | undefined) ?? (countsFromRet ? 'count' : isStatusDoc(fn.ret.doc) ? 'status' : 'value');
  const nullable = policy['nullable'] === 'true';
  checkOwned(fn, t, ctx);
  const released = releasesResult(fn, t);
  const free = releaseOf(fn, t, released, ctx);
  const error = errorValue(policy['error'], t.kind === 'scalar' ? t.map.ffi : 'pointer', nullable);
  ctx.unsettled.push(...unsettledResult(fn, t, released));
  const base = { use, ...(error === undefined ? {} : { error }), ...(nullable ? { nullable } : {}) };
  switch (t.kind) {
    case 'void': return { type: null, use: 'status' };
    case 'scalar': return { type: { ffi: t.map.ffi, js: t.map.js }, ...base };
    case 'string': return { type: { ffi: released ? 'char *' : 'const char *', js: 'string' }, ...base, ...(released ? { owned: true, ...free } : {}) };
    case 'handle': return { type: { ffi: t.typedef, js: 'handle', ref: t.typedef }, ...base, ...(policy['borrowed'] === 'true' ? { borrowed: true } : {}) };
    case 'struct-ptr': return { type: { ffi: 'void *', js: 'struct', ref: t.struct }, ...base, ...(released ? { owned: true, ...free } : {}) };
    case 'pointer':
      if (released) return { type: ptrType, ...base, owned: true, bytesSize: policy['bytes-size'] as string, ...free };
      return { type: ptrType, ...base };
    default:
      ctx.unmapped.push(`${fn.name} returns ${fn.ret.cType}${ctx.types.undefinedTypeNote(fn.ret.cType)}`);
      return { type: ptrType, ...base };
  }
}

/**
 * A result nothing settles: a number without a failure value (its failures would go unnoticed),
 * a pointer the runtime would pass on as it is without owned='false' (memory the caller owns
 * would never be released). `void *` is refused as unmapped.
 */
function unsettledResult(fn: IrFunction, t: CType, released: boolean): string[] {
  const policy = fn.ret.policy;
  if (t.kind === 'scalar' && policy['error'] === undefined && defaultErrorValues[t.map.ffi] === undefined) return [refuse.resultFailure(fn.name, fn.ret.cType)];
  // A const buffer (const unsigned char *) is libvirt's: nothing to release.
  const lent = t.kind === 'pointer' && t.depth === 1 && t.constant;
  if (t.kind === 'pointer' && !released && !lent && policy['owned'] !== 'false') return [refuse.rawPointerResult(fn.name, fn.ret.cType, t.to === 'unsigned char' && t.depth === 1)];
  return [];
}

const isOwnedBytes = (t: Extract<CType, { kind: 'pointer' }>, policy: Record<string, string>): boolean =>
  t.to === 'unsigned char' && Boolean(policy['bytes-size']);

/**
 * Whether the runtime releases the result once it has read it: an owned `char *` (unless
 * owned='false' leaves it to libvirt), a struct with owned='true', a bytes-size= buffer.
 */
function releasesResult(fn: IrFunction, t: CType): boolean {
  const policy = fn.ret.policy;
  switch (t.kind) {
    case 'string': return t.owned && policy['owned'] !== 'false';
    case 'struct-ptr': return policy['owned'] === 'true';
    case 'pointer': return isOwnedBytes(t, policy);
    default: return false;
  }
}

/**
 * free= of the result, for the results the runtime releases: they go back through it instead
 * of free(). On any other result it would be dropped unread, so it is refused, saying why.
 */
function releaseOf(fn: IrFunction, t: CType, released: boolean, ctx: Ctx): { free?: string } {
  const free = fn.ret.policy['free'];
  if (free === undefined) return {};
  const where = `${fn.name} return`;
  if (!released) {
    ctx.overrides.push(`${where}: free='${free}' ${whyNotReleased(fn, t)}`);
    return {};
  }
  ctx.overrides.push(...unknownFunction(where, 'free', free, ctx));
  return { free };
}

/** owned= where the runtime has nothing to honour it with (a handle, a scalar, a const char *, a plain pointer) is refused, saying why. */
function checkOwned(fn: IrFunction, t: CType, ctx: Ctx): void {
  const owned = fn.ret.policy['owned'];
  const unused = owned === undefined ? null : whyOwnedUnused(fn, t, owned === 'true');
  if (unused !== null) ctx.overrides.push(`${fn.name} return: owned='${owned as string}' ${unused}`);
}

function whyOwnedUnused(fn: IrFunction, t: CType, owned: boolean): string | null {
  switch (t.kind) {
    case 'struct-ptr': return null;
    case 'string':
      return t.owned || !owned ? null : 'cannot apply to a const char * result: libvirt keeps it, and releasing it would free memory libvirt still uses';
    case 'handle':
      return "cannot apply to a handle: the caller always gets its own reference, released with the handle's own Free function (borrowed='true' says libvirt lends it)";
    case 'pointer':
      if (isOwnedBytes(t, fn.ret.policy)) return owned ? null : 'cannot apply to a bytes-size= buffer: the runtime always copies and releases it';
      // owned='false' says libvirt keeps it: the raw pointer is then the whole answer.
      return owned ? `has nothing the runtime releases: the ${fn.ret.cType} result is passed on as it is` : null;
    default: return `has nothing to own: the ${fn.ret.cType} result is passed on as it is`;
  }
}

/** Why the runtime releases nothing of a result it does not release (see releasesResult). */
function whyNotReleased(fn: IrFunction, t: CType): string {
  switch (t.kind) {
    case 'string': return t.owned ? "cannot go with owned='false': the char * result is left to libvirt, not released" : `has nothing to release: the ${fn.ret.cType} result is passed on as it is`;
    case 'struct-ptr': return "needs owned='true': without it the struct is read, not released";
    case 'handle': return "cannot apply to a handle: the caller keeps the reference and releases it later with the handle's own Free function";
    default: return `has nothing to release: the ${fn.ret.cType} result is passed on as it is`;
  }
}

function errorValue(text: string | undefined, kind: string, nullable: boolean): ReturnSpec['error'] {
  if (text === 'none') return undefined;
  if (nullable && text === undefined) return null;
  if (text === undefined) return defaultErrorValues[kind]?.error;
  if (text === 'NULL') return null;
  return /^-?\d+$/.test(text) && Math.abs(Number(text)) < 2 ** 53 ? Number(text) : text;
}

function handleEffect(fn: IrFunction, types: TypeUniverse): Partial<FunctionSpec> {
  const first = fn.params[0];
  if (!first || !types.isHandle(first.cType)) return {};
  if (/^vir\w+(Free|Close)$/.test(fn.name)) return { handleEffect: 'release' };
  if (/^vir\w+Ref$/.test(fn.name)) return { handleEffect: 'retain' };
  return {};
}

function publicParams(fn: IrFunction, args: ArgSpec[]): TsParam[] {
  const out: TsParam[] = [];
  for (const a of args) {
    const ts = inputTs(a);
    if (ts === null) continue;
    const p = fn.params.find((x) => x.name === a.name);
    const fallback = a.role === 'in' ? a.default : undefined;
    const doc = p?.doc ?? '';
    out.push({ name: safeIdentifier(a.name), ts, ...(fallback === undefined ? { doc } : { doc: withDefaultNote(doc, fallback), default: fallback }) });
  }
  return out;
}

/** libvirt's parameter doc, then what a left-out argument stands for. */
function withDefaultNote(doc: string, value: number): string {
  const text = doc.trim();
  return `${text}${text === '' || /[.!]$/.test(text) ? '' : '.'} Default: ${value}.`.trim();
}

/**
 * The last argument a caller passes takes its default (policy/param-defaults.ts) when it is a
 * number named there: `virDomainGetXMLDesc(dom)` is `virDomainGetXMLDesc(dom, 0)`.
 */
function withTrailingDefault(args: ArgSpec[]): ArgSpec[] {
  const passed = args.filter((a) => inputTs(a) !== null);
  const last = passed[passed.length - 1];
  const rule = last?.role === 'in' && last.type.ffi === 'unsigned int' ? trailingDefaults[last.name] : undefined;
  if (!rule || last?.role !== 'in') return args;
  return args.map((a) => (a === last ? { ...last, default: rule.value } : a));
}

export function jsInputTs(t: ValueType): string {
  switch (t.js) {
    case 'number': return 'number';
    case 'bigint': return 'number | bigint';
    case 'string': return 'string | null';
    case 'handle': return t.nullable ? `${t.ref as string} | null` : (t.ref as string);
    case 'struct': return `${t.ref as string} | null`;
    default: return 'Pointer | null';
  }
}

export function jsOutputTs(t: ValueType): string {
  switch (t.js) {
    case 'number': return 'number';
    case 'bigint': return 'bigint';
    case 'string': return 'string';
    case 'handle': return t.ref as string;
    case 'struct': return t.ref as string;
    default: return 'Pointer | null';
  }
}

function inputTs(a: ArgSpec): string | null {
  switch (a.role) {
    case 'in': return jsInputTs(a.type);
    case 'inout': return `[${jsInputTs(a.type)}]`;
    case 'count': return a.input ? 'number' : null;
    case 'struct-in': return `${a.struct} | null`;
    case 'bytes-in': return 'Uint8Array | null';
    case 'array-in': return `readonly ${a.elem.js === 'string' ? 'string' : jsOutputTs(a.elem)}[] | null`;
    case 'params-in': return 'readonly TypedParameter[] | null';
    case 'callback': return `${a.functype} | TypedCallback | null`;
    default: return null;
  }
}

function outputTs(a: ArgSpec): string | null {
  switch (a.role) {
    case 'out': return a.type.js === 'string' ? 'string | null' : jsOutputTs(a.type);
    case 'struct-out': return a.struct;
    case 'bytes-out': return a.as === 'string' ? 'string' : 'Buffer';
    case 'array-out': return `${a.elem.js === 'string' ? 'string' : jsOutputTs(a.elem)}[]`;
    case 'query-out': return a.struct === 'virTypedParameter' ? 'TypedParameter[]' : `${a.struct}[]`;
    case 'params-out': return 'TypedParameter[]';
    case 'list-out': return `${a.elem.js === 'string' ? 'string' : jsOutputTs(a.elem)}[]`;
    default: return null;
  }
}

function resultOf(fn: IrFunction, spec: FunctionSpec): { ts: string; doc: string } {
  const outs = spec.args.map((a) => [a.name, outputTs(a)] as const).filter((x): x is readonly [string, string] => x[1] !== null);
  const t = spec.ret.type;
  let retTs = t === null ? 'void' : t.js === 'pointer' && spec.ret.bytesSize ? 'Buffer' : jsOutputTs(t);
  if (t !== null && spec.ret.nullable && !retTs.includes('null')) retTs += ' | null';
  const keep = t !== null && (outs.length === 0 || spec.ret.use === 'value');
  if (outs.length === 0) return { ts: retTs, doc: fn.ret.doc };
  if (!keep && outs.length === 1) return { ts: (outs[0] as readonly [string, string])[1], doc: fn.params.find((p) => p.name === outs[0]?.[0])?.doc ?? '' };
  const fields = outs.map(([name, ts]) => `${name}: ${ts}`);
  if (keep) fields.push(`result: ${retTs}`);
  return { ts: `{ ${fields.join('; ')} }`, doc: fn.ret.doc };
}
