/**
 * tsvirt SDK side of the getInfo benchmark: CALLS getInfo calls on one domain,
 * all issued at once (Promise.all). Each rep times one burst as it is, like the
 * other implementations, then runs a second burst with the main thread's
 * event-loop lag sampled: the probe's 1 ms timer costs throughput of its own
 * (about 10% here: 8 interleaved pairs, 13967 against 12478 calls/s), so it
 * does not run during the timed bursts.
 *
 * Usage: info-tsvirt.ts URI DOMAIN CALLS WARMUP REPS [DAEMON_PID]   (threads: $TSVIRT_THREADS)
 * Output: `all <ms per rep...>` (bursts without the probe), `all_client` and,
 * given DAEMON_PID, `all_daemon` (CPU us of this process, all threads, and of
 * the daemon during each of them, as info.c prints them), `probed <ms...>`
 * (bursts with the probe), `lag_p50`, `lag_p99`, `lag_max` lines (ms per rep)
 * and `threads <n>`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Connection, Domain, sharedPool } from '../../src/sdk/index.js';

/**
 * CPU microseconds all threads of process `pid` have run (info.c's process_us), or undefined if
 * unreadable. From each thread's schedstat (nanoseconds): /proc/PID/stat counts clock ticks,
 * 10 ms each, too coarse for bursts of about 150 ms.
 */
function processUs(pid: number): number | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let ns = 0;
  let threads = 0;
  for (const tid of tids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
      threads++;
    } catch {
      // the thread has exited meanwhile
    }
  }
  return threads > 0 && Number.isFinite(ns) ? Math.floor(ns / 1000) : undefined;
}

const clientUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

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

/** One burst's ms; every call must have seen the domain running. */
async function timedBurst(dom: Domain, calls: number): Promise<number> {
  const t0 = performance.now();
  const running = await burst(dom, calls);
  const ms = performance.now() - t0;
  if (running !== calls) throw new Error(`only ${running}/${calls} calls saw a running domain`);
  return ms;
}

async function main(): Promise<number> {
  const [uri, name, ...nums] = process.argv.slice(2);
  const [calls, warmup, reps, daemon = 0] = nums.map(Number);
  if (uri === undefined || name === undefined || calls === undefined || warmup === undefined || reps === undefined) {
    process.stderr.write('usage: info-tsvirt.ts URI DOMAIN CALLS WARMUP REPS [DAEMON_PID]\n');
    return 2;
  }
  const conn = await Connection.open(uri);
  const dom = await conn.lookupDomain(name);
  // Warm-up also starts every call thread, so the timed bursts do not pay for it.
  for (let i = 0; i < warmup; i++) await burst(dom, calls);
  const rows: Record<string, string[]> = { all: [], all_client: [], all_daemon: [], probed: [], lag_p50: [], lag_p99: [], lag_max: [] };
  let daemonOk = daemon > 0;
  for (let r = 0; r < reps; r++) {
    const c0 = clientUs();
    const d0 = daemon > 0 ? processUs(daemon) : undefined;
    rows['all']?.push((await timedBurst(dom, calls)).toFixed(3));
    const d1 = daemon > 0 ? processUs(daemon) : undefined;
    rows['all_client']?.push(String(clientUs() - c0));
    // One unreadable sample drops the row, as in info.c: a partial row would misalign.
    if (d0 !== undefined && d1 !== undefined && daemonOk) rows['all_daemon']?.push(String(d1 - d0));
    else daemonOk = false;
    const probe = lagProbe();
    await probe.ready;
    rows['probed']?.push((await timedBurst(dom, calls)).toFixed(3));
    const lag = probe.stop();
    for (const [key, p] of [['lag_p50', 50], ['lag_p99', 99], ['lag_max', 100]] as const) rows[key]?.push(pct(lag, p).toFixed(3));
  }
  // The pool's own size, for the table label.
  const threads = sharedPool().size;
  if (!daemonOk) delete rows['all_daemon'];
  for (const [key, values] of Object.entries(rows)) process.stdout.write(`${key} ${values.join(' ')}\n`);
  process.stdout.write(`threads ${threads}\n`);
  dom.free();
  await conn.close();
  return 0;
}

process.exitCode = await main();
