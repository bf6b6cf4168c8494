// Command-line parsing shared by every tsvirt command.
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { defaultUri } from '../sdk/default-uri.js';
import type { Named } from '../sdk/enum-names.js';
import type { TerminalInput } from './terminal-auth.js';

/** Where a command writes; `stdin`, when given, gives where credentials are asked for (terminal-auth.ts). */
export interface Io { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin?: () => TerminalInput }

/** A usage error: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;

export function parseCommandArgs<T extends Options>(argv: string[], options: T): Parsed<T> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** For commands that take options only: a stray word is a usage error, not silently ignored. */
export function noArguments(command: string, positionals: readonly string[]): void {
  if (positionals.length > 0) throw new UsageError(`${command} takes no arguments (got ${positionals.join(' ')})`);
}

/** The connection URI: --connect, else the SDK's default ($LIBVIRT_DEFAULT_URI, else test:///default). */
export function connectUri(flag: string | undefined): string {
  return flag || defaultUri();
}

/**
 * XML from a file argument, or "-" for standard input. A failure names the file: Node's message
 * for a failed read(2), a directory's EISDIR, names none (its open(2) failures do).
 */
export function readXml(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    const message = (err as Error).message;
    if (message.includes(path === '-' ? 'standard input' : path)) throw err;
    throw new Error(`${path === '-' ? 'standard input' : path}: ${message}`, { cause: err });
  }
}

export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}

/** Fixed-width text table. */
export function printTable(io: Io, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  io.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows) io.stdout.write(`${line(r)}\n`);
}

/** Prints `rows` as JSON, or as a table of `columns` (a missing value shows as -). */
export function printRows<R extends object>(io: Io, json: boolean | undefined, rows: R[], columns: Record<string, (r: R) => unknown>): number {
  if (json) printJson(io, rows);
  else printTable(io, Object.keys(columns), rows.map((r) => Object.values(columns).map((cell) => shown(cell(r)))));
  return 0;
}

/**
 * One object's fields as a FIELD/VALUE table under their JSON names, or as JSON. `text` shows
 * some fields otherwise in the table (a size in bytes as binarySize shows it).
 */
export function printFields<F extends object>(io: Io, json: boolean | undefined, fields: F, text: { [K in keyof F]?: (value: F[K]) => string } = {}): number {
  if (json) printJson(io, fields);
  else printTable(io, ['FIELD', 'VALUE'], Object.entries(fields).map(([k, value]) => [k, (text[k as keyof F] as ((v: unknown) => string) | undefined)?.(value) ?? shown(value)]));
  return 0;
}

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/**
 * A size in bytes as virsh shows one (vol-list --details, pool-info): in the largest binary
 * unit it is at least one of, to two decimals ("1.00 MiB", "100.00 GiB"); bytes as they are.
 */
export function binarySize(bytes: bigint): string {
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(2)} ${BINARY_UNITS[unit]}`;
}

function shown(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.join(',');
  if (isNamed(value)) return value.name;
  return String(value);
}

/** The SDK's enum values ({ code, name }: a domain's state, a volume's type) show as their name. */
function isNamed(value: unknown): value is Named<string> {
  const named = value as Partial<Named<string>> | null;
  return typeof value === 'object' && named !== null && typeof named.name === 'string' && typeof named.code === 'number';
}

/**
 * `rows` sorted by their first field (a name or UUID), as virsh sorts its lists: drivers list in
 * no fixed order.
 */
export function sortedRows<R extends object>(rows: R[]): R[] {
  const key = (r: R): string => String(Object.values(r)[0]);
  return rows.sort((a, b) => key(a).localeCompare(key(b)));
}

/** The rows of a listing, sorted (sortedRows). Frees every object once the rows are made from them. */
export async function rowsOf<T extends { free(): void }, R extends object>(objects: T[], row: (o: T) => R | Promise<R>): Promise<R[]> {
  try {
    return sortedRows(await Promise.all(objects.map(row)));
  } finally {
    for (const o of objects) o.free();
  }
}

/** What a subcommand takes, checked before anything connects. */
export interface SubcommandSpec {
  /** The words after the subcommand's name, as its usage shows them; `[NAME]` is optional. */
  readonly words: string;
  /** The options that apply to it besides --connect and --json. */
  readonly options?: readonly string[];
}

const SHARED_OPTIONS = ['connect', 'json'];

/**
 * The subcommand `positionals` names in `table`, after checking its words and options: an
 * unknown subcommand, a missing or stray word, or an option that does not apply to it is a
 * usage error (silently ignoring `--offset` on a create would hide a mistake).
 */
export function checkSubcommand<S extends SubcommandSpec>(command: string, table: Readonly<Record<string, S>>, positionals: readonly string[],
  given: Readonly<Record<string, unknown>>): { sub: string; spec: S; words: string[] } {
  const [sub, ...words] = positionals;
  const spec = sub === undefined || !Object.hasOwn(table, sub) ? undefined : table[sub];
  if (sub === undefined || spec === undefined) {
    const what = sub === undefined ? 'missing subcommand' : `unknown subcommand ${sub}`;
    throw new UsageError(`${command}: ${what} (one of: ${Object.keys(table).join(', ')})`);
  }
  const usage = `${command} ${sub}${spec.words ? ` ${spec.words}` : ''}`;
  const names = spec.words.split(' ').filter(Boolean);
  const required = names.filter((w) => !w.startsWith('[')).length;
  if (words.length < required) throw new UsageError(`missing arguments: ${usage}`);
  if (words.includes('')) throw new UsageError(`${usage}: an argument is empty`);
  const stray = words.slice(names.length);
  if (stray.length > 0) throw new UsageError(`${usage}: unexpected argument${stray.length > 1 ? 's' : ''} ${stray.join(' ')}`);
  for (const [option, value] of Object.entries(given)) {
    if (value === undefined || SHARED_OPTIONS.includes(option) || spec.options?.includes(option)) continue;
    throw new UsageError(`${command} ${sub} takes no --${option}`);
  }
  return { sub, spec, words };
}

/** Exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * Runs `body` with a signal that Ctrl-C (SIGINT) or SIGTERM aborts, instead of the process dying
 * half-way: a transfer then aborts its stream and removes its partial file. An interrupted run
 * prints why and returns INTERRUPTED_EXIT_CODE.
 */
export function interruptible(io: Io, what: string, body: (signal: AbortSignal) => Promise<number>): Promise<number> {
  return withInterruptSignal(async (signal) => {
    try {
      return await body(signal);
    } catch (err) {
      if (!signal.aborted) throw err;
      io.stderr.write(`tsvirt: interrupted: ${what}\n`);
      return INTERRUPTED_EXIT_CODE;
    }
  });
}

/** Runs `body` with a signal that SIGINT or SIGTERM aborts while it runs (the handlers go afterwards). */
export async function withInterruptSignal<T>(body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    return await body(ac.signal);
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}
