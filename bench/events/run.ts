/**
 * bench:events, side by side in one run on the real daemon (qemu:///system):
 *  (1) events per second: lifecycle events of a TCG guest driven through `cycles`
 *      suspend/resume pairs, delivered to tsvirt (Connection#on) and to libvirt-python
 *      (default event loop on a thread), each in a child process, rounds alternating;
 *  (2) volume upload/download throughput of tsvirt against virsh vol-upload/vol-download
 *      (streams.ts). Target: stream throughput at least 0.8x virsh.
 *
 * Usage: npm run bench:events [-- --quick] [-- --json] [-- --only events|streams]
 * BENCH_EVENTS_URI overrides the daemon. Exits 0 whenever it could run: targets are reported.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../ffi/report.js';
import { PYTHON } from '../sdk/child.js';
import { streamsTable, TARGET_RATIO, type Row } from './streams.js';
import { compiled } from '../compiled.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
const uri = process.env['BENCH_EVENTS_URI'] ?? 'qemu:///system';
const cycles = quick ? 100 : 300;
const rounds = quick ? 1 : 3;

interface EventRun { events: number; ms: number }
interface EventRow { impl: 'tsvirt' | 'libvirt-python'; events: number; eventsPerSec: number; runs: number[] }

function runChild(cmd: string, args: string[]): EventRun {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as EventRun;
}

async function benchEvents(): Promise<EventRow[]> {
  const { ScratchPool } = await import('../../tests/support/daemon.js');
  const v = await import('../../generated/index.js');
  const scratch = new ScratchPool(uri);
  try {
    const guest = scratch.defineGuest({ disk: scratch.createVolume({ format: 'qcow2', capacityMiB: 64 }) });
    v.virDomainCreate(guest.dom);
    const [node = '', script = ''] = compiled('events', [join(here, 'events-tsvirt.ts')])(join(here, 'events-tsvirt.ts'));
    const impls: [EventRow['impl'], string, string[]][] = [
      ['tsvirt', node, [script, uri, guest.name, String(cycles)]],
      ['libvirt-python', PYTHON, [join(here, 'events.py'), uri, guest.name, String(cycles)]],
    ];
    const runs = new Map<string, EventRun[]>();
    for (let round = 0; round < rounds; round++) {
      for (const [impl, cmd, args] of impls) runs.set(impl, [...(runs.get(impl) ?? []), runChild(cmd, args)]);
    }
    return impls.map(([impl]) => {
      const rs = runs.get(impl) ?? [];
      const rates = rs.map((r) => (r.events / r.ms) * 1000);
      return { impl, events: Math.min(...rs.map((r) => r.events)), eventsPerSec: median(rates), runs: rates };
    });
  } finally {
    scratch.cleanup();
  }
}

function eventsTable(rows: readonly EventRow[]): string {
  const lines = [`events: ${cycles} suspend/resume pairs of a TCG guest (${2 * cycles} lifecycle events), median of ${rounds}`,
    'impl             events  events/s', '---------------  ------  --------'];
  for (const r of rows) lines.push(`${r.impl.padEnd(15)}  ${String(r.events).padStart(6)}  ${r.eventsPerSec.toFixed(0).padStart(8)}`);
  const [t, p] = rows;
  if (t && p) lines.push(`tsvirt/libvirt-python: ${(t.eventsPerSec / p.eventsPerSec).toFixed(2)}x`);
  return lines.join('\n');
}

function streamTargets(rows: readonly Row[]): string[] {
  const out: string[] = [];
  for (const r of rows.filter((x) => x.tool === 'tsvirt')) {
    const peer = rows.find((x) => x.tool === 'virsh' && x.op === r.op && x.sparse === r.sparse);
    if (!peer) continue;
    const ratio = r.mibPerSec / peer.mibPerSec;
    out.push(`${r.op}${r.sparse ? ' --sparse' : ''}: ${ratio.toFixed(2)}x virsh (target >= ${TARGET_RATIO}x): ${ratio >= TARGET_RATIO ? 'met' : 'MISSED'}`);
  }
  return out;
}

/**
 * The streams part runs in a child too, compiled like every tsvirt side of the benchmarks
 * (../compiled.ts): in this process it would run under tsx, stream threads included.
 */
function benchStreamsCompiled(): Row[] {
  const entry = join(here, 'streams.ts');
  const [node = '', script = ''] = compiled('streams', [entry])(entry);
  const size = quick ? ['--size', '64', '--runs', '3'] : [];
  const r = spawnSync(node, [script, '--json', ...size], {
    encoding: 'utf8', timeout: 1_800_000, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_STREAMS_URI: uri },
  });
  if (r.status !== 0) throw new Error(`the streams benchmark failed (exit ${r.status}): ${r.error?.message ?? 'see above'}`);
  return (JSON.parse(r.stdout) as { rows: Row[] }).rows;
}

const only = process.argv[process.argv.indexOf('--only') + 1];
const events = only === 'streams' ? [] : await benchEvents();
const streams = only === 'events' ? [] : benchStreamsCompiled();
if (json) {
  console.log(JSON.stringify({ cycles, rounds, events, streams, targets: streamTargets(streams) }, null, 2));
} else {
  if (events.length > 0) console.log(`${eventsTable(events)}\n`);
  if (streams.length > 0) console.log(streamsTable(streams));
  for (const line of streamTargets(streams)) console.log(line);
}
