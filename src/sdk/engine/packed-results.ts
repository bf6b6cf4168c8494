// Results of a batch of one function whose result is a struct of numbers (virDomainGetInfo,
// virStoragePoolGetInfo, virStorageVolGetInfo, virDomainGetBlockInfo, ...) cross back as one
// typed array per field, transferred, instead of a cloned object per call. Cloning the objects
// cost about 0.6 us per call on each side (serializing on the call thread, deserializing on the
// main thread, for virDomainInfo's five fields); the columns about 0.1 us together, with each
// result rebuilt on the main thread as the same plain object the call thread had.
import { functionSpec, numberFields, resultLayout, type NumberField } from '../../ffi/index.js';
import { functionName } from './function-numbers.js';
import type { BatchAnswer } from './protocol.js';

type NumberArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float64Array;

/** A batch's results as columns: `columns[f][i]` is field f of call i's result. */
export interface PackedResults {
  count: number;
  columns: NumberArray[];
}

/**
 * Fewest calls in a batch worth packing: the columns cost a typed array per field, which a few
 * objects' clone does not.
 */
export const MIN_PACKED = 8;

const layouts: (readonly NumberField[] | null)[] = [];

/** The fields function number `fn` returns, when its result is one struct of numbers; else null. */
export function packedLayout(fn: number): readonly NumberField[] | null {
  let layout = layouts[fn];
  if (layout === undefined) {
    layout = readLayout(functionName(fn));
    layouts[fn] = layout;
  }
  return layout;
}

function readLayout(name: string): readonly NumberField[] | null {
  const spec = functionSpec(name);
  if (!spec) return null;
  const { outs, keepResult } = resultLayout(spec);
  if (keepResult || outs.length !== 1) return null;
  const out = outs[0];
  return out?.role === 'struct-out' ? numberFields(out.struct) : null;
}

/**
 * Runs on a call thread: `values` (undefined where a call failed) as columns, or undefined when
 * a value is not an object of the layout (then they go as they are).
 */
export function packResults(layout: readonly NumberField[], values: readonly unknown[]): PackedResults | undefined {
  const count = values.length;
  const columns = layout.map((f) => new f.view(count));
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (v === undefined) continue;
    if (v === null || typeof v !== 'object') return undefined;
    const obj = v as Record<string, unknown>;
    for (let f = 0; f < layout.length; f++) {
      const x = obj[(layout[f] as NumberField).name];
      const column = columns[f] as NumberArray;
      if (typeof x !== (column instanceof BigInt64Array || column instanceof BigUint64Array ? 'bigint' : 'number')) return undefined;
      column[i] = x as never;
    }
  }
  return { count, columns };
}

/**
 * Runs on a call thread: `answer` with its values as columns when every call of its batch ran
 * function number `only` (undefined: no call ran; -1: a mix, or bulk requests), that function
 * returns a struct of numbers, and there are enough of them; else `answer` as it is.
 */
export function packAnswer(answer: BatchAnswer, only: number | undefined): BatchAnswer {
  const layout = only !== undefined && only >= 0 && answer.values.length >= MIN_PACKED ? packedLayout(only) : null;
  const packed = layout ? packResults(layout, answer.values) : undefined;
  return packed ? { values: [], errors: answer.errors, packed } : answer;
}

/** The buffers to transfer with `packed`. */
export const packedBuffers = (packed: PackedResults): ArrayBuffer[] => packed.columns.map((c) => c.buffer as ArrayBuffer);

/** Runs on the main thread: result `i` of `packed`, as the object the call thread had. */
export function unpackResult(layout: readonly NumberField[], packed: PackedResults, i: number): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (let f = 0; f < layout.length; f++) obj[(layout[f] as NumberField).name] = (packed.columns[f] as NumberArray)[i];
  return obj;
}
