// Structs made only of numbers (virDomainInfo, virStorageVolInfo, ...) as columns: one typed
// array per field, for moving many results between threads at once (the SDK's call pool) where
// cloning an object per result costs more than the call. Each struct's packer and unpacker are
// compiled once, like its decoder (struct-decoder.ts): a property read or a typed-array store
// whose key or array kind changes from one use to the next is several times slower, and the
// loop over fields this replaces cost more per result than the clone it saved.
import { numberReaders, type NumberView } from './decode.js';
import { isIdentifier, specialize } from './specialize.js';
import { structSpec } from './types.js';
import type { FieldSpec } from './spec.js';

export type NumberArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float64Array;

/** One field, with the typed array that holds its C type exactly. */
export interface NumberField { name: string; view: NumberView }

export interface StructColumns {
  readonly fields: readonly NumberField[];
  /**
   * `values` as one typed array per field (in `fields` order), all views of one ArrayBuffer (one
   * buffer to move between threads); an undefined value (a call that failed) leaves its row zero. Undefined when any other value is not this struct as
   * decodeStruct gives it (an object whose every field has the type its column holds).
   */
  pack(values: readonly unknown[]): NumberArray[] | undefined;
  /** Row `i` of `columns`, as the object decodeStruct gives. */
  unpack(columns: readonly NumberArray[], i: number): Record<string, unknown>;
}

const made = new Map<string, StructColumns | null>();

/**
 * Struct `name` as columns, when every field is a plain number: each read back as the value
 * decodeStruct gives it (a bigint for a 64-bit integer, a number otherwise). Null when any field
 * is something else (a string, a pointer, an array, a nested struct), or no such struct is
 * registered.
 */
export function structColumns(name: string): StructColumns | null {
  let c = made.get(name);
  if (c === undefined) {
    const fields = numberFields(name);
    c = fields ? compile(name, fields) : null;
    made.set(name, c);
  }
  return c;
}

const bigintViews = new Set<NumberView>([BigInt64Array, BigUint64Array]);

function numberFields(name: string): NumberField[] | null {
  let fields: readonly FieldSpec[];
  try {
    fields = structSpec(name).fields;
  } catch {
    return null;
  }
  const out: NumberField[] = [];
  for (const f of fields) {
    const reader = numberReaders[f.ffi];
    const js = f.type.js;
    if (!reader || f.array || (js !== 'number' && js !== 'bigint') || (js === 'bigint') !== bigintViews.has(reader.view) || !isIdentifier(f.name)) return null;
    out.push({ name: f.name, view: reader.view });
  }
  return out.length > 0 ? out : null;
}

function compile(name: string, fields: readonly NumberField[]): StructColumns {
  const deps: Record<string, unknown> = {};
  fields.forEach((f, k) => { deps[`V${k}`] = f.view; });
  const ks = fields.map((_, k) => k);
  const pack = specialize<StructColumns['pack']>(`pack_${name}`, deps, ['values'], `
    const n = values.length;
    const buf = new ArrayBuffer(${ks.map((k) => `Math.ceil(n * V${k}.BYTES_PER_ELEMENT / 8) * 8`).join(' + ')});
    let at = 0;
    ${ks.map((k) => `const c${k} = new V${k}(buf, at, n); at += Math.ceil(n * V${k}.BYTES_PER_ELEMENT / 8) * 8;`).join(' ')}
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === undefined) continue;
      if (v === null || typeof v !== 'object') return undefined;
      ${fields.map((f, k) => `const x${k} = v.${f.name}; if (typeof x${k} !== '${bigintViews.has(f.view) ? 'bigint' : 'number'}') return undefined; c${k}[i] = x${k};`).join('\n      ')}
    }
    return [${ks.map((k) => `c${k}`).join(', ')}];`);
  const unpack = specialize<StructColumns['unpack']>(`unpack_${name}`, {}, ['c', 'i'],
    `return { ${fields.map((f, k) => `${f.name}: c[${k}][i]`).join(', ')} };`);
  return { fields, pack, unpack };
}
