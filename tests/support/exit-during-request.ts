// Calls process.exit(3) while a serving thread runs a request of the milliseconds given (default
// 300): tests/sdk/threads.test.ts checks that the exit waited for the request to return (its
// note is on stderr), or for EXIT_WAIT_MS and said so.
import { ServingThread } from '../../src/sdk/engine/threads.js';

const thread = new ServingThread(new URL('./slow-serving-worker.ts', import.meta.url));
thread.worker.on('message', (m) => { if (m === 'running') process.exit(3); });
thread.worker.postMessage(Number(process.argv[2] ?? 300));
