/**
 * `npm run bench:image`: tsvirt's image inspector against qemu-img, both as whole processes, in
 * one run: check and map on a 256 MiB image with 512-byte clusters, info and snapshots on an
 * image with 1000 internal snapshots. Prints median wall time, the ratio, and peak RSS.
 *
 * tsvirt runs as compiled JavaScript (built here into bench/out with tsc), so the figures
 * include Node's start-up but not TypeScript compilation. Images are made once with qemu-img
 * and kept in bench/out/images (delete it to remake them). Usage: tsx bench/image/run.ts [runs]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, writeSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiled, OUT } from '../compiled.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const IMAGES = join(OUT, 'images');
const RUNS = Number(process.argv[2] ?? 5);
const TIME = '/usr/bin/time';

function build(): string {
  const entry = join(ROOT, 'bench/image/cli-main.ts');
  return compiled('image', [entry])(entry)[1] as string;
}

function makeBigImage(): string {
  const path = join(IMAGES, 'big-512.qcow2');
  if (existsSync(path)) return path;
  console.log('making a 256 MiB image with 512-byte clusters (once)...');
  const raw = join(IMAGES, 'big.raw');
  const fd = openSync(raw, 'w');
  const chunk = Buffer.alloc(1 << 20, 0x5a);
  for (let i = 0; i < 256; i++) writeSync(fd, chunk);
  closeSync(fd);
  execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', '-o', 'cluster_size=512', raw, path]);
  rmSync(raw);
  return path;
}

function makeSnapshotImage(): string {
  const path = join(IMAGES, 'snap-1000.qcow2');
  if (existsSync(path)) return path;
  console.log('making an image with 1000 internal snapshots (once, about a minute)...');
  const tmp = `${path}.tmp`;
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', tmp, '1G']);
  execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 1 0 4M', tmp], { stdio: 'ignore' });
  for (let i = 1; i <= 1000; i++) execFileSync('qemu-img', ['snapshot', '-c', `snapshot-${i}`, tmp]);
  execFileSync('mv', [tmp, path]);
  return path;
}

interface Sample { ms: number; rssKiB: number }

/** One process run; wall time measured here, peak RSS from /usr/bin/time (or 0 without it). */
function runOnce(cmd: string, args: readonly string[]): Sample {
  const useTime = existsSync(TIME);
  const t0 = performance.now();
  const r = useTime
    ? spawnSync(TIME, ['-f', '%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const rss = useTime ? Number(r.stderr.trim().split('\n').pop()) : 0;
  return { ms, rssKiB: rss };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

interface Row { task: string; qemuMs: number; oursMs: number; qemuRss: number; oursRss: number }

function measure(task: string, qemu: readonly string[], ours: readonly string[], cli: string): Row {
  const q: Sample[] = [];
  const o: Sample[] = [];
  runOnce('qemu-img', qemu); // warm the page cache for both
  for (let i = 0; i < RUNS; i++) {
    // Alternate so drift on a shared machine hits both sides alike.
    q.push(runOnce('qemu-img', qemu));
    o.push(runOnce(process.execPath, [cli, ...ours]));
  }
  return {
    task,
    qemuMs: median(q.map((s) => s.ms)),
    oursMs: median(o.map((s) => s.ms)),
    qemuRss: Math.max(...q.map((s) => s.rssKiB)),
    oursRss: Math.max(...o.map((s) => s.rssKiB)),
  };
}

function sameOutput(qemu: readonly string[], ours: readonly string[], cli: string): boolean {
  const a = spawnSync('qemu-img', qemu, { encoding: 'utf8', maxBuffer: 1 << 30 }).stdout;
  const b = spawnSync(process.execPath, [cli, ...ours], { encoding: 'utf8', maxBuffer: 1 << 30 }).stdout;
  return a === b;
}

function main(): void {
  mkdirSync(IMAGES, { recursive: true });
  const cli = build();
  const big = makeBigImage();
  const snaps = makeSnapshotImage();
  const tasks: Array<[string, string[], string[]]> = [
    ['check, 256 MiB, 512 B clusters', ['check', '--output=json', big], ['check', '--json', '--no-progress', big]],
    ['map --output=json, same image', ['map', '--output=json', big], ['map', '--json', '--no-progress', big]],
    ['info --output=json, 1000 snapshots', ['info', '--output=json', snaps], ['info', '--json', snaps]],
    ['snapshot -l, 1000 snapshots', ['snapshot', '-l', snaps], ['snapshots', snaps]],
  ];
  const rows: Row[] = [];
  for (const [task, qemu, ours] of tasks) {
    if (!sameOutput(qemu, ours, cli)) console.log(`note: output differs from qemu-img for "${task}"`);
    rows.push(measure(task, qemu, ours, cli));
  }
  const pad = (s: string, n: number): string => s.padEnd(n);
  const num = (s: string, n: number): string => s.padStart(n);
  console.log(`\n${RUNS} runs each, medians; RSS = peak over the runs (${existsSync(TIME) ? '/usr/bin/time' : 'not measured'})`);
  console.log(`${pad('task', 38)}${num('qemu-img', 11)}${num('tsvirt', 11)}${num('ratio', 8)}${num('qemu RSS', 11)}${num('tsvirt RSS', 12)}`);
  for (const r of rows) {
    console.log(`${pad(r.task, 38)}${num(`${r.qemuMs.toFixed(0)} ms`, 11)}${num(`${r.oursMs.toFixed(0)} ms`, 11)}`
      + `${num(`${(r.oursMs / r.qemuMs).toFixed(2)}x`, 8)}${num(`${(r.qemuRss / 1024).toFixed(1)} MiB`, 11)}${num(`${(r.oursRss / 1024).toFixed(1)} MiB`, 12)}`);
  }
}

main();
