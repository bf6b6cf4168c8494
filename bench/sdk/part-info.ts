/**
 * Part 2: CALLS getInfo calls on a running TCG guest of the real daemon: C and
 * libvirt-python in sequence and with 8 threads (info.c, info.py), the tsvirt
 * SDK with all calls at once (info-tsvirt.ts), with the default number of call
 * threads and with TSVIRT_THREADS=8, and awaiting each call in turn (what a script
 * that awaits every call pays for the hand-over to a call thread and back), and for reference the generated layer in 8
 * worker threads without the SDK (info-generated.ts). Every implementation is a child
 * that stays started and serves one burst at a time, so their bursts are
 * interleaved: each round times one burst of every row, in a shuffled order,
 * and the machine's swings in speed fall on all of them alike. The guest lives
 * in a ScratchPool of the daemon test harness, which is always cleaned up.
 */
import { join } from 'node:path';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PYTHON, compileC, here, interleave, log, skipped, startServer, tsvirtScript } from './child.js';
import type { Config, Server } from './child.js';
import type { InfoImpl, InfoResults, InfoSeries } from './report.js';

export const CALLS = 2000;

const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Undefined, with the reason in `skipped['part 2']`, when there is no daemon or no guest. */
export async function partInfo(config: Config, python: boolean): Promise<InfoResults | undefined> {
  // Loaded here so that part 1 never loads the generated layer into this process.
  const { ScratchPool, DAEMON_URI } = await import('../../tests/support/daemon.js');
  const v = await import('../../generated/index.js');
  const uri = process.env['BENCH_SDK_DAEMON_URI'] || DAEMON_URI;
  let scratch: InstanceType<typeof ScratchPool>;
  try {
    scratch = new ScratchPool(uri);
  } catch (e) {
    skipped['part 2'] = why(e);
    return undefined;
  }
  try {
    let guestName: string;
    try {
      const guest = scratch.defineGuest({ disk: scratch.createVolume() });
      v.virDomainCreate(guest.dom);
      guestName = guest.name;
    } catch (e) {
      skipped['part 2'] = `could not start a TCG guest on ${uri}: ${why(e)}`;
      return undefined;
    }
    const base = [uri, guestName, String(CALLS), String(config.infoWarmup)];
    return await measure(config, python, base, String(daemonPid(uri)));
  } finally {
    scratch.cleanup();
  }
}

/**
 * One answer of a child (`<kind> <ms> <client us> <daemon us> [lag p50 p99 max]`) into its
 * series. CPU figures stay aligned with the times: one a burst lacks is dropped for the series.
 */
function record(s: InfoSeries, answer: number[], probed: boolean): void {
  const [ms = Number.NaN, client = -1, daemon = -1, p50, p99, max] = answer;
  if (probed) {
    (s.probedMs ??= []).push(ms);
    const lag = (s.lag ??= { p50: [], p99: [], max: [] });
    if (p50 !== undefined && p99 !== undefined && max !== undefined) {
      lag.p50.push(p50);
      lag.p99.push(p99);
      lag.max.push(max);
    }
    return;
  }
  if (s.ms.length === 0) s.cpu = { clientUs: [], daemonUs: [] };
  s.ms.push(ms);
  const cpu = s.cpu;
  if (!cpu) return;
  if (client < 0) {
    delete s.cpu;
    return;
  }
  cpu.clientUs.push(client);
  if (cpu.daemonUs && daemon >= 0) cpu.daemonUs.push(daemon);
  else delete cpu.daemonUs;
}

/**
 * The pid of the daemon that serves a local URI (`qemu:///system`: libvirtd, or virtqemud where
 * the daemons are split), so that the children can read its CPU time; 0 when none is found.
 */
function daemonPid(uri: string): number {
  if (!/^[a-z0-9+]+:\/\/\//.test(uri)) return 0; // a remote host: its daemon is not here
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'libvirtd' || comm === 'virtqemud') return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return 0;
}

/** A row's burst: which series, which child, and the request that child serves it with. */
interface Entry { impl: InfoImpl; server: Server; kind: 'seq' | 'pool' | 'all' | 'probed' }

/**
 * The children, started one after another so that each warms up alone, and the entries they
 * serve; a child that fails to start is left out (the reason is in `skipped`).
 */
async function startChildren(python: boolean, base: string[], daemon: string, dir: string, results: InfoResults): Promise<{ servers: Server[]; entries: Entry[] }> {
  const servers: Server[] = [];
  const entries: Entry[] = [];
  const add = (server: Server | undefined, rows: Array<[InfoImpl, Entry['kind']]>): void => {
    if (!server) return;
    servers.push(server);
    for (const [impl, kind] of rows) entries.push({ impl, server, kind });
  };
  for (const [impl, env] of [['tsvirt', process.env], ['tsvirt-8', { ...process.env, TSVIRT_THREADS: '8' }]] as const) {
    log(`part 2: starting ${impl}`);
    const server = await startServer(impl, [...tsvirtScript('info-tsvirt.ts'), ...base, daemon], env);
    const threads = server?.preamble.find((w) => w[0] === 'threads')?.[1];
    if (server) results[impl] = { ms: [], ...(threads === undefined ? {} : { threads: Number(threads) }) };
    add(server, [[impl, 'all'], [impl, 'probed'], ...(impl === 'tsvirt' ? [['tsvirt-seq', 'seq'] as [InfoImpl, Entry['kind']]] : [])]);
  }
  log('part 2: starting the generated layer alone');
  add(await startServer('generated-8', [...tsvirtScript('info-generated.ts'), ...base, '8', daemon]), [['generated-8', 'all']]);
  const c = compileC(dir, 'info');
  if (c) {
    log('part 2: starting C');
    add(await startServer('c (part 2)', [...c, ...base, '8', daemon]), [['c-seq', 'seq'], ['c-pool8', 'pool']]);
  }
  if (python) {
    log('part 2: starting python');
    add(await startServer('python (part 2)', [PYTHON, join(here, 'info.py'), ...base, '8', daemon]), [['python-seq', 'seq'], ['python-pool8', 'pool']]);
  }
  return { servers, entries };
}

async function measure(config: Config, python: boolean, base: string[], daemon: string): Promise<InfoResults> {
  const results: InfoResults = {};
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-bench-info-'));
  let servers: Server[] = [];
  try {
    const started = await startChildren(python, base, daemon, dir, results);
    servers = started.servers;
    await interleave('part 2', config.rounds * config.infoReps, started.entries, async (e) => {
      const answer = await e.server.ask(e.kind);
      if (answer !== undefined) record(results[e.impl] ??= { ms: [] }, answer.slice(1).map(Number), e.kind === 'probed');
      return answer !== undefined;
    });
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
