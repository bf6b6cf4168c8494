// Generated functions by number, the same numbering on every thread: a call crosses to a call
// thread as its function's number rather than its name (a number clones and looks up for less
// than a string does).
import * as generated from '../../../generated/index.js';

type Fn = (...args: unknown[]) => unknown;
const table = generated as unknown as Record<string, unknown>;
const names = Object.keys(table).filter((k) => typeof table[k] === 'function').sort();
const numbers = new Map(names.map((name, i) => [name, i]));
const byNumber = names.map((name) => table[name] as Fn);

/** The number of generated function `name`; undefined when there is no such function. */
export const functionNumber = (name: string): number | undefined => numbers.get(name);

/** The generated function numbered `n`. */
export const functionByNumber = (n: number): Fn | undefined => byNumber[n];

/** The name of the generated function numbered `n`. */
export const functionName = (n: number): string => names[n] ?? `generated function #${n}`;
