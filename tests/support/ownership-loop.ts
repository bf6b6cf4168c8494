// Run with --expose-gc: 200,000 calls of functions whose results libvirt allocates (strings,
// handle lists, string lists, typed parameters, struct lists), then report RSS growth.
import * as v from '../../generated/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const conn = v.virConnectOpen('test:///default');
const dom = v.virDomainLookupByName(conn, 'test');
const rssMiB = (): number => process.memoryUsage().rss / 1048576;

function round(n: number): void {
  for (let i = 0; i < n; i++) {
    switch (i % 8) {
      case 0: v.virDomainGetXMLDesc(dom, 0); break; // char *, caller frees
      case 1: v.virConnectGetHostname(conn); break; // char *
      case 2: for (const d of v.virConnectListAllDomains(conn, 0)) v.virDomainFree(d); break; // handle list
      case 3: v.virDomainGetMemoryParameters(dom, 0); break; // queried typed parameters
      case 4: v.virDomainGetFSInfo(dom, 0); break; // struct list with string arrays
      case 5: v.virConnectListNetworks(conn, 8); break; // caller array of owned strings
      case 6: for (const r of v.virConnectGetAllDomainStats(conn, 0, 0)) v.virDomainFree(r.dom as v.virDomainPtr); break;
      default: v.virDomainGetName(dom); // borrowed
    }
  }
}

const total = Number(process.argv[2] ?? 200_000);
round(20_000); // warm-up: JIT, allocator arenas, koffi caches
gc(); gc();
const start = rssMiB();
round(total - 20_000);
gc(); gc();
const end = rssMiB();
v.virDomainFree(dom);
v.virConnectClose(conn);
process.stdout.write(JSON.stringify({ calls: total, startMiB: start, endMiB: end, growthMiB: end - start }));
