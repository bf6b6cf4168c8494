// For the thread tests: stops the call pool and the stream threads while they are idle, and
// says so after each await; a stop that never settled left the script at its top-level await.
import { Connection, sharedPool, stopStreamThreads } from '../../src/sdk/index.js';

const conn = await Connection.open('test:///default');
const dom = await conn.lookupDomain('test');
const shot = await dom.screenshot(0); // starts a stream thread
for await (const chunk of shot.data) void chunk;
dom.free();
await conn.close();
await stopStreamThreads();
console.log('stream threads stopped');
await sharedPool().close();
console.log('call pool closed');
