// Run with --expose-gc: an owner that needs the event loop running (as a connection with
// keepalive or an open console does) is dropped without releasing that; once it is collected,
// the loop pauses during calls again. Prints what was seen, as JSON.
import { Connection } from '../../src/sdk/index.js';
import { eventLoopPaused, requireEventLoop } from '../../src/sdk/events/event-loop.js';

const gc = (globalThis as { gc?: () => void }).gc as () => void;
const conn = await Connection.open('test:///default');
const dom = await conn.lookupDomain('test');

/** Whether the loop is paused while a burst of calls is in flight. */
async function pausedDuringBurst(): Promise<boolean> {
  const burst = Promise.all(Array.from({ length: 50 }, () => dom.getInfo()));
  const paused = eventLoopPaused();
  await burst;
  await new Promise((r) => setTimeout(r, 80)); // past the linger: the loop runs again
  return paused;
}

const before = await pausedDuringBurst();
let owner: object | null = {};
requireEventLoop(owner);
const whileOwned = await pausedDuringBurst();
owner = null;
let afterDrop = false;
for (let i = 0; i < 30 && !afterDrop; i++) {
  gc();
  await new Promise((r) => setTimeout(r, 10));
  afterDrop = await pausedDuringBurst();
}
dom.free();
await conn.close();
process.stdout.write(JSON.stringify({ before, whileOwned, afterDrop }));
