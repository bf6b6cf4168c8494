// A serving thread (engine/threads.ts) whose request is a number of milliseconds to run: it says
// 'running', blocks that long, notes on stderr that it returned, then answers with the number.
import { writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { serveRequests } from '../../src/sdk/engine/threads.js';
import { markLoaded } from './loaded-marker.js';

serveRequests((ms: number) => {
  parentPort?.postMessage('running');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  writeSync(2, `a request of ${ms} ms returned\n`);
  parentPort?.postMessage(ms);
});
markLoaded();
