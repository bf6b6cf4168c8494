// The command a generated file's header tells its reader to run: the one that makes that output
// again. A run with the defaults is `npm run generate`; one with --input, --overrides, --out or
// --runtime of its own needs them again, or `npm run generate` would write generated/ instead.
import { isAbsolute, relative, resolve } from 'node:path';

export const GENERATE_COMMAND = 'npm run generate';

/** The options of a run, as main.ts reads them (paths relative to the working directory). */
export interface RunOptions { input: string; out: string; overrides?: string | undefined; runtime: string }

/** Each option's value in a run with none given. */
export interface RunDefaults { input: string; out: string; overrides: string; runtime: string }

/**
 * `npm run generate`, followed by every option whose value is not the default. npm runs the
 * script in the package root (`root`), so paths under it are given relative to it, others whole.
 */
export function regenerateCommand(given: RunOptions, defaults: RunDefaults, root: string): string {
  const path = (p: string): string => {
    const r = relative(root, resolve(p));
    return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? resolve(p) : r;
  };
  const args: string[] = [];
  if (resolve(given.input) !== resolve(defaults.input)) args.push(...option('input', path(given.input)));
  if (given.overrides !== undefined && resolve(given.overrides) !== resolve(defaults.overrides)) args.push(...option('overrides', path(given.overrides)));
  if (resolve(given.out) !== resolve(defaults.out)) args.push(...option('out', path(given.out)));
  if (given.runtime !== defaults.runtime) args.push(...option('runtime', given.runtime));
  return args.length === 0 ? GENERATE_COMMAND : [GENERATE_COMMAND, '--', ...args.map(shellWord)].join(' ');
}

/**
 * `--name value`, or `--name=value` for a value that starts with a dash (a directory `-x` in the
 * package): parseArgs refuses `--out -x` as a missing value.
 */
function option(name: string, value: string): string[] {
  return value.startsWith('-') ? [`--${name}=${value}`] : [`--${name}`, value];
}

/** `s` as one word of a POSIX shell command: quoted where it holds anything but plain path characters. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}
