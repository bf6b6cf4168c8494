// The function's own return value: copied out of libvirt's memory and released per ownership.
import { koffi, freeNative, openLibrary } from './native.js';
import { adoptHandle } from './handles.js';
import { decodeStruct, readCString, toJs } from './decode.js';
import type { CallContext } from './roles.js';
import type { FunctionSpec } from './spec.js';

export function readResult(spec: FunctionSpec, ctx: CallContext): unknown {
  const t = spec.ret.type;
  const ret = ctx.ret;
  if (t === null) return undefined;
  if (ret === null) return null;
  switch (t.js) {
    case 'handle':
      adoptHandle(ret as bigint);
      return ret;
    case 'string':
      return spec.ret.owned ? takeString(ret, spec.ret.free) : ret;
    case 'struct': {
      const value = decodeStruct(t.ref as string, ret);
      if (spec.ret.owned) release(ret, spec.ret.free);
      return value;
    }
    case 'pointer':
      return spec.ret.bytesSize !== undefined ? takeBytes(ret, ctx, spec) : ret;
    default:
      return toJs(ret, t);
  }
}

function takeString(ptr: unknown, free: string | undefined): string {
  const s = readCString(ptr);
  release(ptr, free);
  return s;
}

/** An owned buffer (virSecretGetValue): copied, wiped (it may hold a secret), freed. */
function takeBytes(ptr: unknown, ctx: CallContext, spec: FunctionSpec): Buffer {
  const size = Number((ctx.native.get(spec.ret.bytesSize as string) as unknown[])[0]);
  const view = koffi.view(ptr as never, size) as ArrayBuffer;
  const copy = Buffer.from(new Uint8Array(view));
  new Uint8Array(view).fill(0);
  release(ptr, spec.ret.free);
  return copy;
}

function release(ptr: unknown, free: string | undefined): void {
  if (free === undefined) freeNative(ptr);
  else openLibrary('libvirt').func(free, 'void', ['void *'])(ptr);
}
