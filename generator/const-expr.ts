// A tiny evaluator for the constant expressions in `raw=` macros and enum values: integers as C
// writes them (decimal, hex, octal, with u/l suffixes), parentheses, + - * / << and names of
// other constants. Every value carries the C type C gives it, also through a name (`-A` where A
// is `1U` is unsigned, as `-1U` is), because the type decides where C wraps or overflows.
// Anything else is not a constant, and neither is a value this evaluator would get wrong (see
// `typed`): the generator then refuses it rather than emit a wrong number, saying why, since
// "cannot evaluate" alone leaves the reader to redo the evaluation by hand.

/**
 * The C types a constant expression of libvirt's headers can have, on LP64 Linux (the platform
 * policy/type-map.ts maps for): long long is as wide as long there, so it is read as long.
 */
export type CIntType = 'int' | 'unsigned int' | 'long' | 'unsigned long';

/** A constant's value with its C type. */
export interface CConstant { value: number; type: CIntType }

/** Why an expression (or a name) is not a constant this evaluator reads exactly. */
export interface Refusal { why: string }

/** A constant, or why not. */
export type Evaluated = CConstant | Refusal;

/** What a name stands for: a constant, why it is none, or undefined when the API has no such name. */
export type Lookup = (name: string) => Evaluated | undefined;

export const isRefusal = (e: Evaluated): e is Refusal => 'why' in e;

const widthOf: Readonly<Record<CIntType, { bits: number; unsigned: boolean }>> = {
  'int': { bits: 32, unsigned: false }, 'unsigned int': { bits: 32, unsigned: true },
  'long': { bits: 64, unsigned: false }, 'unsigned long': { bits: 64, unsigned: true },
};

/** Whether type `t` holds `v`: else C wraps it (unsigned) or leaves it undefined (signed overflow). */
function holds(t: CIntType, v: number): boolean {
  const { bits, unsigned } = widthOf[t];
  return unsigned ? v >= 0 && v < 2 ** bits : v >= -(2 ** (bits - 1)) && v < 2 ** (bits - 1);
}

/** Thrown inside the evaluator, with the reason; `evaluate` turns it into a Refusal. */
class NotConstant extends Error {}

/**
 * `v` as a constant of type `t`, when it is exactly that: a value past 2^53 has rounded, and one
 * `t` does not hold is one C wraps (-1U is UINT_MAX, UINT_MAX + 1U is 0) or leaves undefined
 * (INT_MAX + 1). A value that would wrap is refused rather than wrapped: the generator has no
 * use for one, and refusing keeps one rule for both. `what` says how `v` came about, for the refusal.
 */
function typed(t: CIntType, v: number, what: string): CConstant {
  if (!Number.isFinite(v) || !Number.isSafeInteger(v)) throw new NotConstant(`${what} is past 2^53, where a number is no longer exact`);
  if (holds(t, v)) return { value: v, type: t };
  if (!widthOf[t].unsigned) throw new NotConstant(`${what} overflows ${t} (C leaves that undefined)`);
  throw new NotConstant(`${what} wraps around in ${t} (to ${wrapped(t, v)})`);
}

/** What C makes of `v` in unsigned type `t`. */
const wrapped = (t: CIntType, v: number): bigint => BigInt.asUintN(widthOf[t].bits, BigInt(v));

/**
 * The type both operands of a binary + - * / take (C's usual arithmetic conversions, LP64): the
 * wider type, and at one width the unsigned one; a long holds every unsigned int, so long and
 * unsigned int make a long (1L - 2U is -1L).
 */
function common(a: CIntType, b: CIntType): CIntType {
  const x = widthOf[a]; const y = widthOf[b];
  if (x.bits !== y.bits) return x.bits > y.bits ? a : b;
  return x.unsigned ? a : b;
}

/** The value of `raw` (see evaluate), for callers that need no type nor reason. */
export function evaluateConstant(raw: string, lookup: Lookup): number | undefined {
  return constantOf(raw, lookup)?.value;
}

/** The value and C type of `raw`, or undefined when it is not a constant this evaluator reads exactly. */
export function constantOf(raw: string, lookup: Lookup): CConstant | undefined {
  const e = evaluate(raw, lookup);
  return isRefusal(e) ? undefined : e;
}

