// Options whose meaning is a table: a word from a fixed set (--format qcow2, --mode agent), or a
// switch that sets one libvirt flag (--force, --paused). The tables live beside their commands;
// these read them, so every such option fails the same way: a usage error naming the option.
import { UsageError } from './args.js';

/**
 * `value` when it is one of `choices`, else a usage error naming the option and what it takes.
 * An empty value is refused too: `--format ""` would otherwise reach libvirt as no format at all.
 */
export function choice<C extends string>(option: string, value: string, choices: readonly C[]): C {
  if ((choices as readonly string[]).includes(value)) return value as C;
  const got = value === '' ? 'an empty value' : `unknown value '${value}'`;
  throw new UsageError(`${option}: ${got} (one of: ${choices.join(', ')})`);
}

/** Each word of a comma-separated list (virsh's `--mode acpi,agent`), each one of `choices`. */
export function choices<C extends string>(option: string, value: string, allowed: readonly C[]): C[] {
  return value.split(',').map((word) => choice(option, word.trim(), allowed));
}

/** A switch that sets a libvirt flag, with what it is for: the reason a user would pass it. */
export interface FlagOption {
  readonly flag: number;
  readonly why: string;
}

export type FlagTable = Readonly<Record<string, FlagOption>>;

/** The parseArgs options of a flag table: one boolean option per switch. */
export function switches<T extends FlagTable>(table: T): { [K in keyof T]: { type: 'boolean' } } {
  return Object.fromEntries(Object.keys(table).map((name) => [name, { type: 'boolean' }])) as { [K in keyof T]: { type: 'boolean' } };
}

/** The flags of the switches given, ORed. */
export function flagsOf(table: FlagTable, values: Readonly<Record<string, unknown>>): number {
  let flags = 0;
  for (const [name, { flag }] of Object.entries(table)) if (values[name] === true) flags |= flag;
  return flags;
}

/** A usage error when more than one of `names` is given (--running and --paused). */
export function exclusive(command: string, values: Readonly<Record<string, unknown>>, ...names: string[]): void {
  const given = names.filter((n) => values[n] === true);
  if (given.length > 1) throw new UsageError(`${command}: ${given.map((n) => `--${n}`).join(' and ')} exclude each other`);
}
