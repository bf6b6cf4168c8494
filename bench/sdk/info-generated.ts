/**
 * The generated layer without the SDK's engine, for reference beside it: THREADS worker threads,
 * each with its own copy of the bindings, call virDomainGetInfo through generated/ in a loop,
 * CALLS in all per burst, with one message per thread and burst. What the SDK adds to that (its
 * queue, a promise and a typed result per call, batches of up to 64 calls per message) is the
 * difference between this row and the SDK's at the same number of threads.
 *
 * Usage (compiled; its workers run this same file):
 *   info-generated.js URI DOMAIN CALLS WARMUP THREADS DAEMON_PID (0: no daemon to read)
 * Runs WARMUP bursts, prints `ready`, then serves part-info.ts as info.c does, with the one
 * kind of burst `all`: printed as `all <ms> <client us> <daemon us>`.
 */
import { createInterface } from 'node:readline';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as g from '../../generated/index.js';
import { setHandleTracking } from '../../src/ffi/index.js';
import { measuredBurst } from './burst-cpu.js';

/** A worker's part: answers each count it is sent with how many calls saw the domain running. */
function serveCalls(dom: g.virDomainPtr): void {
  // The main thread owns the handles.
  setHandleTracking(false);
  parentPort?.on('message', (n: number) => {
    let running = 0;
    for (let i = 0; i < n; i++) if (g.virDomainGetInfo(dom).state === g.virDomainState.VIR_DOMAIN_RUNNING) running++;
    parentPort?.postMessage(running);
  });
}

/** CALLS calls shared out over the workers; every one must have seen the domain running. */
async function burst(workers: readonly Worker[], calls: number): Promise<void> {
  const shares = workers.map((_, i) => Math.floor(calls / workers.length) + (i < calls % workers.length ? 1 : 0));
  const running = await Promise.all(workers.map((w, i) => new Promise<number>((resolve) => {
    w.once('message', resolve);
    w.postMessage(shares[i]);
  })));
  const total = running.reduce((a, b) => a + b, 0);
  if (total !== calls) throw new Error(`only ${total}/${calls} calls saw a running domain`);
}

async function main(): Promise<number> {
  const [uri, name, ...nums] = process.argv.slice(2);
  const [calls, warmup, threads, daemon] = nums.map(Number);
  if (uri === undefined || name === undefined || calls === undefined || warmup === undefined || threads === undefined || daemon === undefined) {
    process.stderr.write('usage: info-generated.js URI DOMAIN CALLS WARMUP THREADS DAEMON_PID\n');
    return 2;
  }
  const conn = g.virConnectOpen(uri);
  const dom = g.virDomainLookupByName(conn, name);
  const workers = Array.from({ length: threads }, () => new Worker(new URL(import.meta.url), { workerData: dom }));
  try {
    for (let i = 0; i < warmup; i++) await burst(workers, calls);
    process.stdout.write('ready\n');
    for await (const line of createInterface({ input: process.stdin })) {
      if (line.trim() !== 'all') throw new Error(`unknown kind of burst: ${line.trim()}`);
      await burst(workers, calls); // untimed: the machine may still be settling from another burst
      process.stdout.write(`all ${await measuredBurst(() => burst(workers, calls), daemon)}\n`);
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    g.virDomainFree(dom);
    g.virConnectClose(conn);
  }
  return 0;
}

if (isMainThread) process.exitCode = await main();
else serveCalls(workerData as g.virDomainPtr);
