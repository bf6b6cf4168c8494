// The threads that run stream I/O. Streams do not use the call pool for their data: through it,
// every chunk would be structured-cloned twice (measured: ~0.5 ms per 256 KiB, downloads at
// ~70 MiB/s where virsh does ~400). A stream's calls run one at a time, in order (stream.ts
// queues them); each goes to a thread with nothing to do, so a receive that waits long (a hung
// QEMU, a daemon that sends nothing) holds one thread and no other stream. Beyond the limit,
// calls wait in one queue, in order. Threads start on demand and do not keep the process alive
// while idle. A stream's bytes pass through a SharedArrayBuffer window that any thread can use.
import type { Worker } from 'node:worker_threads';
import { toError } from './engine/call-pool.js';
import { BusyCounter } from './engine/busy-counter.js';
import { ServingThread } from './engine/threads.js';
import type { StreamCall, StreamReply, StreamRequest, StreamResult } from './stream-protocol.js';
import { countSetting } from './env-settings.js';

interface Pending { resolve: (r: StreamResult) => void; reject: (e: unknown) => void }
interface Queued extends Pending { request: StreamRequest }

/** Stream calls queued or in flight on all threads; the event loop pauses while there are any (loop-pause.ts). */
export const streamCallsInFlight = new BusyCounter();

/**
 * Blocking streams open (created and not yet closed). While one is open and nothing needs the
 * event loop, the loop stays paused as during a call (loop-pause.ts): a running loop reads every
 * packet the daemon sends off the socket into libvirt's client-side queue, which has no bound,
 * so a download whose reader stops grew by the daemon's rate for as long as it stopped. Paused,
 * the loop reads only in its keepalive turns, and the daemon waits on the full socket.
 */
export const blockingStreamsOpen = new BusyCounter();

class StreamThread {
  readonly serving: ServingThread;
  readonly worker: Worker;
  /** The call it runs, if any: a thread runs one at a time. */
  current: { id: number; pending: Pending } | null = null;
  dead = false;

  constructor(private readonly idle: (t: StreamThread) => void) {
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    this.serving = new ServingThread(new URL(`./stream-worker${ext}`, import.meta.url));
    this.worker = this.serving.worker;
    this.worker.on('message', (r: StreamReply) => this.settle(r));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`tsvirt: a stream thread exited (code ${code})`)));
    this.worker.unref();
  }

  run(request: StreamRequest, pending: Pending): void {
    this.current = { id: request.id, pending };
    this.worker.ref();
    this.worker.postMessage(request);
  }

  private settle(r: StreamReply): void {
    const current = this.current;
    if (!current || current.id !== r.id) return;
    this.current = null;
    this.worker.unref();
    streamCallsInFlight.add(-1);
    if (r.ok) current.pending.resolve(r.result);
    else current.pending.reject(toError(r.error));
    this.idle(this);
  }

  private fail(err: unknown): void {
    if (this.dead) return;
    this.dead = true;
    const current = this.current;
    this.current = null;
    if (current) {
      streamCallsInFlight.add(-1);
      current.pending.reject(err);
    }
    this.idle(this);
  }
}

const DEFAULT_STREAM_THREADS = 4;
const threads: StreamThread[] = [];
const queue: Queued[] = [];
let nextId = 1;

function threadLimit(): number {
  return countSetting('TSVIRT_STREAM_THREADS', DEFAULT_STREAM_THREADS);
}

/** A thread just became free (or died): it takes the oldest queued call. */
function onIdle(t: StreamThread): void {
  if (t.dead) {
    const i = threads.indexOf(t);
    if (i >= 0) threads.splice(i, 1);
  }
  const next = queue.shift();
  if (next) startOn(freeThread(), next);
}

/** A thread with nothing to do, started if none is and the limit allows; null when all are busy. */
function freeThread(): StreamThread | null {
  for (const t of threads) if (!t.dead && !t.current) return t;
  if (threads.length >= threadLimit()) return null;
  const t = new StreamThread(onIdle);
  threads.push(t);
  return t;
}

function startOn(t: StreamThread | null, q: Queued): void {
  if (t) t.run(q.request, q);
  else queue.unshift(q);
}

/** Runs one call of a stream; the caller runs a stream's calls one after another. */
export function runStreamCall(stream: bigint, window: Uint8Array | null, call: StreamCall): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    streamCallsInFlight.add(1);
    const q: Queued = { request: { id: nextId++, stream, window, call }, resolve, reject };
    const t = queue.length === 0 ? freeThread() : null;
    if (t) t.run(q.request, q);
    else queue.push(q);
  });
}

/**
 * Stops the stream threads (tests and benchmarks that want a clean exit). Calls queued reject;
 * a call in flight settles as it returns, and then its thread ends (see engine/threads.ts).
 */
export async function stopStreamThreads(): Promise<void> {
  const stopped = new Error('tsvirt: the stream threads were stopped');
  for (const q of queue.splice(0)) {
    streamCallsInFlight.add(-1);
    q.reject(stopped);
  }
  await Promise.all(threads.splice(0).map((t) => t.serving.stop()));
}
