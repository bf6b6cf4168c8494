/**
 * Shared plumbing of the SDK benchmark: running one implementation as a child
 * process that serves one timed run per request, plus what could not be
 * measured and why. Answers are lines `<kind> <number> <number> ...`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiled } from '../compiled.js';

export const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');
export const PYTHON = '/usr/bin/python3';
/**
 * Compiles `<name>.c` of this folder into `dir`; the command line, or undefined with the reason
 * in skipped['c'].
 */
export function compileC(dir: string, name: 'list' | 'info'): string[] | undefined {
  const exe = join(dir, name);
  const pc = spawnSync('pkg-config', ['--cflags', '--libs', 'libvirt'], { encoding: 'utf8' });
  const flags = pc.status === 0 ? pc.stdout.trim().split(/\s+/).filter(Boolean) : ['-lvirt'];
  const cc = spawnSync('cc', ['-O2', '-o', exe, join(here, `${name}.c`), ...flags, '-lpthread'], { encoding: 'utf8' });
  if (cc.status === 0) return [exe];
  skipped['c'] = cc.error ? `no C compiler: ${cc.error.message}` : `compiling ${name}.c failed: ${cc.stderr.trim()}`;
  return undefined;
}

let build: ((entry: string) => string[]) | undefined;

/** The command line of one of the tsvirt scripts here, compiled (see ../compiled.ts) once per run. */
export function tsvirtScript(name: 'list-tsvirt.ts' | 'info-tsvirt.ts' | 'info-generated.ts'): string[] {
  build ??= compiled('sdk', [join(here, 'list-tsvirt.ts'), join(here, 'info-tsvirt.ts'), join(here, 'info-generated.ts')]);
  return build(join(here, name));
}

/** Shared settings of one run; set by run.ts. */
export interface Config { rounds: number; listWarmup: number; listReps: number; infoWarmup: number; infoReps: number }

/** What was not measured, and why (shown under the tables and in --json). */
export const skipped: Record<string, string> = {};
export const log = (msg: string): void => { process.stderr.write(`${msg}\n`); };

/** Why a child failed, for `skipped`: its exit code and the last lines of its stderr. */
const exitReason = (code: number | null, stderr: string): string => `exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`;

/**
 * A child that serves listings (part 1) or bursts (part 2) on request: it warms up, says
 * `ready`, then answers every line written to it with one line. Idle between requests, so the
 * children can stay started side by side while one of them runs.
 */
export interface Server {
  /** Lines printed before `ready` (`threads 8`, say), split in words. */
  readonly preamble: string[][];
  /** Sends one request; its answer split in words, or undefined if the child has failed. */
  ask(line: string): Promise<string[] | undefined>;
  /** Ends the input and waits for the child to exit. */
  close(): Promise<void>;
}

/** Starts a Server; on failure records why under `key` and resolves undefined. */
export function startServer(key: string, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Server | undefined> {
  const [cmd = '', ...args] = argv;
  const p = spawn(cmd, args, { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  let buffered = '';
  const lines: string[] = [];
  let waiting: ((line: string | undefined) => void) | undefined;
  let ended = false;
  const deliver = (): void => {
    if (!waiting) return;
    const line = lines.shift();
    if (line === undefined && !ended) return;
    const w = waiting;
    waiting = undefined;
    w(line);
  };
  p.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
    deliver();
  });
  p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => {
    p.on('error', (e) => { err += e.message; });
    p.on('close', (code) => {
      ended = true;
      deliver();
      resolve(code);
    });
  });
  const next = (): Promise<string | undefined> => new Promise((resolve) => { waiting = resolve; deliver(); });
  const failed = async (): Promise<undefined> => {
    p.stdin.end();
    const code = await exited;
    skipped[key] ??= exitReason(code, err);
    return undefined;
  };
  const words = (line: string): string[] => line.trim().split(/\s+/);
  return (async () => {
    const preamble: string[][] = [];
    for (let line = await next(); line !== 'ready'; line = await next()) {
      if (line === undefined) return failed();
      preamble.push(words(line));
    }
    return {
      preamble,
      async ask(request: string): Promise<string[] | undefined> {
        p.stdin.write(`${request}\n`);
        const line = await next();
        return line === undefined ? failed() : words(line);
      },
      async close(): Promise<void> {
        p.stdin.end();
        const code = await exited;
        if (code !== 0) skipped[key] ??= exitReason(code, err);
      },
    };
  })();
}

/** `xs` in an order of its own for round `round` (Fisher-Yates with a fixed seed per round). */
function shuffled<T>(xs: readonly T[], round: number): T[] {
  const out = [...xs];
  let seed = 0x9e3779b9 ^ (round * 0x85ebca6b);
  const next = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * `rounds` rounds of timed runs: each round asks every entry once, in an order of its own, so the
 * machine's swings in speed fall on all of them alike. `ask` resolves false when the entry's
 * child has failed (the reason is in `skipped`): every entry of that child is left out from then on.
 */
export async function interleave<E extends { server: Server }>(label: string, rounds: number, entries: readonly E[], ask: (e: E) => Promise<boolean>): Promise<void> {
  let live = entries;
  for (let round = 0; round < rounds; round++) {
    log(`${label}, round ${round + 1}/${rounds}`);
    for (const e of shuffled(live, round)) {
      if (!live.includes(e)) continue; // its child failed earlier in this round
      if (!(await ask(e))) live = live.filter((x) => x.server !== e.server);
    }
  }
}

/** Whether /usr/bin/python3 can import libvirt; records why not under `python`. */
export function pythonOk(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import libvirt'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  skipped['python'] = probe.error ? `${PYTHON} not found` : `import libvirt failed: ${probe.stderr.trim().split('\n').pop() ?? ''}`;
  return false;
}
