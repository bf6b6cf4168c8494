// Calls that return memory libvirt allocates (strings, lists, typed parameters), on the main
// thread and on the call threads, failing ones among them. tests/ffi/ownership.test.ts runs it
// under glibc's malloc debugger (preloaded), which aborts when memory goes back to another
// allocator than the one that handed it out: the exit status tells.
import * as v from '../../generated/index.js';
import { Connection } from '../../src/sdk/index.js';

const raw = v.virConnectOpen('test:///default');
const rawDom = v.virDomainLookupByName(raw, 'test');
let chars = v.virDomainGetXMLDesc(rawDom, 0).length + v.virConnectGetCapabilities(raw).length;
v.virDomainFree(rawDom);
v.virConnectClose(raw);

const conn = await Connection.open('test:///default');
const dom = await conn.lookupDomain('test');
const calls = Array.from({ length: 200 }, (_, i) => {
  switch (i % 5) {
    case 0: return dom.getXMLDesc(0).then((x) => x.length);
    case 1: return conn.listAllDomains(0).then((ds) => { ds.forEach((d) => d.free()); return ds.length; });
    case 2: return dom.getCPUStats().then((p) => p.length);
    case 3: return conn.getHostname().then((h) => h.length);
    default: return dom.getXMLDesc(1 << 30).then(() => 0, () => 0);
  }
});
for (const n of await Promise.all(calls)) chars += n;
dom.free();
await conn.close();
process.stdout.write(`${JSON.stringify({ ok: chars > 0 })}\n`);
