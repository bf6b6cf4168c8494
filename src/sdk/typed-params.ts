// Typed parameters as plain objects. Results: { hard_limit: 9007199254740991n, ... }. Inputs:
// an object whose value types are checked before the call against the types libvirt documents
// for each field (generated/api-symbols.ts, from the XML and the overrides), with the JS value
// deciding only where libvirt's documentation is silent.
import { typedParameterTypes } from '../../generated/api-symbols.js';
import { tsvirtError, typedParamRanges, VIR_ERR_INVALID_ARG, type TypedParameter } from '../ffi/index.js';

export type TypedParameterValue = number | bigint | boolean | string;
export type TypedParameterValues = Readonly<Record<string, TypedParameterValue>>;
type ParamType = TypedParameter['type'];


/** Field name -> documented type. A name documented with two types keeps neither. */
const documented: ReadonlyMap<string, ParamType> = (() => {
  const seen = new Map<string, ParamType | null>();
  for (const { field, type } of Object.values(typedParameterTypes)) {
    if (type === null) continue;
    const before = seen.get(field);
    seen.set(field, before === undefined || before === type ? type : null);
  }
  return new Map([...seen].filter((e): e is [string, ParamType] => e[1] !== null));
})();

export function paramsToObject(params: readonly TypedParameter[]): Record<string, TypedParameterValue> {
  const out: Record<string, TypedParameterValue> = {};
  for (const p of params) out[p.field] = p.value;
  return out;
}

/** Converts and checks; `func` names the call in errors. */
export function objectToParams(values: TypedParameterValues, func: string): TypedParameter[] {
  // A Map, a Date, a class instance: their entries are not own enumerable fields.
  const proto: unknown = Object.getPrototypeOf(values);
  if (proto !== Object.prototype && proto !== null) {
    throw tsvirtError(VIR_ERR_INVALID_ARG, func, `${func}: typed parameters must be a plain object or an array of { field, type, value }`);
  }
  return Object.entries(values).map(([field, value]) => toParam(field, value, documented.get(field) ?? inferred(value), func));
}

function inferred(value: TypedParameterValue): ParamType {
  if (typeof value === 'bigint') return 'ullong';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  return Number.isInteger(value) ? 'llong' : 'double';
}

function toParam(field: string, value: TypedParameterValue, type: ParamType, func: string): TypedParameter {
  const bad = (why: string): Error => tsvirtError(VIR_ERR_INVALID_ARG, func, `${func}: typed parameter ${field} ${why}`);
  switch (type) {
    case 'boolean':
      if (typeof value !== 'boolean') throw bad(`must be a boolean, got ${typeof value}`);
      return { field, type, value };
    case 'string':
      if (typeof value !== 'string') throw bad(`must be a string, got ${typeof value}`);
      return { field, type, value };
    case 'double':
      if (typeof value !== 'number') throw bad(`must be a number, got ${typeof value}`);
      return { field, type, value };
    default: {
      if (typeof value !== 'number' && typeof value !== 'bigint') throw bad(`must be an integer (${type}), got ${typeof value}`);
      if (typeof value === 'number' && !Number.isSafeInteger(value)) throw bad(`must be an integer (${type}), got ${value}`);
      const n = BigInt(value);
      const [min, max] = typedParamRanges[type];
      if (n < min || n > max) throw bad(`is out of range for ${type}: ${n}`);
      return type === 'int' || type === 'uint' ? { field, type, value: Number(n) } : { field, type, value: n };
    }
  }
}
