// Whether the event threads have started, shared with the main thread through the control array
// (loop-pause.ts), which reads it at exit, when it cannot wait for a message (see event-loop.ts).
import { writeSync } from 'node:fs';
import { EXIT_WAIT_MS, blockWhile } from '../engine/threads.js';

/** Run by an event thread once it has loaded koffi and made its callbacks. */
export function markStarted(control: Int32Array, at: number, thread: string): void {
  // tsvirt's own test of process.exit() during start-up: the thread starts late, and says when it has.
  if (process.env['TSVIRT_TEST_LOOP_FAULT'] === 'slow-start') {
    Atomics.wait(control, at, 0, 300);
    writeSync(2, `tsvirt-test: the ${thread} thread has started\n`);
  }
  Atomics.store(control, at, 1);
  Atomics.notify(control, at);
}

/** Blocks until each flag `at` of `control` is set, EXIT_WAIT_MS at most in all. */
export function awaitStarted(control: Int32Array, at: readonly number[]): void {
  const deadline = performance.now() + EXIT_WAIT_MS;
  for (const i of at) blockWhile(control, i, 0, deadline);
}
