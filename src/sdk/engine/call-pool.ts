// The SDK's call threads. Calls that may block (anything that can talk to a daemon) run on a
// few worker threads, each with its own copy of the bindings, so the main thread only posts
// messages. Calls beyond what the threads are running wait in a queue here: there is no fixed
// limit like koffi's 256 async calls. Idle threads do not keep the process alive.
import { LibvirtError, functionSpec } from '../../ffi/index.js';
import type { BatchAnswer, BulkRequest, Outcome, SerializedError, WireBatch } from './protocol.js';
import { ServingThread } from './threads.js';
import { functionName, functionNumber } from './function-numbers.js';
import type { InfoColumns } from './info-columns.js';
import type { IdentityColumns, IdentityGetters } from './identity-columns.js';
import { BusyCounter } from './busy-counter.js';
import { rebuildJsError } from './serialize-error.js';
import { HandlePins } from './handle-pins.js';
import { Fifo } from './fifo.js';
import { packedLayout } from './packed-results.js';
import { countSetting } from '../env-settings.js';

/**
 * A request waiting for its answer. `settle` turns the answer into what the caller's Promise
 * resolves to, in the same step as the answer arrives: no Promise chained per call.
 */
interface Pending {
  /** A plain call's function number (function-numbers.ts); -1 for a bulk request. */
  fn: number;
  /** A plain call's arguments, or a bulk request's handles: what the call pins (handle-pins.ts). */
  args: unknown[];
  /** A bulk request, sent as it is. */
  bulk: BulkRequest | undefined;
  settle: ((value: unknown) => unknown) | undefined;
  /** Kept referenced until the call settles (see call()). */
  keep: unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}
/** A call thread and the batches it holds, oldest first: it answers them in that order. */
interface Thread {
  serving: ServingThread;
  batches: Pending[][];
}

/**
 * Most requests in one message. A burst of calls is shared out in even batches up to this size,
 * so that a message (its clone, its event on both sides, the thread wake-up) carries many calls.
 * The price: a slow call holds up the calls of its batch behind it, at most this many less one,
 * while other threads may be free. 64 against 16 cut the CPU per getInfo by about a fifth on
 * test:///default and a tenth against libvirtd (2000-call bursts, paired runs).
 */
const MAX_BATCH = 64;
/**
 * Batches a thread holds at once. The second waits in the thread's queue, so a thread that
 * finishes a batch starts the next at once instead of idling for a round trip to this thread.
 */
const BATCHES_AHEAD = 2;
/** Handles per chunk of a bulk read, before every thread has one. */
const BULK_CHUNK = 512;

export class CallPool {
  private readonly threads: Thread[] = [];
  private readonly queue = new Fifo<Pending>();
  private closed = false;
  /** What close() rejects calls with: one error for all, so that it gets one call site (TSVIRT_CALL_STACKS). */
  private closedErr: Error | undefined;
  private pumpScheduled = false;
  /** Requests submitted and not settled yet (queued or on a thread). */
  readonly outstanding = new BusyCounter();
  /** The handles those requests pass (see handle-pins.ts). */
  readonly pins = new HandlePins();

  /** `size`: the most threads this pool starts. */
  constructor(readonly size: number) {}

  /**
   * Runs generated function `fn` on a call thread. `then`, when given, maps the result before
   * the Promise resolves (what it throws rejects the Promise). `keep` stays referenced until the
   * call settles: the SDK objects whose handles `args` holds, which must not be collected (and
   * their references released) while a thread uses the handles.
   */
  call(fn: string, args: unknown[], then?: (value: unknown) => unknown, keep?: unknown): Promise<unknown> {
    const known = callable(fn);
    if (known === undefined) return Promise.reject(noFunction(fn));
    const settle = known.bytes ? (then ? (v: unknown) => then(fromClone(v)) : fromClone) : then;
    return this.submit(known.n, args, undefined, settle, keep);
  }

  /** Runs `fn` once per argument list in one message; one outcome per list, failures included. */
  each(fn: string, argLists: unknown[][]): Promise<Outcome[]> {
    const n = functionNumber(fn);
    if (n === undefined) return Promise.reject(noFunction(fn));
    return this.bulkCall({ fn: n, args: argLists, each: true }) as Promise<Outcome[]>;
  }

  /** virDomainGetInfo of many domains as columns, split over the threads (see info-columns.ts). */
  infoColumns(handles: bigint[]): Promise<InfoColumns[]> {
    return this.bulk<InfoColumns>(handles, (part) => ({ fn: 'info-columns', args: part, columns: 'info' }));
  }

  /** Names and raw UUIDs of many handles, split over the threads (see identity-columns.ts). */
  identityColumns(handles: bigint[], getters: IdentityGetters): Promise<IdentityColumns[]> {
    return this.bulk<IdentityColumns>(handles, (part) => ({ fn: 'identity-columns', args: part, columns: 'identity', getters }));
  }

