// Calls process.exit(4) as soon as a serving thread's module has failed to load (its 'error'
// event, before its 'exit' event): tests/sdk/threads.test.ts checks that the exit did not wait
// for a request from a thread that can run none.
import { ServingThread } from '../../src/sdk/engine/threads.js';

const thread = new ServingThread(new URL('./failing-serving-worker.ts', import.meta.url));
thread.worker.on('error', () => process.exit(4));
