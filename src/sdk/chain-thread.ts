// Backing chains read off the main thread (see chain-worker.ts), on a few threads started on
// demand and not keeping the process alive while idle. Each thread reads one chain at a time, so
// a read that never returns (a hung NFS mount) holds its own caller and one thread, not the
// requests after it. A thread that dies fails the request it held; the next request starts another.
import { rebuildJsError } from './engine/serialize-error.js';
import { Fifo } from './engine/fifo.js';
import { ServingThread } from './engine/threads.js';
import type { ChainResult } from './chain-read.js';

export interface ChainRequest { readonly id: number; readonly path: string }
export type ChainReply =
  | { readonly id: number; readonly result: ChainResult }
  | { readonly id: number; readonly fault: Fault };

/** A fault of the reading code as it crosses: `code` is Node's (ERR_OUT_OF_RANGE), by which callers tell its errors apart. */
export interface Fault { readonly name: string; readonly message: string; readonly stack: string; readonly code?: string }

interface Pending { readonly path: string; resolve: (r: ChainResult) => void; reject: (e: unknown) => void }

/**
 * Most reading threads. As many hung reads as this stall every later request until one returns,
 * as with Node's own file system calls (libuv's pool of 4 threads); a few threads also let the
 * images of several disks be read at once.
 */
const MAX_CHAIN_THREADS = 4;

/** A reading thread and the request it is reading, if any. */
interface Thread {
  readonly serving: ServingThread;
  held: Queued | undefined;
}

const threads: Thread[] = [];
/** A request: waiting in the queue, or held by the thread reading it. */
interface Queued { readonly id: number; readonly p: Pending }

const queue = new Fifo<Queued>();
let nextId = 1;

/** The thread's fault as an error of the same class where it is a built-in one (instanceof RangeError holds), with its code. */
function faultOf(f: Fault): Error {
  const err: Error & { code?: string } = rebuildJsError(f.name, f.message);
  err.stack = f.stack;
  if (f.code !== undefined) err.code = f.code;
  return err;
}

function settle(thread: Thread, reply: ChainReply): void {
  const held = thread.held;
  if (held === undefined || held.id !== reply.id) return;
  thread.held = undefined;
  if ('result' in reply) held.p.resolve(reply.result);
  else held.p.reject(faultOf(reply.fault));
  dispatch();
}

/** A thread died: the request it held fails, the others go on (on a new thread where needed). */
function fail(thread: Thread, err: Error): void {
  const at = threads.indexOf(thread);
  if (at < 0) return;
  threads.splice(at, 1);
  const held = thread.held;
  thread.held = undefined;
  held?.p.reject(err);
  dispatch();
}

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const WORKER_MODULE = new URL(`./chain-worker${ext}`, import.meta.url);
let workerModule = WORKER_MODULE;

function startThread(): Thread {
  const serving = new ServingThread(workerModule);
  const { worker } = serving;
  const thread: Thread = { serving, held: undefined };
  worker.on('message', (reply: ChainReply) => settle(thread, reply));
  worker.on('error', (err) => fail(thread, err));
  worker.on('exit', (code) => fail(thread, new Error(`tsvirt: a backing-chain thread exited (code ${code})`)));
  worker.unref();
  threads.push(thread);
  return thread;
}

/** Hands queued requests to idle threads, starting threads up to the limit; idle threads stop holding the process. */
function dispatch(): void {
  for (const t of threads) if (t.held === undefined) t.serving.worker.unref();
  while (queue.length > 0) {
    const thread = threads.find((t) => t.held === undefined) ?? (threads.length < MAX_CHAIN_THREADS ? startThread() : undefined);
    if (thread === undefined) return;
    const [next] = queue.take(1) as [Queued];
    thread.held = next;
    thread.serving.worker.ref();
    thread.serving.worker.postMessage({ id: next.id, path: next.p.path } satisfies ChainRequest);
  }
}

/** `path`'s backing chain as far as it can be read (chain-read.ts's readChainResult), read on another thread. */
export function readChainOffThread(path: string): Promise<ChainResult> {
  return new Promise((resolve, reject) => {
    queue.push({ id: nextId++, p: { path, resolve, reject } });
    dispatch();
  });
}

/**
 * Tests: threads started from now run `module` (one that changes the reading code, then imports
 * chain-worker), or chain-worker again with null. The running threads are stopped.
 */
export async function useChainWorkerModule(module: URL | null): Promise<void> {
  await stopChainThreads();
  workerModule = module ?? WORKER_MODULE;
}

/** Reading threads running (tests). */
export const chainThreadCount = (): number => threads.length;

/**
 * Stops the threads (tests that want a clean exit); requests being read or waiting for a thread
 * reject at once. Resolves when every thread has ended: one reading a chain ends when its read
 * returns (see threads.ts).
 */
export async function stopChainThreads(): Promise<void> {
  const stopped = threads.splice(0);
  const err = new Error('tsvirt: the backing-chain threads were stopped');
  for (const r of [...stopped.flatMap((t) => (t.held === undefined ? [] : [t.held])), ...queue.takeAll()]) r.p.reject(err);
  for (const t of stopped) t.held = undefined;
  await Promise.all(stopped.map((t) => t.serving.stop()));
}
