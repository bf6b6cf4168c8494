// Run with --expose-gc: 200,000 calls of functions whose results libvirt allocates (strings,
// handle lists, string lists, typed parameters, struct lists), then report the growth of RSS
// and of the bytes malloc has in use.
import koffi from 'koffi';
import * as v from '../../generated/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const conn = v.virConnectOpen('test:///default');
const dom = v.virDomainLookupByName(conn, 'test');
const rssMiB = (): number => process.memoryUsage().rss / 1048576;

// Bytes malloc has handed out and not had back, over all arenas (glibc's mallinfo2: uordblks,
// plus hblkhd for large blocks it mapped). libvirt allocates what it returns with malloc, so a
// leak shows here, while the V8 heap (mapped directly) does not add its own growth as RSS does.
const MallInfo2 = koffi.struct('tsvirt_mallinfo2', {
  arena: 'size_t', ordblks: 'size_t', smblks: 'size_t', hblks: 'size_t', hblkhd: 'size_t',
  usmblks: 'size_t', fsmblks: 'size_t', uordblks: 'size_t', fordblks: 'size_t', keepcost: 'size_t',
});
const mallinfo2 = koffi.load('libc.so.6').func('mallinfo2', MallInfo2, []) as () => Record<string, number | bigint>;
const mallocMiB = (): number => {
  const m = mallinfo2();
  return (Number(m['uordblks']) + Number(m['hblkhd'])) / 1048576;
};

// Each case calls one function whose result libvirt allocates and the runtime must release.
const cases: Record<string, () => void> = {
  xml: () => v.virDomainGetXMLDesc(dom, 0), // char *, caller frees
  hostname: () => v.virConnectGetHostname(conn), // char *
  domains: () => { for (const d of v.virConnectListAllDomains(conn, 0)) v.virDomainFree(d); }, // handle list
  memoryParams: () => v.virDomainGetMemoryParameters(dom, 0), // queried typed parameters
  fsInfo: () => v.virDomainGetFSInfo(dom, 0), // struct list with string arrays
  networks: () => v.virConnectListNetworks(conn, 8), // caller array of owned strings
  stats: () => { for (const r of v.virConnectGetAllDomainStats(conn, 0, 0)) v.virDomainFree(r.dom as v.virDomainPtr); },
  diskErrors: () => v.virDomainGetDiskErrors(dom, 4, 0), // caller array of structs with owned strings
  name: () => v.virDomainGetName(dom), // borrowed
};
// argv[3] names one case to repeat; by default they take turns.
const only = process.argv[3];
if (only !== undefined && !(only in cases)) throw new Error(`no case ${only} (${Object.keys(cases).join(', ')})`);
const turns = only === undefined ? Object.values(cases) : [cases[only] as () => void];

function round(n: number): void {
  for (let i = 0; i < n; i++) (turns[i % turns.length] as () => void)();
}

const total = Number(process.argv[2] ?? 200_000);
round(20_000); // warm-up: JIT, allocator arenas, koffi caches
gc(); gc();
const start = rssMiB();
const mallocStart = mallocMiB();
round(total - 20_000);
gc(); gc();
const end = rssMiB();
const mallocEnd = mallocMiB();
v.virDomainFree(dom);
v.virConnectClose(conn);
process.stdout.write(JSON.stringify({ calls: total, startMiB: start, endMiB: end, growthMiB: end - start, mallocGrowthMiB: mallocEnd - mallocStart }));
