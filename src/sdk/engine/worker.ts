// A call thread: loads its own koffi and libvirt binding and runs generated functions by name.
// Each call and its error read happen on this thread, back to back (libvirt's last error is
// thread-local), so failures are attributed to their own call.
import { parentPort } from 'node:worker_threads';
import * as generated from '../../../generated/index.js';
import { isLibvirtError, setHandleTracking } from '../../ffi/index.js';
import type { Outcome, Request, Response, SerializedError } from './protocol.js';
import { readInfoColumns, transferablesOf } from './info-columns.js';
import { readIdentityColumns } from './identity-columns.js';

// Lifetimes are tracked by the thread that owns the objects, not here.
setHandleTracking(false);

const functions = generated as unknown as Record<string, (...args: unknown[]) => unknown>;

function serialize(err: unknown, func: string): SerializedError {
  if (isLibvirtError(err)) {
    return { code: err.code, domain: err.domain, level: err.level, message: err.message, str1: err.str1, str2: err.str2,
      str3: err.str3, int1: err.int1, int2: err.int2, func: err.func };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return { code: 1, domain: 0, level: 2, message: e.message, str1: null, str2: null, str3: null, int1: -1, int2: -1, func, jsName: e.name };
}

function run(fn: string, args: unknown[]): Outcome {
  const f = functions[fn];
  if (typeof f !== 'function') return { ok: false, error: serialize(new TypeError(`no generated function ${fn}`), fn) };
  try {
    return { ok: true, value: f(...args) };
  } catch (err) {
    return { ok: false, error: serialize(err, fn) };
  }
}

/** One request's outcome; the typed arrays of bulk reads go into `transfer` (moved, not copied). */
function answer(r: Request, transfer: ArrayBuffer[]): Outcome | Outcome[] {
  if (r.each) return r.args.map((a) => run(r.fn, a));
  if (!('columns' in r)) return run(r.fn, r.args);
  try {
    if (r.columns === 'info') {
      const columns = readInfoColumns(r.args, (e) => serialize(e, 'virDomainGetInfo'));
      transfer.push(...transferablesOf(columns));
      return { ok: true, value: columns };
    }
    const columns = readIdentityColumns(r.args, r.getters);
    transfer.push(columns.uuids.buffer as ArrayBuffer);
    return { ok: true, value: columns };
  } catch (err) {
    return { ok: false, error: serialize(err, r.columns === 'info' ? 'virDomainGetInfo' : r.getters.name) };
  }
}

parentPort?.on('message', (batch: Request[]) => {
  const transfer: ArrayBuffer[] = [];
  const out: Response[] = batch.map((r) => ({ id: r.id, outcome: answer(r, transfer) }));
  parentPort?.postMessage(out, transfer);
});
