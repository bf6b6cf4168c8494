// Stopping tsvirt's worker threads safely. Each loads koffi (libvirt's bindings, or libc's lseek
// for the image inspector), and Node's terminate() of a thread that is still loading koffi aborts
// the whole process (koffi cannot throw into a thread being terminated). So every worker module
// says when its modules are loaded (markThreadLoaded, its last top-level statement), and its
// owner stops it through stopWhenLoaded.
import { parentPort, type Worker } from 'node:worker_threads';

/** A worker's first message. */
export interface ThreadLoaded { readonly loaded: true }

/** Run by a worker module once its imports are done. */
export function markThreadLoaded(): void {
  parentPort?.postMessage({ loaded: true } satisfies ThreadLoaded);
}

/** Whether a worker has loaded (or ended), from its messages and its end. */
export class LoadWatch {
  readonly loaded: Promise<void>;
  #settle: () => void = () => undefined;

  constructor(worker: Worker) {
    this.loaded = new Promise((resolve) => { this.#settle = resolve; });
    worker.once('error', () => this.#settle());
    worker.once('exit', () => this.#settle());
  }

  /** True when `message` is the worker's loaded message, which its owner then passes over. */
  took(message: unknown): boolean {
    if (typeof message !== 'object' || message === null || (message as Partial<ThreadLoaded>).loaded !== true) return false;
    this.#settle();
    return true;
  }
}

/** Terminates `worker` once it has loaded its modules. */
export async function stopWhenLoaded(worker: Worker, watch: LoadWatch): Promise<void> {
  await watch.loaded;
  await worker.terminate();
}
