// Settings read from the environment (TSVIRT_*). A value that is set but means nothing is an
// error, not the default: a typo (TSVIRT_THREADS=eight, TSVIRT_EVENT_LOOP=off) would otherwise
// run without the change it asked for, and say nothing. Each is read when first needed, so
// the error comes from the first call that depends on it (a rejected Promise), not from an import.
import { tsvirtError, VIR_ERR_INVALID_ARG } from '../ffi/index.js';

const valueOf = (name: string): string | undefined => {
  const raw = process.env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
};

const invalid = (name: string, want: string, raw: string): Error =>
  tsvirtError(VIR_ERR_INVALID_ARG, name, `${name} must be ${want}, got '${raw}'`);

/** A positive integer setting (a number of threads); `fallback` when unset or empty. */
export function countSetting(name: string, fallback: number): number {
  const raw = valueOf(name);
  if (raw === undefined) return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw invalid(name, 'a positive integer', raw);
  return n;
}

/** One of `choices`; `fallback` when unset or empty. */
export function choiceSetting<C extends string>(name: string, choices: readonly C[], fallback: C): C {
  const raw = valueOf(name);
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) throw invalid(name, choices.map((c) => `'${c}'`).join(' or '), raw);
  return raw as C;
}
