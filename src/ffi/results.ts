// The function's own return value: copied out of libvirt's memory and released per ownership.
// One reader is compiled per function and cached on its spec.
import { koffi, freeNative } from './native.js';
import { releaseWith } from './release-functions.js';
import { adoptHandle } from './handles.js';
import { readCString, toJs } from './decode.js';
import { decodeStruct } from './struct-decoder.js';
import type { CallContext } from './roles.js';
import type { FunctionSpec } from './spec.js';

type ResultReader = (ret: unknown, ctx: CallContext | null) => unknown;
const compiled = new WeakMap<FunctionSpec, ResultReader>();

export function compileResult(spec: FunctionSpec): ResultReader {
  let reader = compiled.get(spec);
  if (!reader) {
    reader = build(spec);
    compiled.set(spec, reader);
  }
  return reader;
}

function build(spec: FunctionSpec): ResultReader {
  const t = spec.ret.type;
  if (t === null) return () => undefined;
  const nonNull = (read: ResultReader): ResultReader => (ret, ctx) => (ret === null ? null : read(ret, ctx));
  switch (t.js) {
    case 'handle':
      if (spec.ret.borrowed) return (ret) => ret;
      return nonNull((ret) => { adoptHandle(ret as bigint); return ret; });
    case 'string':
      return spec.ret.owned ? nonNull((ret) => takeString(ret, spec)) : (ret) => ret;
    case 'struct':
      return nonNull((ret) => {
        const value = decodeStruct(t.ref as string, ret);
        if (spec.ret.owned) release(spec, ret);
        return value;
      });
    case 'pointer':
      return spec.ret.bytesSize !== undefined ? nonNull((ret, ctx) => takeBytes(ret, ctx as CallContext, spec)) : (ret) => ret;
    case 'bigint':
      return (ret) => toJs(ret, t);
    default:
      return (ret) => ret;
  }
}

function takeString(ptr: unknown, spec: FunctionSpec): string {
  const s = readCString(ptr);
  release(spec, ptr);
  return s;
}

/** An owned buffer (virSecretGetValue): copied, wiped (it may hold a secret), freed. */
function takeBytes(ptr: unknown, ctx: CallContext, spec: FunctionSpec): Buffer {
  const size = Number((ctx.native.get(spec.ret.bytesSize as string) as unknown[])[0]);
  const view = koffi.view(ptr as never, size);
  const copy = Buffer.from(new Uint8Array(view));
  new Uint8Array(view).fill(0);
  release(spec, ptr);
  return copy;
}

/** free(3), or the library's own release function for the result (virFreeError). */
function release(spec: FunctionSpec, ptr: unknown): void {
  if (spec.ret.free === undefined) freeNative(ptr);
  else releaseWith(spec.lib, spec.ret.free)(ptr);
}
