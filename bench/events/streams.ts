/**
 * Volume upload and download throughput: tsvirt (StorageVolume#uploadFile / #downloadToFile)
 * against `virsh vol-upload` / `virsh vol-download`, with and without --sparse, side by side in
 * one run on the real daemon, in a scratch pool of the daemon test harness (always removed).
 *
 * Two source files of the same apparent size: a dense one (random bytes throughout) and a sparse
 * one (random 1 MiB blocks, one in four; the rest holes). The dense file is moved without
 * --sparse, the sparse one with it. MiB/s counts apparent bytes, the same for both tools.
 * virsh runs as a child process, so each of its runs also pays process start, connection and
 * lookup: that cost, measured with `virsh vol-info` on the same volume, is subtracted (shown as
 * "virsh start"). tsvirt runs in this process, its threads already started.
 *
 * Usage: npx tsx bench/events/streams.ts [--size MiB] [--runs N] [--json]
 * BENCH_STREAMS_URI overrides the daemon (default qemu:///system).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from '../ffi/report.js';
import type { ScratchPool } from '../../tests/support/daemon.js';
import type { StorageVolume } from '../../src/sdk/index.js';

export interface StreamBenchOptions {
  /** Apparent size of each source file (default 256). */
  sizeMiB?: number;
  /** Timed runs per row; the median is reported (default 5). */
  runs?: number;
  uri?: string;
}

export type Op = 'upload' | 'download';
export interface Row {
  op: Op;
  sparse: boolean;
  tool: 'tsvirt' | 'virsh';
  /** Median wall time of one transfer, ms (virsh: minus its start-up). */
  medianMs: number;
  /** Apparent MiB per second at the median. */
  mibPerSec: number;
  /** tsvirt rows: tsvirt MiB/s over virsh MiB/s for the same case. */
  ratio?: number;
  /** Every run, ms (virsh: before subtracting start-up). */
  runsMs: number[];
}

/** The target: tsvirt moves at least 0.8x what virsh moves. */
export const TARGET_RATIO = 0.8;
const MiB = 1024 * 1024;

/** A file of `sizeMiB`: random throughout, or random 1 MiB blocks every fourth MiB with holes between. */
function makeSource(path: string, sizeMiB: number, sparse: boolean): void {
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < sizeMiB; i++) if (!sparse || i % 4 === 0) writeSync(fd, randomBytes(MiB), 0, MiB, i * MiB);
    // The full length, ending in a hole when the last block is one.
    ftruncateSync(fd, sizeMiB * MiB);
  } finally {
    closeSync(fd);
  }
}

