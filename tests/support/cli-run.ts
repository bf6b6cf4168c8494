// Running one CLI command in this process, connected to a URI, with what it printed captured;
// or the built binary in a process of its own.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';

export type Command = (argv: string[], io: { stdout: Writable; stderr: Writable }) => Promise<number>;
export interface CommandRun { status: number; stdout: string; stderr: string }

/** One command in this process, connected to `uri`: its exit code and what it printed. */
export async function runOn(uri: string, command: Command, ...argv: string[]): Promise<CommandRun> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (to: string[]): Writable => new Writable({ write(chunk, _e, done) { to.push(String(chunk)); done(); } });
  const status = await command([...argv, '--connect', uri], { stdout: sink(out), stderr: sink(err) });
  return { status, stdout: out.join(''), stderr: err.join('') };
}

/** The rows of a text table, header and rule left out, split on runs of two spaces or more. */
export const tableRows = (text: string): string[][] => text.trimEnd().split('\n').slice(2).map((l) => l.split(/ {2,}/));

/** The built binary (dist/, as installed; `npm run build` makes it). */
export const builtBin = join(resolve(import.meta.dirname, '../..'), 'dist/src/cli/main.js');

export interface BinaryRun { status: number | null; stdout: string; stderr: string }

/** A run of the built binary, $LIBVIRT_DEFAULT_URI empty unless `env` sets it (so test:///default). */
export function runBuilt(args: string[], env: NodeJS.ProcessEnv = {}): BinaryRun {
  if (!existsSync(builtBin)) throw new Error('dist/ is missing: npm test builds it first (npm run build)');
  const r = spawnSync(process.execPath, [builtBin, ...args], { encoding: 'utf8', env: { ...process.env, LIBVIRT_DEFAULT_URI: '', ...env }, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
