// A backing-chain thread that takes 500 ms to load, as on a busy machine: a test stops it before.
import { markLoaded } from './loaded-marker.js';

Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
await import('../../src/sdk/chain-worker.js');
markLoaded();
