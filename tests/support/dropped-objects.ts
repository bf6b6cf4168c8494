// Run with --expose-gc: 50 Domain objects are dropped without free(), 30 are freed and then
// dropped, and 50 are kept; the FinalizationRegistry must release the 50 dropped ones'
// references, and neither the freed ones again nor the kept ones. Then listings, whose objects
// the safety net watches as one group: a group with one member kept releases nothing; once
// that member is dropped too, the group's references are released, except the one freed.
import { Connection, finalizedCount, type Domain } from '../../src/sdk/index.js';

const gc = (globalThis as { gc?: () => void }).gc as () => void;
const conn = await Connection.open('test:///default');
const kept: Domain[] = [];
for (let i = 0; i < 50; i++) kept.push(await conn.lookupDomain('test'));
for (let i = 0; i < 30; i++) (await conn.lookupDomain('test')).free();
for (let i = 0; i < 50; i++) await conn.lookupDomain('test');
for (let i = 0; i < 50 && finalizedCount() < 50; i++) {
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

async function collect(until: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !until(); i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
}

// Four domains (the test driver's own and three defined here), listed: one member freed, one
// kept, the rest dropped.
for (const n of ['grp-a', 'grp-b', 'grp-c']) {
  (await conn.defineDomain(`<domain type='test'><name>${n}</name><memory>1024</memory><os><type>hvm</type></os></domain>`)).free();
}
let member: Domain | undefined;
await (async () => {
  const listed = await conn.listAllDomains();
  listed[0]?.free();
  member = listed[1];
})();
const beforeGroup = finalizedCount();
await collect(() => false);
const whileMemberKept = finalizedCount() - beforeGroup;
const memberUsable = member?.name !== undefined;
member = undefined;
await collect(() => finalizedCount() - beforeGroup >= 3);
const groupReleased = finalizedCount() - beforeGroup;
await conn.close();
process.stdout.write(JSON.stringify({ dropped: 50, released, keptUsable: names.filter((n) => n === 'test').length, whileMemberKept, memberUsable, groupReleased }));