  /**
   * A bulk read of `handles`, split over the threads, one result per chunk. It settles only when
   * every chunk has: a failed chunk must not hand the handles back to their owner (who may free
   * them) while another thread still reads some of them.
   */
  private async bulk<T>(handles: bigint[], request: (part: bigint[]) => BulkRequest): Promise<T[]> {
    const parts = this.spread(handles, BULK_CHUNK).map((part) => this.bulkCall(request(part)));
    return (await Promise.allSettled(parts)).map((s) => {
      if (s.status === 'rejected') throw s.reason;
      return s.value as T;
    });
  }

  /**
   * `items` split in even, consecutive chunks: one per `per` items (rounded up), but no more
   * chunks than threads, so that threads share a bulk read without a message per few items.
   */
  private spread<T>(items: T[], per: number): T[][] {
    const chunks = Math.max(1, Math.min(this.size, Math.ceil(items.length / per)));
    const size = Math.ceil(items.length / chunks);
    return Array.from({ length: chunks }, (_, i) => items.slice(i * size, (i + 1) * size));
  }

  /** Number of calls waiting for a thread. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Stops the threads. A call a thread is running when close() comes settles as it returns (its
   * effect happened); the calls after it in its batch, the thread's next batch and the queue
   * reject, and their handles are unpinned once no thread can read them.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.closedErr ??= closedError();
    const threads = this.threads.splice(0);
    await Promise.all(threads.map((t) => t.serving.stop()));
    const err = this.closedErr;
    for (const p of [...threads.flatMap((t) => t.batches.flat()), ...this.queue.takeAll()]) {
      this.pins.unpin(p.args);
      p.reject(err);
    }
    this.outstanding.clear();
  }

  private bulkCall(request: BulkRequest): Promise<unknown> {
    return this.submit(-1, request.args, request, undefined, undefined);
  }

  /**
   * Queues a call. Its Promise is made with one shared executor (see capture), not a closure
   * per call: bursts of thousands of calls keep all of them alive at once, and every byte per
   * call is copied by each garbage collection of the young generation that they live through.
   */
  private submit(fn: number, args: unknown[], bulk: BulkRequest | undefined, settle: ((value: unknown) => unknown) | undefined, keep: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(closedError());
    const promise = new Promise(capture);
    this.queue.push({ fn, args, bulk, settle, keep, resolve: captured.resolve, reject: captured.reject });
    // Not kept here: the resolving functions reach the promise and, once settled, its result.
    captured.resolve = captured.reject = ignore;
    this.outstanding.add(1);
    this.pins.pin(args);
    if (this.hasIdleThread()) this.pump();
    else this.schedulePump();
    return promise;
  }

  /** A thread with nothing to do, or room to start one. */
  private hasIdleThread(): boolean {
    if (this.threads.length < this.size) return true;
    for (const t of this.threads) if (t.batches.length === 0) return true;
    return false;
  }

  /**
   * A call goes at once to a thread with nothing to do. Calls issued in one go (a `Promise.all`
   * over many) beyond that are handed out once the issuing code yields, in full batches instead
   * of one message per call.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    // An answer that arrives while close() stops the threads must not start a new one: the calls
    // still queued are rejected, and their handles unpinned, once the threads have stopped.
    if (this.closed) return;
    while (this.queue.length > 0) {
      const thread = this.freestThread();
      if (!thread) return;
      // An even share of what is queued per thread, so every thread gets work.
      const n = Math.min(MAX_BATCH, Math.ceil(this.queue.length / this.size));
      this.send(thread, this.queue.take(n));
    }
  }

  /**
   * Posts a batch to a thread. A value structured clone cannot copy (a function, a symbol) fails
   * the whole message, and nothing is sent: the batch then goes again one call per message, so
   * that only the call that passed the value is refused, with that error. (A batch recorded as
   * sent but never answered would shift every later answer of the thread onto the wrong calls.)
   */
  private send(thread: Thread, batch: Pending[]): void {
    try {
      thread.serving.worker.postMessage(toWire(batch));
    } catch (err) {
      if (batch.length > 1) for (const p of batch) this.send(thread, [p]);
      else for (const p of batch) this.refuse(p, err);
      return;
    }
    thread.batches.push(batch);
    thread.serving.worker.ref();
  }

  /** Rejects a call that never reached a thread. */
  private refuse(p: Pending, err: unknown): void {
    this.pins.unpin(p.args);
    this.outstanding.add(-1);
    p.reject(err);
  }

  /** An idle thread (a new one while under `size`), else the one with fewest batches and room. */
  private freestThread(): Thread | undefined {
    let best: Thread | undefined;
    for (const t of this.threads) if (t.batches.length < BATCHES_AHEAD && (!best || t.batches.length < best.batches.length)) best = t;
    if ((!best || best.batches.length > 0) && this.threads.length < this.size) return this.startThread();
    return best;
  }

