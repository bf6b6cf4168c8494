// A call thread: loads its own koffi and libvirt binding and runs generated functions by number
// (function-numbers.ts).
// Each call and its error read happen on this thread, back to back (libvirt's last error is
// thread-local), so failures are attributed to their own call.
import { parentPort } from 'node:worker_threads';
import { setHandleTracking } from '../../ffi/index.js';
import { serializeError as serialize } from './serialize-error.js';
import type { BatchAnswer, BulkRequest, Outcome, SerializedError, WireBatch } from './protocol.js';
import { serveRequests, stopAsked } from './threads.js';
import { functionByNumber, functionName } from './function-numbers.js';
import { readInfoColumns } from './info-columns.js';
import { readIdentityColumns } from './identity-columns.js';
import { packAnswer, packedBuffers } from './packed-results.js';

// Lifetimes are tracked by the thread that owns the objects, not here.
setHandleTracking(false);


/** Runs a bulk request; its value, or throws. */
function bulkValue(r: BulkRequest, transfer: ArrayBuffer[]): unknown {
  if (r.each) return r.args.map((a) => outcomeOf(r.fn, a));
  if (r.columns === 'info') {
    const columns = readInfoColumns(r.args, (e) => serialize(e, 'virDomainGetInfo'));
    transfer.push(...packedBuffers(columns));
    return columns;
  }
  const columns = readIdentityColumns(r.args, r.getters);
  transfer.push(columns.uuids.buffer as ArrayBuffer);
  return columns;
}

/** Runs generated function number `fn` (call-pool.ts sends only numbers it has). */
const run = (fn: number, args: unknown[]): unknown => (functionByNumber(fn) as (...a: unknown[]) => unknown)(...args);

function outcomeOf(fn: number, args: unknown[]): Outcome {
  try {
    return { ok: true, value: run(fn, args) };
  } catch (err) {
    return { ok: false, error: serialize(err, functionName(fn)) };
  }
}

/** The function a failure is reported against. */
function funcOf(r: number | BulkRequest): string {
  if (typeof r === 'number') return functionName(r);
  if (r.each) return functionName(r.fn);
  return r.columns === 'info' ? 'virDomainGetInfo' : r.getters.name;
}

// One answer message per batch, in request order (call-pool.ts matches them by position). A
// batch stops early when the pool is closed: its callers have been told it is.
serveRequests((batch: WireBatch) => {
  const transfer: ArrayBuffer[] = [];
  const answer: BatchAnswer = { values: [], errors: [] };
  /** The function every call of the batch ran, while there is one (-1: a mix, or bulk requests). */
  let only: number | undefined;
  for (let at = 0, i = 0; at < batch.length && !stopAsked(); i++) {
    const r = batch[at] as number | BulkRequest;
    const args = typeof r === 'number' ? (batch[at + 1] as unknown[]) : undefined;
    at += args ? 2 : 1;
    only = typeof r === 'number' && (only === undefined || only === r) ? r : -1;
    try {
      answer.values.push(args ? run(r as number, args) : bulkValue(r as BulkRequest, transfer));
    } catch (err) {
      answer.values.push(undefined);
      answer.errors.push([i, serialize(err, funcOf(r))]);
    }
  }
  const sent = packAnswer(answer, only);
  if (sent.packed) transfer.push(...packedBuffers(sent.packed));
  parentPort?.postMessage(sent, transfer);
});
