/**
 * tsvirt SDK side of the getInfo benchmark: CALLS getInfo calls on one domain,
 * all issued at once (Promise.all).
 *
 * Usage: info-tsvirt.ts URI DOMAIN CALLS WARMUP DAEMON_PID (0: no daemon to read)
 * (threads: $TSVIRT_THREADS). Runs WARMUP bursts, prints `threads <n>` and
 * `ready`, then serves part-info.ts as info.c does: for each line on stdin,
 * one untimed burst and a timed one. `all`: printed as `all <ms> <client us>
 * <daemon us>` (CPU of this process, all threads, and of the daemon, -1 if
 * unreadable). `seq`: the same CALLS calls awaited one after another, as a
 * script that awaits each call does, printed as `seq ...` like `all`. `probed`: the timed burst runs with the main thread's
 * event-loop lag sampled, printed as `probed <ms> <client us> <daemon us>
 * <lag p50> <lag p99> <lag max>` (ms); the probe's 1 ms timer costs
 * throughput of its own, so `all` bursts run without it.
 */
import { createInterface } from 'node:readline';
import { Connection, Domain, sharedPool } from '../../src/sdk/index.js';
import { measuredBurst } from './burst-cpu.js';

/**
 * A 1 ms interval timer: each tick records how much later than 1 ms after the
 * previous tick it ran. monitorEventLoopDelay was not used because it drops
 * its first interval, which is exactly when the burst of calls is issued.
 */
function lagProbe(): { ready: Promise<void>; stop: () => number[] } {
  const samples: number[] = [];
  let last = 0;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => { markReady = resolve; });
  const timer = setInterval(() => {
    const now = performance.now();
    if (last === 0) markReady(); // the timer is armed: start the burst now
    else samples.push(Math.max(0, now - last - 1));
    last = now;
  }, 1);
  return { ready, stop: () => { clearInterval(timer); return samples; } };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

async function burst(dom: Domain, calls: number): Promise<number> {
  const infos = await Promise.all(Array.from({ length: calls }, () => dom.getInfo()));
  return infos.filter((i) => i.state.name === 'running').length;
}

/** The same calls awaited one after another: each waits for the answer to the one before. */
async function inTurn(dom: Domain, calls: number): Promise<number> {
  let running = 0;
  for (let i = 0; i < calls; i++) if ((await dom.getInfo()).state.name === 'running') running++;
  return running;
}

type Run = (dom: Domain, calls: number) => Promise<number>;

/** One run; every call must have seen the domain running. */
async function checked(run: Run, dom: Domain, calls: number): Promise<void> {
  const running = await run(dom, calls);
  if (running !== calls) throw new Error(`only ${running}/${calls} calls saw a running domain`);
}

const measured = (run: Run, dom: Domain, calls: number, daemon: number): Promise<string> => measuredBurst(() => checked(run, dom, calls), daemon);

async function serveLine(kind: string, dom: Domain, calls: number, daemon: number): Promise<string> {
  if (kind !== 'all' && kind !== 'probed' && kind !== 'seq') throw new Error(`unknown kind of burst: ${kind}`);
  const run = kind === 'seq' ? inTurn : burst;
  await run(dom, calls); // untimed: the machine may still be settling from another burst
  if (kind !== 'probed') return `${kind} ${await measured(run, dom, calls, daemon)}`;
  const probe = lagProbe();
  await probe.ready;
  const figures = await measured(burst, dom, calls, daemon);
  const lag = probe.stop();
  return `probed ${figures} ${[50, 99, 100].map((p) => pct(lag, p).toFixed(3)).join(' ')}`;
}

async function main(): Promise<number> {
  const [uri, name, ...nums] = process.argv.slice(2);
  const [calls, warmup, daemon] = nums.map(Number);
  if (uri === undefined || name === undefined || calls === undefined || warmup === undefined || daemon === undefined) {
    process.stderr.write('usage: info-tsvirt.ts URI DOMAIN CALLS WARMUP DAEMON_PID\n');
    return 2;
  }
  const conn = await Connection.open(uri);
  const dom = await conn.lookupDomain(name);
  // Warm-up also starts every call thread, so the timed bursts do not pay for it.
  for (let i = 0; i < warmup; i++) await burst(dom, calls);
  process.stdout.write(`threads ${sharedPool().size}\nready\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    process.stdout.write(`${await serveLine(line.trim(), dom, calls, daemon)}\n`);
  }
  dom.free();
  await conn.close();
  return 0;
}

process.exitCode = await main();
