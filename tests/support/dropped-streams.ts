// Run with --expose-gc: screenshots whose streams are dropped half-way (never read, never
// closed). The safety net must do what close() does: abort the transfer, give back the stream
// thread and release the reference, so liveStreamCount() comes back down. Prints one JSON line.
import { Connection, finalizedCount, liveStreamCount } from '../../src/sdk/index.js';

const gc = (globalThis as { gc?: () => void }).gc as () => void;
const conn = await Connection.open('test:///default');
const dom = await conn.lookupDomain('test');
const before = liveStreamCount();
for (let i = 0; i < 4; i++) await dom.screenshot(); // each Readable and its stream dropped unread
const open = liveStreamCount() - before;
for (let i = 0; i < 100 && liveStreamCount() > before; i++) {
  gc();
  await new Promise((r) => setTimeout(r, 20));
}
// The connection still works, and a new screenshot still goes through a stream thread.
const shot = await dom.screenshot();
let bytes = 0;
for await (const c of shot.data) bytes += (c as Buffer).length;
console.log(JSON.stringify({ open, left: liveStreamCount() - before, finalized: finalizedCount(), bytes }));
dom.free();
await conn.close();
