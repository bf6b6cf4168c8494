/**
 * SDK benchmark, two parts measured side by side in one run:
 *  (1) list the 5000 domains of a test:/// node file with name, UUID and info:
 *      C, libvirt-python and the tsvirt SDK (part-list.ts);
 *  (2) 2000 getInfo calls on a running TCG guest of qemu:///system: libvirt-python
 *      in sequence and with 8 threads, the tsvirt SDK all at once (part-info.ts).
 * Every implementation is a child process that opens its connection, warms up
 * and stays started; in both parts the children take turns, one timed run each
 * per round. The statistics are computed here.
 *
 * Usage: npm run bench:sdk [-- --quick] [-- --json]
 * BENCH_SDK_DAEMON_URI overrides the daemon of part 2 (default qemu:///system).
 * Exits 0 whenever it could run: targets are reported, not enforced.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus as cpuList, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonOk, skipped } from './child.js';
import type { Config } from './child.js';
import { DOMAINS, partList } from './part-list.js';
import { CALLS, partInfo } from './part-info.js';
import { checkTargets, infoTable, listTable } from './report.js';
import type { ListResults } from './report.js';

const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
// tsvirt needs warm-up before its figures are steady: every call thread optimises its own copy
// of the code, and V8 sizes its young generation by what survives. Measured listings of 5000
// domains: the first about 350 ms (the call threads start), the next nine 30-77 ms, steady
// (21-30 ms) from about the fifteenth on. getInfo bursts: the first about 1.1 s, about 0.15 s
// from the twentieth on. Every implementation gets the same warm-up; the figures are
// steady-state ones.
const config: Config = quick
  ? { rounds: 1, listWarmup: 3, listReps: 5, infoWarmup: 3, infoReps: 2 }
  : { rounds: 3, listWarmup: 20, listReps: 10, infoWarmup: 25, infoReps: 5 };

async function main(): Promise<void> {
  // Ctrl-C: leave through process.exit, whose 'exit' hook in the daemon harness
  // removes the scratch guest and pool.
  process.once('SIGINT', () => process.exit(130));
  const python = pythonOk();
  // The node file and the C program are only needed by part 1: removed before part 2.
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-bench-sdk-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir); // also on Ctrl-C
  let list: ListResults;
  try {
    list = await partList(dir, config, python);
  } finally {
    removeDir();
  }
  const info = await partInfo(config, python);
  // The cores that the client and a local daemon share.
  const cpus = cpuList().length;
  const targets = checkTargets(list, info, CALLS, cpus);
  if (json) {
    const out = { config: { ...config, domains: DOMAINS, calls: CALLS, cpus }, list, info: info ?? null, skipped, targets };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return;
  }
  console.log(`(1) list ${DOMAINS} domains of a test:/// node file with name, UUID and info`);
  console.log(`    ${config.rounds * config.listReps} rounds, each timing one listing of every row in a shuffled order (each after`);
  console.log(`    an untimed one), after ${config.listWarmup} warm-up listings per row; CPU ms: of the process (all its threads),`);
  console.log('    median over listings; cores used: CPU over time; vs C / vs python: median of the per-round ratios\n');
  console.log(listTable(list));
  console.log(`\n(2) ${CALLS} getInfo calls on a running TCG guest of ${process.env['BENCH_SDK_DAEMON_URI'] || 'qemu:///system'}`);
  if (info) {
    console.log(`    ${config.rounds * config.infoReps} rounds, each timing one burst of every row in a shuffled order (each after an`);
    console.log('    untimed one); tsvirt\'s lag is sampled by a 1 ms timer in bursts of their own (their rate in the last');
    console.log('    column); lag p50/p99: median over bursts, max: worst burst;');
    console.log('    CPU us/call: of the client process (all its threads) and of the daemon (all its threads),');
    console.log('    median over the timed bursts; cores busy: their CPU over the burst\'s time on every core,');
    console.log(`    median over bursts (the ${cpus} cores are shared: near 100, only less CPU per call is faster)\n`);
    console.log(infoTable(info, CALLS, cpus));
  } else {
    console.log(`    skipped: ${skipped['part 2'] ?? 'unknown reason'}`);
  }
  const skips = Object.entries(skipped).filter(([k]) => k !== 'part 2');
  if (skips.length > 0) console.log('');
  for (const [what, why] of skips) console.log(`(${what} skipped: ${why})`);
  console.log('\nTargets (reported, not enforced):');
  for (const t of targets) console.log(`  [${t.status}] ${t.name}: ${t.detail}`);
}

await main();
