// Turning handles in results into SDK objects, and SDK objects in arguments back into handles.
// Classes register their constructors here, which keeps the class modules free of cycles.
import { functionSpec, resultLayout, structSpec } from '../ffi/index.js';
import type { ArgSpec, FunctionSpec, StructSpec, TypedParameter, ValueType } from '../ffi/index.js';
import { namerFor } from './enum-names.js';
import { LibvirtObject, asGroup } from './libvirt-object.js';
import { classOfHandle, type SdkClass } from './method-names.js';
import { paramsToObject } from './typed-params.js';

const factories = new Map<SdkClass, (ptr: bigint) => LibvirtObject>();
/** The classes themselves, for checking that an argument is an object of the right class. */
type ClassRef = abstract new (...args: never[]) => LibvirtObject;
const classes = new Map<SdkClass, ClassRef>();

export function registerClass(name: SdkClass, cls: ClassRef | { prototype: LibvirtObject }, make: (ptr: bigint) => LibvirtObject): void {
  factories.set(name, make);
  classes.set(name, cls as ClassRef);
}

/** Whether `value` is an object of SDK class `name` (false before the class is loaded). */
export function isInstance(value: unknown, name: SdkClass): value is LibvirtObject {
  const cls = classes.get(name);
  return cls !== undefined && value instanceof cls;
}

export function wrapHandle(typedef: string, ptr: unknown): unknown {
  if (typeof ptr !== 'bigint') return ptr;
  const cls = classOfHandle[typedef];
  const make = cls ? factories.get(cls) : undefined;
  return make ? make(ptr) : ptr;
}

/** Arguments: SDK objects become their handles (arrays too). */
export function unwrapArg(value: unknown): unknown {
  if (value instanceof LibvirtObject) return value.handle;
  if (Array.isArray(value)) return value.map(unwrapArg);
  return value;
}

type Converter = (value: unknown) => unknown;
const identity: Converter = (x) => x;
/** `build(key)`, made once per key. */
function memoized(build: (key: string) => Converter): (key: string) => Converter {
  const made = new Map<string, Converter>();
  return (key) => {
    let c = made.get(key);
    if (!c) {
      c = build(key);
      made.set(key, c);
    }
    return c;
  };
}

/** A converter for a generated function's result: handles wrapped, enum fields named, ... */
export const resultWrapper = memoized((fn) => {
  const spec = functionSpec(fn);
  return spec ? buildWrapper(spec) : identity;
});

function buildWrapper(spec: FunctionSpec): Converter {
  const { outs, keepResult } = resultLayout(spec);
  const ret = spec.ret.type ? valueConverter(spec.ret.type) : identity;
  const parts = outs.map((a) => [a.name, outConverter(a)] as const);
  if (outs.length === 0) return ret;
  if (!keepResult && parts.length === 1) return (parts[0] as readonly [string, Converter])[1];
  return (value) => {
    const obj = value as Record<string, unknown>;
    for (const [name, conv] of parts) obj[name] = conv(obj[name]);
    if (keepResult) obj['result'] = ret(obj['result']);
    return obj;
  };
}

function outConverter(a: ArgSpec): Converter {
  switch (a.role) {
    case 'out': return valueConverter(a.type);
    case 'list-out': case 'array-out': {
      const elem = valueConverter(a.elem);
      if (elem === identity) return identity;
      // A list of handles becomes one group of objects for the safety net (libvirt-object.ts).
      return a.elem.js === 'handle' ? (v) => asGroup(() => (v as unknown[]).map(elem)) : (v) => (v as unknown[]).map(elem);
    }
    case 'struct-out': return structConverter(a.struct);
    case 'query-out': {
      if (a.struct === 'virTypedParameter') return toObject;
      const elem = structConverter(a.struct);
      return elem === identity ? identity : (v) => (v as unknown[]).map(elem);
    }
    case 'params-out': return toObject;
    default: return identity;
  }
}

function valueConverter(t: ValueType): Converter {
  if (t.js === 'handle') return (v) => wrapHandle(t.ref as string, v);
  if (t.js === 'struct') return structConverter(t.ref as string);
  return identity;
}

const toObject: Converter = (v) => paramsToObject(v as TypedParameter[]);

/**
 * What the SDK makes of a struct read from libvirt: handle fields wrapped (virDomainStatsRecord.dom),
 * typed-parameter arrays as objects (without their C count), enum-valued fields as `{ code, name }`, and arrays of
 * structs (virDomainInterface.addrs) converted element by element.
 */
const structConverter = memoized((struct) => buildStructConverter(struct));

function buildStructConverter(struct: string): Converter {
  let spec: StructSpec;
  try {
    spec = structSpec(struct);
  } catch {
    return identity; // typed parameters and unregistered structs carry nothing to convert
  }
  const fields: [string, Converter][] = [];
  /** C counts of arrays that become objects: the object has its keys (virDomainStatsRecord.nparams). */
  const counts: string[] = [];
  for (const f of spec.fields) {
    if (f.type.js === 'handle') fields.push([f.name, (v) => wrapHandle(f.type.ref as string, v)]);
    else if (f.enum !== undefined) fields.push([f.name, enumConverter(f.enum)]);
    else if (f.array?.elem.ref === 'virTypedParameter') {
      fields.push([f.name, toObject]);
      counts.push(f.array.count);
    } else if (f.array?.elem.js === 'struct') {
      const elem = structConverter(f.array.elem.ref as string);
      if (elem !== identity) fields.push([f.name, (v) => (Array.isArray(v) ? v.map(elem) : v)]);
    }
  }
  if (fields.length === 0) return identity;
  return (v) => {
    if (v === null || typeof v !== 'object') return v;
    const obj = v as Record<string, unknown>;
    for (const [name, conv] of fields) obj[name] = conv(obj[name]);
    for (const count of counts) delete obj[count];
    return obj;
  };
}

function enumConverter(enumName: string): Converter {
  const name = namerFor(enumName);
  return (v) => (typeof v === 'number' ? name(v) : v);
}