function virsh(uri: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync('virsh', ['-q', '-c', uri, ...args], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`virsh ${args.join(' ')}: ${r.stderr.trim()}`);
  return performance.now() - t0;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** virsh's start-up (process, connection, lookup) in the last run, ms. */
export let lastVirshStartMs = 0;

export async function benchStreams(options: StreamBenchOptions = {}): Promise<Row[]> {
  const sizeMiB = options.sizeMiB ?? 256;
  const runs = options.runs ?? 5;
  const { withScratchPool, DAEMON_URI } = await import('../../tests/support/daemon.js');
  const uri = options.uri ?? (process.env['BENCH_STREAMS_URI'] || DAEMON_URI);
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-bench-streams-'));
  try {
    return await withScratchPool((scratch) => measure(scratch, uri, dir, sizeMiB, runs), uri);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Setup { scratch: ScratchPool; uri: string; vol: StorageVolume; volName: string; volPath: string; sizeMiB: number; out: string }
type Case = [Op, 'tsvirt' | 'virsh', () => Promise<number>];

async function measure(scratch: ScratchPool, uri: string, dir: string, sizeMiB: number, runs: number): Promise<Row[]> {
  const { Connection } = await import('../../src/sdk/index.js');
  const src = { dense: join(dir, 'dense.raw'), sparse: join(dir, 'sparse.raw') };
  makeSource(src.dense, sizeMiB, false);
  makeSource(src.sparse, sizeMiB, true);
  const { name: volName, path: volPath } = scratch.createVolume({ format: 'raw', capacityMiB: sizeMiB });
  await using conn = await Connection.open(uri);
  using pool = await conn.lookupStoragePool(scratch.name);
  using vol = await pool.lookupVolume(volName);
  const t: Setup = { scratch, uri, vol, volName, volPath, sizeMiB, out: join(dir, 'out.raw') };
  const start: number[] = [];
  for (let i = 0; i < runs; i++) start.push(virsh(uri, ['vol-info', '--pool', scratch.name, volName]));
  lastVirshStartMs = median(start);
  const rows: Row[] = [];
  // The dense file without --sparse, the sparse one with it.
  for (const sparse of [false, true]) rows.push(...(await measureCases(cases(t, sparse ? src.sparse : src.dense, sparse), sparse, sizeMiB, runs)));
  for (const r of rows) {
    const peer = rows.find((p) => p.tool === 'virsh' && p.op === r.op && p.sparse === r.sparse);
    if (r.tool === 'tsvirt' && peer) r.ratio = r.mibPerSec / peer.mibPerSec;
  }
  return rows;
}

function cases(t: Setup, file: string, sparse: boolean): Case[] {
  const flag = sparse ? ['--sparse'] : [];
  const fresh = (): void => rmSync(t.out, { force: true });
  // A sparse upload goes into an empty volume, as a new one would be (over data, tsvirt sends the
  // holes as zeros: see volume-transfer.ts): the file is emptied before each, untimed, for both tools.
  const empty = (): void => {
    if (!sparse) return;
    truncateSync(t.volPath, 0);
    truncateSync(t.volPath, t.sizeMiB * MiB);
  };
  return [
    ['upload', 'virsh', async () => { empty(); return virsh(t.uri, ['vol-upload', ...flag, '--pool', t.scratch.name, t.volName, file]); }],
    ['upload', 'tsvirt', async () => { empty(); return time(() => t.vol.uploadFile(file, { sparse })); }],
    ['download', 'virsh', async () => { fresh(); return virsh(t.uri, ['vol-download', ...flag, '--pool', t.scratch.name, t.volName, t.out]); }],
    ['download', 'tsvirt', async () => { fresh(); return time(() => t.vol.downloadToFile(t.out, { sparse })); }],
  ];
}

/** One untimed round first (stream threads, page cache), then the timed rounds, the tools interleaved. */
async function measureCases(list: Case[], sparse: boolean, sizeMiB: number, runs: number): Promise<Row[]> {
  for (const [, , run] of list) await run();
  const times = list.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) for (const [k, [, , run]] of list.entries()) times[k]?.push(await run());
  return list.map(([op, tool], k) => {
    const ms = times[k] ?? [];
    const medianMs = Math.max(1, median(ms) - (tool === 'virsh' ? lastVirshStartMs : 0));
    return { op, sparse, tool, medianMs, mibPerSec: sizeMiB / (medianMs / 1000), runsMs: ms };
  });
}

const f = (n: number | undefined, digits = 0): string => (n === undefined ? '-' : n.toFixed(digits));

export function streamsTable(rows: readonly Row[]): string {
  const head = ['case', 'tool', 'median ms', 'MiB/s', 'tsvirt/virsh'];
  const body = rows.map((r) => [`${r.op}${r.sparse ? ' --sparse' : ''}`, r.tool, f(r.medianMs), f(r.mibPerSec), r.ratio === undefined ? '' : `${f(r.ratio, 2)}x`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  // Ctrl-C: leave through process.exit, whose hook in the daemon harness removes the scratch pool.
  process.once('SIGINT', () => process.exit(130));
  const arg = (name: string): number | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const sizeMiB = arg('--size');
  const runs = arg('--runs');
  const rows = await benchStreams({ ...(sizeMiB ? { sizeMiB } : {}), ...(runs ? { runs } : {}) });
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ virshStartMs: lastVirshStartMs, targetRatio: TARGET_RATIO, rows }, null, 2));
    return;
  }
  console.log(`volume upload/download, ${sizeMiB ?? 256} MiB apparent (sparse: 1 MiB of data in 4), median of ${runs ?? 5} runs`);
  console.log(`virsh times exclude its start-up (${f(lastVirshStartMs)} ms: process, connection, lookup)\n`);
  console.log(streamsTable(rows));
  const worst = Math.min(...rows.flatMap((r) => (r.ratio === undefined ? [] : [r.ratio])));
  console.log(`\nTarget (reported, not enforced): tsvirt >= ${TARGET_RATIO}x virsh: [${worst >= TARGET_RATIO ? 'PASS' : 'FAIL'}] worst ${f(worst, 2)}x`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
