// Run as a worker thread beside a process whose main thread already runs tsvirt's event loop:
// tsvirt here must run no second one. Posts what eventsReady() answered.
import { parentPort } from 'node:worker_threads';
import { Connection } from '../../src/sdk/index.js';
import { isLibvirtError } from '../../src/ffi/index.js';

const conn = await Connection.open('test:///default');
conn.on('error', () => undefined); // the answer is posted below, not warned about
conn.on('domain:lifecycle', () => undefined);
const why = await conn.eventsReady().then(() => 'ready', (e: unknown) => (isLibvirtError(e) ? `${e.codeName}: ${e.message}` : String(e)));
await conn.close();
parentPort?.postMessage(why);
