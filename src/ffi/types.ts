// The registry of named C types. Generated modules register handles, structs and callback
// prototypes as plain data at import time; koffi types are built on first use.
import { koffi, type TypeObject } from './native.js';
import type { FunctypeSpec, StructSpec } from './spec.js';

type KoffiType = TypeObject;

const handles = new Map<string, string>();
const structs = new Map<string, StructSpec>();
const functypes = new Map<string, FunctypeSpec>();
const built = new Map<string, KoffiType>();

export function registerHandle(typedef: string, opaque: string): void {
  handles.set(typedef, opaque);
}

export function registerStruct(spec: StructSpec): void {
  structs.set(spec.name, spec);
}

export function registerFunctype(spec: FunctypeSpec): void {
  functypes.set(spec.name, spec);
}

export function structSpec(name: string): StructSpec {
  const spec = structs.get(name);
  if (!spec) throw new TypeError(`tsvirt: struct ${name} is not registered`);
  return spec;
}

/** Every registered struct and union, by name. */
export function structNames(): string[] {
  return [...structs.keys()];
}

export function functypeSpec(name: string): FunctypeSpec {
  const spec = functypes.get(name);
  if (!spec) throw new TypeError(`tsvirt: callback type ${name} is not registered`);
  return spec;
}

export function isHandleType(name: string): boolean {
  return handles.has(name);
}

const fixedArray = /^(.+)\[(\d+)\]$/;

/** The koffi type for a name used in a spec: builtin, handle, struct, union, prototype or `T[N]`. */
export function koffiType(name: string): KoffiType | string {
  const cached = built.get(name);
  if (cached) return cached;
  const type = buildType(name);
  if (typeof type !== 'string') built.set(name, type);
  return type;
}

function buildType(name: string): KoffiType | string {
  // Handles cross as plain pointers: the branded TS types and checkHandle already keep kinds
  // apart, and koffi checks a typed pointer argument on every call (measured: virDomainGetName
  // 0.16 us with a typed pointer, 0.08 us with void *).
  if (handles.has(name)) return 'void *';
  const struct = structs.get(name);
  if (struct) return buildStruct(struct);
  const proto = functypes.get(name);
  if (proto) return koffi.pointer(koffi.proto(name, proto.ret, proto.args.map((a) => koffiType(a.ffi))));
  const arr = fixedArray.exec(name);
  if (arr) return koffi.array(arr[1] as string, Number(arr[2]), arr[1] === 'char' ? 'String' : 'Array');
  return name;
}

function buildStruct(spec: StructSpec): KoffiType {
  const members: Record<string, KoffiType | string> = {};
  for (const f of spec.fields) members[f.name] = koffiType(f.ffi);
  return spec.kind === 'union' ? koffi.union(spec.name, members) : koffi.struct(spec.name, members);
}

const sizes = new Map<string, number>();

export function sizeOf(name: string): number {
  let n = sizes.get(name);
  if (n === undefined) {
    n = koffi.sizeof(koffiType(name));
    sizes.set(name, n);
  }
  return n;
}

/** The byte offset of `field` in struct `name`. */
export function koffiOffsetOf(name: string, field: string): number {
  return koffi.offsetof(koffiType(name) as TypeObject, field);
}
