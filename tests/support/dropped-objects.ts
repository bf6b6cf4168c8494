// Run with --expose-gc: 50 Domain objects are dropped without free(); the FinalizationRegistry
// must release their references. Prints live handle counts before and after.
import { Connection } from '../../src/sdk/index.js';
import { liveHandleCount } from '../../src/ffi/index.js';

const gc = (globalThis as { gc?: () => void }).gc as () => void;
const conn = await Connection.open('test:///default');
const before = liveHandleCount();
for (let i = 0; i < 50; i++) await conn.lookupDomain('test');
for (let i = 0; i < 10 && liveHandleCount() > before; i++) {
  gc();
  await new Promise((r) => setTimeout(r, 20));
}
const after = liveHandleCount();
await conn.close();
process.stdout.write(JSON.stringify({ before, dropped: 50, after }));
