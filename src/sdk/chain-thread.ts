// Backing chains read off the main thread (see chain-worker.ts). One thread, started on the
// first request and not keeping the process alive while idle; a thread that dies fails the
// requests it held and the next request starts another.
import type { Worker } from 'node:worker_threads';
import { startWorker } from './engine/call-pool.js';
import { rebuildJsError } from './engine/serialize-error.js';
import type { ChainResult } from './chain-read.js';

export interface ChainRequest { readonly id: number; readonly path: string }
export type ChainReply =
  | { readonly id: number; readonly result: ChainResult }
  | { readonly id: number; readonly fault: Fault };

/** A fault of the reading code as it crosses: `code` is Node's (ERR_OUT_OF_RANGE), by which callers tell its errors apart. */
export interface Fault { readonly name: string; readonly message: string; readonly stack: string; readonly code?: string }

interface Pending { resolve: (r: ChainResult) => void; reject: (e: unknown) => void }

let thread: Worker | undefined;
const pending = new Map<number, Pending>();
let nextId = 1;

/** The thread's fault as an error of the same class where it is a built-in one (instanceof RangeError holds), with its code. */
function faultOf(f: Fault): Error {
  const err: Error & { code?: string } = rebuildJsError(f.name, f.message);
  err.stack = f.stack;
  if (f.code !== undefined) err.code = f.code;
  return err;
}

function settle(reply: ChainReply): void {
  const p = pending.get(reply.id);
  if (p === undefined) return;
  pending.delete(reply.id);
  if (pending.size === 0) thread?.unref();
  if ('result' in reply) p.resolve(reply.result);
  else p.reject(faultOf(reply.fault));
}

function failAll(worker: Worker, err: Error): void {
  if (thread !== worker) return;
  thread = undefined;
  const held = [...pending.values()];
  pending.clear();
  for (const p of held) p.reject(err);
}

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const WORKER_MODULE = new URL(`./chain-worker${ext}`, import.meta.url);
let workerModule = WORKER_MODULE;

function chainThread(): Worker {
  if (thread !== undefined) return thread;
  const worker = startWorker(workerModule);
  worker.on('message', settle);
  worker.on('error', (err) => failAll(worker, err));
  worker.on('exit', (code) => failAll(worker, new Error(`tsvirt: the backing-chain thread exited (code ${code})`)));
  worker.unref();
  thread = worker;
  return worker;
}

/** `path`'s backing chain as far as it can be read (chain-read.ts's readChainResult), read on another thread. */
export function readChainOffThread(path: string): Promise<ChainResult> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    const worker = chainThread();
    pending.set(id, { resolve, reject });
    worker.ref();
    worker.postMessage({ id, path } satisfies ChainRequest);
  });
}

/**
 * Tests: threads started from now run `module` (one that changes the reading code, then imports
 * chain-worker), or chain-worker again with null. The running thread is stopped.
 */
export async function useChainWorkerModule(module: URL | null): Promise<void> {
  await stopChainThread();
  workerModule = module ?? WORKER_MODULE;
}

/** Stops the thread (tests that want a clean exit); requests in flight reject. */
export async function stopChainThread(): Promise<void> {
  const worker = thread;
  if (worker === undefined) return;
  failAll(worker, new Error('tsvirt: the backing-chain thread was stopped'));
  await worker.terminate();
}