  private startThread(): Thread {
    const serving = new ServingThread(new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url));
    const { worker } = serving;
    const thread: Thread = { serving, batches: [] };
    worker.on('message', (answer: BatchAnswer) => this.settle(thread, answer));
    worker.on('error', (err) => this.fail(thread, err));
    worker.on('exit', (code) => { if (!this.closed) this.fail(thread, new Error(`tsvirt: a call thread exited (code ${code})`)); });
    worker.unref();
    this.threads.push(thread);
    return thread;
  }

  private settle(thread: Thread, answer: BatchAnswer): void {
    // worker.ts answers each batch with one message, in the order the batches were sent.
    const batch = thread.batches.shift() ?? [];
    const failed = answer.errors.length === 0 ? undefined : new Map(answer.errors);
    const { packed } = answer;
    // Packed answers come only for batches of one function (worker.ts).
    const layout = packed && batch[0] ? packedLayout(batch[0].fn) : null;
    // A batch that close() stopped early has a value for each call it ran, and no more.
    const ran = packed ? packed.count : answer.values.length;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i] as Pending;
      this.pins.unpin(p.args);
      const error = failed?.get(i);
      if (i >= ran) p.reject(this.closedErr ?? closedError());
      else if (error) p.reject(toError(error));
      else if (!packed) resolveWith(p, answer.values[i]);
      else if (layout) resolveWith(p, layout.unpack(packed.columns, i));
      else p.reject(new Error(`tsvirt: packed results for ${functionName(p.fn)}, which has no packed layout here`));
    }
    this.outstanding.add(-batch.length);
    // Not while close() stops the thread: unreferenced, a thread being stopped no longer holds the
    // process open, which could then exit before close() resolves.
    if (thread.batches.length === 0 && !this.closed) thread.serving.worker.unref();
    this.pump();
  }

  /** A thread died: its calls reject, the thread is replaced on demand. */
  private fail(thread: Thread, err: unknown): void {
    const at = this.threads.indexOf(thread);
    if (at >= 0) this.threads.splice(at, 1);
    const lost = thread.batches.splice(0).flat();
    for (const p of lost) {
      this.pins.unpin(p.args);
      p.reject(err);
    }
    this.outstanding.add(-lost.length);
    this.pump();
  }
}

const noFunction = (fn: string): TypeError => new TypeError(`tsvirt: no generated function ${fn}`);
const closedError = (): Error => new Error('tsvirt: the call pool is closed');

function toWire(batch: Pending[]): WireBatch {
  const wire: WireBatch = [];
  for (const p of batch) {
    if (p.bulk) wire.push(p.bulk);
    else wire.push(p.fn, p.args);
  }
  return wire;
}

/** What `new Promise(capture)` was given: read at once by the code that made the Promise. */
const ignore = (): void => undefined;
const captured: { resolve: (v: unknown) => void; reject: (e: unknown) => void } = { resolve: ignore, reject: ignore };
const capture = (resolve: (v: unknown) => void, reject: (e: unknown) => void): void => {
  captured.resolve = resolve;
  captured.reject = reject;
};

function resolveWith(p: Pending, value: unknown): void {
  if (!p.settle) {
    p.resolve(value);
    return;
  }
  try {
    p.resolve(p.settle(value));
  } catch (err) {
    p.reject(err);
  }
}

/** A generated function as call() sends it: its number, and whether its results can hold bytes. */
interface Callable { n: number; bytes: boolean }
const callables = new Map<string, Callable>();

function callable(fn: string): Callable | undefined {
  let c = callables.get(fn);
  if (c === undefined) {
    const n = functionNumber(fn);
    if (n === undefined) return undefined;
    c = { n, bytes: carriesBytes(fn) };
    callables.set(fn, c);
  }
  return c;
}

/**
 * Whether a function's results can hold bytes (a Buffer, which arrives as a Uint8Array): only
 * those are walked by fromClone. Unknown names are walked, to be safe.
 */
function carriesBytes(fn: string): boolean {
  const spec = functionSpec(fn);
  return spec === undefined
    || (spec.ret.type?.js === 'pointer' && spec.ret.bytesSize !== undefined)
    || spec.args.some((a) => a.role === 'bytes-out' && a.as !== 'string');
}

export function toError(e: SerializedError): Error {
  if (e.jsName !== undefined) {
    const err = rebuildJsError(e.jsName, e.message);
    if (e.system) Object.assign(err, e.system);
    return err;
  }
  return new LibvirtError(e, e.func);
}

/** Structured clone turns Buffers into Uint8Arrays; results promise Buffers. */
export function fromClone(value: unknown): unknown {
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map(fromClone);
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) (value as Record<string, unknown>)[k] = fromClone(v);
  }
  return value;
}

let shared: CallPool | undefined;
const DEFAULT_THREADS = 4;

/**
 * The process-wide pool: TSVIRT_THREADS threads, default 4. Calls mostly wait on a daemon, so
 * more threads than cores pay off; threads start only when calls queue up.
 */
export function sharedPool(): CallPool {
  if (!shared) {
    shared = new CallPool(countSetting('TSVIRT_THREADS', DEFAULT_THREADS));
  }
  return shared;
}
