// Starting tsvirt's worker threads, and stopping them safely. Each loads koffi (libvirt's
// bindings, or libc's lseek for the image inspector), and a thread that Node terminates while it
// is inside koffi (loading it, opening libvirt on its first call, or converting a call's result)
// aborts the whole process: koffi cannot throw into a thread being terminated. So no thread that
// serves requests is terminated from outside. Each shares two flags with its owner: STOP, set by
// the owner, and BUSY, set by the thread from its start until its modules are loaded and while it
// runs a request. A thread that finds STOP set ends itself, between requests. At process exit,
// when Node terminates every thread at once, the exit hook sets STOP and waits for BUSY to clear.
import { Worker, parentPort, workerData, type WorkerOptions } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const STOP = 0;
const BUSY = 1;
/**
 * Longest wait at exit for running requests to return (a call against a live daemon takes
 * milliseconds), and for the event threads to finish starting (well under a second).
 */
export const EXIT_WAIT_MS = 5000;

/** A worker for a module; a TypeScript module (sources under tsx) gets tsx registered first. */
export function startWorker(url: URL, options: { workerData?: unknown; transferList?: WorkerOptions['transferList'] } = {}): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  // tsx's ESM entry (its "import" export); resolved from its package.json, which works from CJS too.
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const tsx = pathToFileURL(join(dirname(pkg), 'dist/esm/api/index.mjs')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

/** The flags of every serving thread alive, for the exit hook. */
const alive = new Set<Int32Array>();
let exitHooked = false;

/** A thread that serves requests (see serveRequests) and ends only when asked to. */
export class ServingThread {
  readonly worker: Worker;
  readonly #flags = new Int32Array(new SharedArrayBuffer(8));
  readonly #ended: Promise<void>;

  constructor(url: URL) {
    Atomics.store(this.#flags, BUSY, 1); // loading its modules
    this.worker = startWorker(url, { workerData: { serving: this.#flags.buffer } });
    alive.add(this.#flags);
    this.#ended = new Promise((resolve) => this.worker.once('exit', () => { alive.delete(this.#flags); resolve(); }));
    hookExit();
  }

  /**
   * Asks the thread to end once the request it runs returns (requests posted after it are not
   * run); resolves when it has ended. A request that never returns holds it, as it would hold a
   * terminate(): Node cannot stop a thread inside a native call.
   */
  stop(): Promise<void> {
    Atomics.store(this.#flags, STOP, 1);
    // An idle thread is unreferenced: without this, nothing would keep the process running
    // until its 'exit' event, and a caller awaiting stop() would never resume.
    this.worker.ref();
    this.worker.postMessage(null); // wakes an idle thread, which then finds STOP set
    return this.#ended;
  }
}

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const flags of alive) Atomics.store(flags, STOP, 1);
    const deadline = performance.now() + EXIT_WAIT_MS;
    let stuck = 0;
    for (const flags of alive) {
      blockWhile(flags, BUSY, 1, deadline);
      if (Atomics.load(flags, BUSY) === 1) stuck++;
    }
    // Said, because the exit took that long, and Node now ends those threads inside their call.
    if (stuck > 0) writeSync(2, `tsvirt: exiting while ${stuck} worker thread(s) still run a call, after waiting ${EXIT_WAIT_MS / 1000} s for them\n`);
  });
}

/**
 * Blocks this thread while `flags[at]` holds `value`, until `deadline` (performance.now()) at
 * the latest: for the exit hooks, which cannot wait for a message.
 */
export function blockWhile(flags: Int32Array, at: number, value: number, deadline: number): void {
  for (let left = deadline - performance.now(); Atomics.load(flags, at) === value && left > 0; left = deadline - performance.now()) {
    Atomics.wait(flags, at, value, left);
  }
}

const flags = (workerData as { serving?: SharedArrayBuffer } | null)?.serving;
const threadFlags = flags === undefined ? undefined : new Int32Array(flags);
// A thread whose modules fail to load ends without serving anything: BUSY, set while it loads,
// must not hold its owner's exit hook for EXIT_WAIT_MS.
if (threadFlags !== undefined) process.once('exit', () => setBusy(0));

/** In a serving thread: whether its owner asked it to end (a request of many may stop early). */
export function stopAsked(): boolean {
  return threadFlags !== undefined && Atomics.load(threadFlags, STOP) !== 0;
}

function setBusy(busy: 0 | 1): void {
  if (threadFlags === undefined) return;
  Atomics.store(threadFlags, BUSY, busy);
  if (busy === 0) Atomics.notify(threadFlags, BUSY);
}

/**
 * Run by a serving thread's module once its imports are done: `handle` gets each request, one at
 * a time, until the owner asks the thread to end.
 */
export function serveRequests<T>(handle: (request: T) => void): void {
  parentPort?.on('message', (request: T) => {
    setBusy(1); // before reading STOP: the exit hook sets STOP before reading BUSY
    if (stopAsked()) {
      setBusy(0);
      process.exit(0);
    }
    try {
      handle(request);
    } finally {
      setBusy(0);
    }
  });
  setBusy(0);
}
