// Where libvirt already has an event loop, tsvirt must register and run no second one. Run as a
// worker thread beside a main thread whose tsvirt runs the loop (answers by message), or as a
// process with `--own-loop`, a program that registers libvirt's loop itself first (prints its
// answer): opens test:///default, listens, and reports what eventsReady() answered.
import { parentPort } from 'node:worker_threads';
import * as v from '../../generated/index.js';
import { Connection } from '../../src/sdk/index.js';
import { isLibvirtError } from '../../src/ffi/index.js';

if (process.argv.includes('--own-loop')) v.virEventRegisterDefaultImpl();
const conn = await Connection.open('test:///default');
conn.on('error', () => undefined); // the answer is reported below, not warned about
conn.on('domain:lifecycle', () => undefined);
const why = await conn.eventsReady().then(() => 'ready', (e: unknown) => (isLibvirtError(e) ? `${e.codeName}: ${e.message}` : String(e)));
await conn.close();
if (parentPort) parentPort.postMessage(why);
else console.log(why);
