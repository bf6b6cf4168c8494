// Run with --expose-gc: 50 Domain objects are dropped without free(), 30 are freed and then
// dropped, and 50 are kept; the FinalizationRegistry must release the 50 dropped ones'
// references, and neither the freed ones again nor the kept ones.
import { Connection, finalizedCount, type Domain } from '../../src/sdk/index.js';

const gc = (globalThis as { gc?: () => void }).gc as () => void;
const conn = await Connection.open('test:///default');
const kept: Domain[] = [];
for (let i = 0; i < 50; i++) kept.push(await conn.lookupDomain('test'));
for (let i = 0; i < 30; i++) (await conn.lookupDomain('test')).free();
for (let i = 0; i < 50; i++) await conn.lookupDomain('test');
for (let i = 0; i < 20 && finalizedCount() < 50; i++) {
  gc();
  await new Promise((r) => setTimeout(r, 10));
}
// A few more collections: a freed object wrongly released again would show up now.
for (let i = 0; i < 3; i++) {
  gc();
  await new Promise((r) => setTimeout(r, 10));
}
const released = finalizedCount();
// The kept ones are still usable: the safety net did not take them.
const names = kept.map((d) => d.name);
for (const d of kept) d.free();
await conn.close();
process.stdout.write(JSON.stringify({ dropped: 50, released, keptUsable: names.filter((n) => n === 'test').length }));
