// The threads that run stream I/O. Streams do not use the call pool for their data: through it,
// every chunk would be structured-cloned twice (measured: ~0.5 ms per 256 KiB, downloads at
// ~70 MiB/s where virsh does ~400), and its generated virStreamRecv cannot tell "would block" or
// a hole from the end of the stream. Each stream is pinned to one of a few threads for its
// lifetime, so its calls run in order; its bytes pass through a SharedArrayBuffer window.
// Threads start on demand and do not keep the process alive while idle.
import type { Worker } from 'node:worker_threads';
import { startWorker, toError } from './engine/call-pool.js';
import { BusyCounter } from './engine/busy-counter.js';
import type { StreamCall, StreamReply, StreamRequest, StreamResult } from './stream-protocol.js';

interface Pending { resolve: (r: StreamResult) => void; reject: (e: unknown) => void }

/** Stream calls in flight on all threads; the event loop pauses while there are any (loop-pause.ts). */
export const streamCallsInFlight = new BusyCounter();

class StreamThread {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  /** Streams pinned here. */
  streams = 0;
  dead = false;

  constructor() {
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    this.worker = startWorker(new URL(`./stream-worker${ext}`, import.meta.url));
    this.worker.on('message', (r: StreamReply) => this.settle(r));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`tsvirt: a stream thread exited (code ${code})`)));
    this.worker.unref();
  }

  post(request: StreamRequest): Promise<StreamResult> {
    if (this.dead) return Promise.reject(new Error('tsvirt: the stream thread is gone'));
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      streamCallsInFlight.add(1);
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage(request);
    });
  }

  private settle(r: StreamReply): void {
    const p = this.pending.get(r.id);
    this.pending.delete(r.id);
    if (this.pending.size === 0) this.worker.unref();
    if (!p) return;
    streamCallsInFlight.add(-1);
    if (r.ok) p.resolve(r.result);
    else p.reject(toError(r.error));
  }

  private fail(err: unknown): void {
    if (this.dead) return;
    this.dead = true;
    for (const p of this.pending.values()) p.reject(err);
    streamCallsInFlight.add(-this.pending.size);
    this.pending.clear();
  }
}

/** One stream's way to its thread. */
export interface StreamLane {
  run(stream: bigint, window: Uint8Array | null, call: StreamCall): Promise<StreamResult>;
  /** The stream is gone: its thread may be given to another. Idempotent. */
  unpin(): void;
}

const DEFAULT_STREAM_THREADS = 2;
const threads: StreamThread[] = [];
let nextId = 1;

function threadLimit(): number {
  const env = Number(process.env['TSVIRT_STREAM_THREADS']);
  return Number.isInteger(env) && env > 0 ? env : DEFAULT_STREAM_THREADS;
}

/** The thread with the fewest streams; a new one while every thread has a stream and the limit allows. */
function pickThread(): StreamThread {
  for (let i = threads.length - 1; i >= 0; i--) if (threads[i]?.dead) threads.splice(i, 1);
  let best: StreamThread | undefined;
  for (const t of threads) if (!best || t.streams < best.streams) best = t;
  if ((!best || best.streams > 0) && threads.length < threadLimit()) {
    best = new StreamThread();
    threads.push(best);
  }
  return best as StreamThread;
}

export function pinStream(): StreamLane {
  const thread = pickThread();
  thread.streams++;
  let pinned = true;
  return {
    run: (stream, window, call) => thread.post({ id: nextId++, stream, window, call }),
    unpin: () => {
      if (!pinned) return;
      pinned = false;
      thread.streams--;
    },
  };
}

/** Stops the stream threads (tests and benchmarks that want a clean exit). Calls in flight reject. */
export async function stopStreamThreads(): Promise<void> {
  await Promise.all(threads.splice(0).map((t) => t.worker.terminate()));
}
