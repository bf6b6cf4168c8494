/**
 * Part 2: CALLS getInfo calls on a running TCG guest of the real daemon:
 * libvirt-python in sequence and with 8 threads (info.py), and the tsvirt SDK
 * with all calls at once (info-tsvirt.ts), with the default number of call
 * threads and with TSVIRT_THREADS=8. The guest lives in a ScratchPool of the
 * daemon test harness, which is always cleaned up.
 */
import { join } from 'node:path';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PYTHON, child, compileC, here, log, skipped, tsvirtScript } from './child.js';
import type { Config, Rows } from './child.js';
import type { InfoResults, InfoSeries } from './report.js';

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
    const base = [uri, guestName, String(CALLS), String(config.infoWarmup), String(config.infoReps)];
    return await measure(config, python, base, String(daemonPid(uri)));
  } finally {
    scratch.cleanup();
  }
}

/**
 * Appends one child's timed reps of `label` to a series, with the CPU that the client
 * (`<label>_client`) and the daemon (`<label>_daemon`) used in each, aligned with the times: a
 * figure stays only while every burst of the series carries it.
 */
function addRow(s: InfoSeries, rows: Rows, label: string): void {
  const ms = rows[label] ?? [];
  if (s.ms.length === 0) s.cpu = { clientUs: [], daemonUs: [] };
  s.ms.push(...ms);
  const cpu = s.cpu;
  if (!cpu) return;
  const client = rows[`${label}_client`];
  if (client?.length !== ms.length) {
    delete s.cpu;
    return;
  }
  cpu.clientUs.push(...client);
  const daemon = rows[`${label}_daemon`];
  if (cpu.daemonUs && daemon?.length === ms.length) cpu.daemonUs.push(...daemon);
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

async function measure(config: Config, python: boolean, base: string[], daemon: string): Promise<InfoResults> {
  const results: InfoResults = {};
  const tsvirt = (key: 'tsvirt' | 'tsvirt-8', env: NodeJS.ProcessEnv) => async (): Promise<void> => {
    const rows: Rows | undefined = await child(key, [...tsvirtScript('info-tsvirt.ts'), ...base, daemon], env);
    if (!rows?.['all']) return;
    const s = (results[key] ??= { ms: [], lag: { p50: [], p99: [], max: [] }, probedMs: [] });
    addRow(s, rows, 'all');
    s.probedMs?.push(...(rows['probed'] ?? []));
    if (rows['threads']?.[0] !== undefined) s.threads = rows['threads'][0];
    s.lag?.p50.push(...(rows['lag_p50'] ?? []));
    s.lag?.p99.push(...(rows['lag_p99'] ?? []));
    s.lag?.max.push(...(rows['lag_max'] ?? []));
  };
  const runs: [string, () => Promise<void>][] = [
    ['tsvirt', tsvirt('tsvirt', process.env)],
    ['tsvirt, TSVIRT_THREADS=8', tsvirt('tsvirt-8', { ...process.env, TSVIRT_THREADS: '8' })],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-bench-info-'));
  const c = compileC(dir, 'info');
  if (c) {
    runs.push(['C', async () => {
      const rows = await child('c (part 2)', [...c, ...base, '8', daemon]);
      if (rows?.['seq']) addRow(results['c-seq'] ??= { ms: [] }, rows, 'seq');
      if (rows?.['pool']) addRow(results['c-pool8'] ??= { ms: [] }, rows, 'pool');
    }]);
  }
  if (python) {
    runs.push(['python', async () => {
      const rows = await child('python (part 2)', [PYTHON, join(here, 'info.py'), ...base, '8', daemon]);
      if (rows?.['seq']) addRow(results['python-seq'] ??= { ms: [] }, rows, 'seq');
      if (rows?.['pool']) addRow(results['python-pool8'] ??= { ms: [] }, rows, 'pool');
    }]);
  }
  try {
    for (let round = 0; round < config.rounds; round++) {
      for (let k = 0; k < runs.length; k++) {
        const run = runs[(k + round) % runs.length];
        if (run === undefined) continue;
        log(`part 2, round ${round + 1}/${config.rounds}: ${run[0]}`);
        await run[1]();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
