// defineFunction: turns a FunctionSpec into a callable. Binding is lazy (first call) and version
// gated; every argument is marshalled by its role; failures become LibvirtError read on the
// calling thread right after the call; memory libvirt hands over is copied and released.
import { openLibrary, type NativeCall, type TypeObject } from './native.js';
import { tsvirtError, VIR_ERR_NO_SUPPORT } from './errors.js';
import { ensureSupportedLibrary, failure, lastError, loadedLibvirtVersion } from './library-state.js';
import { symbolTooNewReason, formatVersion } from './version.js';
import { releaseHandle, retainHandle } from './handles.js';
import { koffiType } from './types.js';
import { roleOf, type CallContext } from './roles.js';
import { readResult } from './results.js';
import type { FunctionSpec } from './spec.js';

export type NativeFunction = (...args: unknown[]) => unknown;

export function defineFunction(spec: FunctionSpec): NativeFunction {
  let native: NativeCall | undefined;
  const publicArgs = spec.args.filter((a) => roleOf(a).isPublic(a));
  return (...values: unknown[]): unknown => {
    native ??= bind(spec);
    const byName = new Map<string, unknown>();
    publicArgs.forEach((a, i) => byName.set(a.name, values[i] ?? null));
    return invoke(spec, native, byName);
  };
}

function bind(spec: FunctionSpec): NativeCall {
  ensureSupportedLibrary(spec.name);
  const tooNew = symbolTooNewReason(spec.name, spec.since, loadedLibvirtVersion());
  if (tooNew) throw tsvirtError(VIR_ERR_NO_SUPPORT, spec.name, tooNew);
  const retType = spec.ret.type === null ? 'void' : resultFfi(spec);
  const argTypes = spec.args.map((a) => roleOf(a).ffi(a));
  try {
    return openLibrary(spec.lib).func(spec.name, retType, argTypes) as NativeCall;
  } catch (cause) {
    const err = tsvirtError(VIR_ERR_NO_SUPPORT, spec.name,
      `${spec.name} (libvirt >= ${spec.since ?? 'unknown'}) is not in the loaded ${spec.lib} ${formatVersion(loadedLibvirtVersion())}: ${(cause as Error).message}`);
    throw err;
  }
}

/** Owned strings and buffers come back as raw pointers so they can be freed after copying. */
function resultFfi(spec: FunctionSpec): TypeObject | string {
  const t = spec.ret.type;
  if (!t) return 'void';
  if (spec.ret.owned || t.js === 'struct') return 'void *';
  return koffiType(t.ffi);
}

function invoke(spec: FunctionSpec, native: NativeCall, byName: Map<string, unknown>): unknown {
  const ctx: CallContext = { spec, byName, native: new Map(), keepAlive: [], cleanups: [], ret: undefined, failed: false };
  try {
    for (const a of spec.args) roleOf(a).check?.(a, ctx);
    const nativeArgs = spec.args.map((a) => roleOf(a).before(a, ctx));
    for (const a of spec.args) roleOf(a).prepare?.(a, ctx, nativeArgs, native);
    ctx.ret = native(...nativeArgs);
    ctx.failed = isFailure(spec, ctx.ret);
    if (ctx.failed) throw failure(spec.name);
    trackLifetime(spec, byName);
    const outs: [string, unknown][] = [];
    for (const a of spec.args) {
      const h = roleOf(a);
      if (h.after) outs.push([a.name, h.after(a, ctx)]);
    }
    return shape(spec, readResult(spec, ctx), outs);
  } finally {
    for (const c of ctx.cleanups.reverse()) c(ctx.failed);
  }
}

function isFailure(spec: FunctionSpec, ret: unknown): boolean {
  const e = spec.ret.error;
  if (e === undefined) return false;
  // A nullable result is NULL both for "nothing" and for failure; libvirt sets an error only for the latter.
  if (e === null) return ret === null && (!spec.ret.nullable || lastError() !== null);
  if (typeof e === 'string') return BigInt(ret as bigint) === BigInt(e);
  return Number(ret) === e;
}

function trackLifetime(spec: FunctionSpec, byName: Map<string, unknown>): void {
  if (!spec.handleEffect) return;
  const first = spec.args[0];
  if (!first) return;
  const ptr = byName.get(first.name) as bigint;
  if (spec.handleEffect === 'release') releaseHandle(ptr);
  else retainHandle(ptr);
}

function shape(spec: FunctionSpec, result: unknown, outs: [string, unknown][]): unknown {
  const keepResult = spec.ret.type !== null && (outs.length === 0 || spec.ret.use === 'value');
  if (outs.length === 0) return keepResult ? result : undefined;
  if (!keepResult && outs.length === 1) return (outs[0] as [string, unknown])[1];
  const obj: Record<string, unknown> = Object.fromEntries(outs);
  if (keepResult) obj['result'] = result;
  return obj;
}

