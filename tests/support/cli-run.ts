// Running one CLI command in this process, connected to a URI, with what it printed captured.
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
