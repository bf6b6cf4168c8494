/**
 * tsvirt side of the FFI benchmark: the generated layer, called exactly as
 * an application would. Run as a child process (`node --import tsx`) rather
 * than inside run.ts so that all three implementations are measured the same
 * way: a fresh process with one connection, speaking the calls.c protocol.
 *
 * Usage: calls-tsvirt.ts URI DOMAIN WARMUP BATCHES CALLS_NAME_ID CALLS_INFO
 * Output: one line per function, `<fn> <ns/call batch 1> <batch 2> ...`.
 */
import {
  virConnectClose,
  virConnectOpen,
  virDomainFree,
  virDomainGetID,
  virDomainGetInfo,
  virDomainGetName,
  virDomainLookupByName,
} from '../../generated/index.js';
import type { virDomainPtr } from '../../generated/index.js';

// Results are folded into a sink that is printed at the end, so no result is
// provably dead (the native calls could not be dropped anyway).
let sink = 0;

function run(label: string, fn: (d: virDomainPtr) => void, dom: virDomainPtr, warmup: number, batches: number, calls: number): void {
  // Warm-up also lets V8 optimise the loop and the binding's wrapper.
  for (let i = 0; i < warmup; i++) fn(dom);
  const out: string[] = [label];
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn(dom);
    out.push((Number(process.hrtime.bigint() - t0) / calls).toFixed(3));
  }
  process.stdout.write(out.join(' ') + '\n');
}

function main(): number {
  const [uri, name, ...nums] = process.argv.slice(2);
  const [warmup, batches, calls, callsInfo] = nums.map(Number);
  if (uri === undefined || name === undefined || warmup === undefined || batches === undefined
      || calls === undefined || callsInfo === undefined || nums.some((n) => !Number.isInteger(Number(n)))) {
    process.stderr.write('usage: calls-tsvirt.ts URI DOMAIN WARMUP BATCHES CALLS_NAME_ID CALLS_INFO\n');
    return 2;
  }
  const conn = virConnectOpen(uri);
  const dom = virDomainLookupByName(conn, name);
  run('name', (d) => { sink += virDomainGetName(d).length; }, dom, warmup, batches, calls);
  run('id', (d) => { sink += virDomainGetID(d); }, dom, warmup, batches, calls);
  run('info', (d) => { sink += virDomainGetInfo(d).state; }, dom, warmup, batches, callsInfo);
  virDomainFree(dom);
  virConnectClose(conn);
  process.stderr.write(sink < 0 ? 'unreachable\n' : '');
  return 0;
}

process.exitCode = main();