/** The value and C type of `raw`, or why it is not a constant this evaluator reads exactly. */
export function evaluate(raw: string, lookup: Lookup): Evaluated {
  try {
    return new ExpressionReader(tokenize(raw), lookup).read();
  } catch (err) {
    if (err instanceof NotConstant) return { why: err.message };
    throw err;
  }
}

/**
 * One token: a C preprocessing number (so that 1e3 and 1.5 stay one token, and are refused as
 * the non-integers they are rather than read as 1 followed by a name), a name, or an operator
 * it evaluates. -- and ++ are tokens of their own in C (decrement, increment), which no constant
 * holds: `primary` refuses them.
 */
const TOKEN = /\s*(\.?\d(?:[eEpP][-+]|[\w.])*|[A-Za-z_]\w*|<<|--|\+\+|[-+*/()])/y;

/** Operators of C that this evaluator does not evaluate, for saying so by name. */
const OTHER_OPERATOR = /[|&^~%<>=!?:]+/y;

function tokenize(raw: string): string[] {
  // C reads a comment, which may span lines, as one space: 1/**/2 is two numbers, not 12.
  const text = raw.replace(/\/\*[\s\S]*?\*\//g, ' ').trimEnd();
  if (text.trim() === '') throw new NotConstant('there is no expression');
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (m === null) throw new NotConstant(unreadableAt(text, at));
    tokens.push(m[1] as string);
  }
  return tokens;
}

/** Why the text at `at` (after any spaces) is no token of an expression it reads. */
function unreadableAt(text: string, at: number): string {
  const start = at + ((/^\s*/.exec(text.slice(at)) as RegExpExecArray)[0].length);
  OTHER_OPERATOR.lastIndex = start;
  const op = OTHER_OPERATOR.exec(text)?.[0];
  if (op !== undefined) return `the operator ${op} is not one it evaluates (it evaluates + - * / << and parentheses)`;
  return `"${text[start]}" cannot be part of an integer constant expression`;
}

const notTwoSigns = (t: string): string => `${t} is C's ${t === '--' ? 'decrement' : 'increment'} operator, not two signs (write them apart: 1 - -1)`;

/** C's type names, so that a cast is refused as a cast rather than as an unknown name `int`. */
const TYPE_WORDS: ReadonlySet<string> = new Set(['char', 'short', 'int', 'long', 'signed', 'unsigned', 'const', 'void', 'float', 'double', 'size_t']);

/** A recursive-descent reader over the tokens: shift > sum > product > primary, as C binds them. */
class ExpressionReader {
  #pos = 0;

  constructor(readonly tokens: readonly string[], readonly lookup: Lookup) {}

  read(): CConstant {
    const value = this.shift();
    const rest = this.tokens[this.#pos];
    if (rest === '--' || rest === '++') throw new NotConstant(notTwoSigns(rest));
    if (rest !== undefined) throw new NotConstant(`"${rest}" follows a complete expression`);
    return value;
  }

  #peek(): string | undefined { return this.tokens[this.#pos]; }

  shift(): CConstant {
    let v = this.sum();
    while (this.#peek() === '<<') { this.#pos++; v = shiftLeft(v, this.sum()); }
    return v;
  }

  sum(): CConstant {
    let v = this.product();
    while (this.#peek() === '+' || this.#peek() === '-') { const op = this.tokens[this.#pos++] as string; v = arithmetic(v, op, this.product()); }
    return v;
  }

  product(): CConstant {
    let v = this.primary();
    while (this.#peek() === '*' || this.#peek() === '/') { const op = this.tokens[this.#pos++] as string; v = arithmetic(v, op, this.primary()); }
    return v;
  }

  primary(): CConstant {
    const t = this.tokens[this.#pos++];
    if (t === undefined) throw new NotConstant('it ends where a value is expected');
    if (t === '(') return this.parenthesised();
    if (t === '-') { const v = this.primary(); return typed(v.type, -v.value, `negating ${v.value}`); }
    if (/^[\d.]/.test(t)) return integerLiteral(t);
    if (t === '--' || t === '++') throw new NotConstant(notTwoSigns(t));
    if (!/^[A-Za-z_]/.test(t)) throw new NotConstant(`"${t}" stands where a value is expected`);
    return this.named(t);
  }

  parenthesised(): CConstant {
    if (TYPE_WORDS.has(this.#peek() ?? '')) throw new NotConstant(`"(${this.#peek()}" starts a cast, which it does not evaluate`);
    const v = this.shift();
    if (this.tokens[this.#pos++] !== ')') throw new NotConstant('a "(" has no matching ")"');
    return v;
  }

  /** A name's value is checked as a literal's is, in case the lookup was not. */
  named(name: string): CConstant {
    if (TYPE_WORDS.has(name)) throw new NotConstant(`${name} is a C type, not a value`);
    const found = this.lookup(name);
    if (found === undefined) throw new NotConstant(`${name} names no constant of the API`);
    if (isRefusal(found)) throw new NotConstant(`${name} cannot be evaluated: ${found.why}`);
    return typed(found.type, found.value, name);
  }
}

/** `l op r` in their common type: each operand must be exactly its value there (-1 is no unsigned int). */
function arithmetic(l: CConstant, op: string, r: CConstant): CConstant {
  const t = common(l.type, r.type);
  const what = `${l.value} ${op} ${r.value}`;
  for (const x of [l, r]) {
    if (!holds(t, x.value)) throw new NotConstant(`in ${what}, ${x.value} (${x.type}) converts to ${t}, which wraps it around (to ${wrapped(t, x.value)})`);
  }
  if (op === '/' && r.value === 0) throw new NotConstant(`${what} divides by zero`);
  const v = op === '+' ? l.value + r.value : op === '-' ? l.value - r.value : op === '*' ? l.value * r.value
    : Math.trunc(l.value / r.value); // C division truncates toward zero
  return typed(t, v, what);
}

/**
 * `l << r`: of l's type (no common type), with a count below its width, and a left operand that is
 * not negative (C leaves either undefined); bits shifted out of the type are refused by `typed`.
 */
function shiftLeft(l: CConstant, r: CConstant): CConstant {
  const what = `${l.value} << ${r.value}`;
  const { bits } = widthOf[l.type];
  if (r.value < 0 || r.value >= bits) throw new NotConstant(`${what} shifts by ${r.value}, outside 0 to ${bits - 1} for ${l.type} (C leaves that undefined)`);
  if (l.value < 0) throw new NotConstant(`${what} shifts a negative value (C leaves that undefined)`);
  return typed(l.type, l.value * 2 ** r.value, what);
}

/**
 * A C integer literal: hex (0x1f), octal (a leading 0: 010 is 8, and 08 is no literal) or
 * decimal, with its suffix (u, l, ll, ul, lu, ull, llu; ll not lL). Number() would read 010 as
 * 10. Its type is the first of C's list for its form and suffix that holds its value: decimal
 * without u is never unsigned, hex and octal become unsigned before they widen (0x80000000 and
 * 020000000000 are unsigned ints, 2147483648 is a long).
 */
function integerLiteral(token: string): CConstant {
  const m = /^(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)(u?(?:ll|l)?|(?:ll|l)u)$/i.exec(token);
  if (!m || /lL|Ll/.test(m[2] as string)) throw new NotConstant(`${token} is not a C integer literal`);
  const digits = m[1] as string;
  const suffix = (m[2] as string).toLowerCase();
  const value = /^0[0-7]/.test(digits) ? parseInt(digits, 8) : Number(digits);
  if (!Number.isSafeInteger(value)) throw new NotConstant(`${token} is past 2^53, where a number is no longer exact`);
  const decimal = /^[1-9]/.test(digits);
  const u = suffix.includes('u');
  const candidates: CIntType[] = suffix.includes('l')
    ? (u ? ['unsigned long'] : decimal ? ['long'] : ['long', 'unsigned long'])
    : (u ? ['unsigned int', 'unsigned long'] : decimal ? ['int', 'long'] : ['int', 'unsigned int', 'long', 'unsigned long']);
  const type = candidates.find((t) => holds(t, value));
  if (type === undefined) throw new NotConstant(`${token} fits none of the types C gives such a literal (${candidates.join(', ')})`);
  return { value, type };
}

/**
 * The C type of an enumeration constant of this value: int when it fits (C), else the type GCC
 * gives the enum, which for libvirt's flags (1U << 31) is unsigned int. Past 32 bits an unsigned
 * type is chosen for a positive value: a reading as unsigned refuses whatever would wrap, so it
 * cannot yield a value that a signed reading would not.
 */
export function enumConstant(value: number): CConstant | undefined {
  const type = (['int', 'unsigned int', 'unsigned long', 'long'] as const).find((t) => holds(t, value));
  return type === undefined || !Number.isSafeInteger(value) ? undefined : { value, type };
}
