// A tiny evaluator for the constant expressions in `raw=` macros: integers as C writes them
// (decimal, hex, octal, with u/l suffixes), parentheses, + - * / << and names of other
// constants. Every value carries the C type C gives it, also through a name (`-A` where A is
// `1U` is unsigned, as `-1U` is), because the type decides where C wraps or overflows. Anything
// else is not a constant, and neither is a value this evaluator would get wrong (see `typed`):
// the generator then refuses the macro rather than emit a wrong number.

/**
 * The C types a constant expression of libvirt's headers can have, on LP64 Linux (the platform
 * policy/type-map.ts maps for): long long is as wide as long there, so it is read as long.
 */
export type CIntType = 'int' | 'unsigned int' | 'long' | 'unsigned long';

/** A constant's value with its C type. */
export interface CConstant { value: number; type: CIntType }

const widthOf: Readonly<Record<CIntType, { bits: number; unsigned: boolean }>> = {
  'int': { bits: 32, unsigned: false }, 'unsigned int': { bits: 32, unsigned: true },
  'long': { bits: 64, unsigned: false }, 'unsigned long': { bits: 64, unsigned: true },
};

/** Whether type `t` holds `v`: else C wraps it (unsigned) or leaves it undefined (signed overflow). */
function holds(t: CIntType, v: number): boolean {
  const { bits, unsigned } = widthOf[t];
  return unsigned ? v >= 0 && v < 2 ** bits : v >= -(2 ** (bits - 1)) && v < 2 ** (bits - 1);
}

/**
 * `v` as a constant of type `t`, when it is exactly that: a value past 2^53 has rounded, and one
 * `t` does not hold is one C wraps (-1U is UINT_MAX, UINT_MAX + 1U is 0) or leaves undefined
 * (INT_MAX + 1). A value that would wrap is refused rather than wrapped: the generator has no
 * use for one, and refusing keeps one rule for both.
 */
function typed(t: CIntType, v: number | undefined): CConstant | undefined {
  return v !== undefined && Number.isSafeInteger(v) && holds(t, v) ? { value: v, type: t } : undefined;
}

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

/** The value of `raw` (see constantOf), for callers that need no type. */
export function evaluateConstant(raw: string, lookup: (name: string) => CConstant | undefined): number | undefined {
  return constantOf(raw, lookup)?.value;
}

/** The value and C type of `raw`, or undefined when it is not a constant this evaluator reads exactly. */
export function constantOf(raw: string, lookup: (name: string) => CConstant | undefined): CConstant | undefined {
  // C reads a comment, which may span lines, as one space: 1/**/2 is two numbers, not 12.
  const text = raw.replace(/\/\*[\s\S]*?\*\//g, ' ').trim();
  if (text === '') return undefined;
  // -- and ++ are tokens of their own in C (decrement, increment), which no constant holds: `primary` refuses them.
  const tokens = text.match(/0x[0-9a-f]+[ul]*|\d+[ul]*|[A-Za-z_]\w*|<<|--|\+\+|[-+*/()]/gi);
  if (!tokens || tokens.join('') !== text.replace(/\s+/g, '')) return undefined;
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const primary = (): CConstant | undefined => {
    const t = tokens[pos++];
    if (t === undefined) return undefined;
    if (t === '(') { const v = shift(); return tokens[pos++] === ')' ? v : undefined; }
    if (t === '-') { const v = primary(); return v && typed(v.type, -v.value); }
    if (/^\d/.test(t)) return integerLiteral(t);
    if (!/^[A-Za-z_]/.test(t)) return undefined; // an operator where a value belongs: --, ++, *, )
    // A name's value is checked as a literal's is, in case the lookup was not.
    const named = lookup(t);
    return named && typed(named.type, named.value);
  };
  /** `l op r` in their common type: each operand must be exactly its value there (-1 is no unsigned int). */
  const arithmetic = (l: CConstant, op: string, r: CConstant | undefined): CConstant | undefined => {
    if (r === undefined) return undefined;
    const t = common(l.type, r.type);
    if (!holds(t, l.value) || !holds(t, r.value)) return undefined;
    const v = op === '+' ? l.value + r.value : op === '-' ? l.value - r.value : op === '*' ? l.value * r.value
      : r.value === 0 ? undefined : Math.trunc(l.value / r.value); // C division truncates toward zero
    return typed(t, v);
  };
  const product = (): CConstant | undefined => {
    let v = primary();
    while (v !== undefined && (peek() === '*' || peek() === '/')) { const op = tokens[pos++] as string; v = arithmetic(v, op, primary()); }
    return v;
  };
  const sum = (): CConstant | undefined => {
    let v = product();
    while (v !== undefined && (peek() === '+' || peek() === '-')) { const op = tokens[pos++] as string; v = arithmetic(v, op, product()); }
    return v;
  };
  const shift = (): CConstant | undefined => {
    let v = sum();
    while (v !== undefined && peek() === '<<') { pos++; v = shiftLeft(v, sum()); }
    return v;
  };
  const value = shift();
  return pos === tokens.length ? value : undefined;
}

/**
 * `l << r`: of l's type (no common type), with a count below its width, and a left operand that is
 * not negative (C leaves either undefined); bits shifted out of the type are refused by `typed`.
 */
function shiftLeft(l: CConstant, r: CConstant | undefined): CConstant | undefined {
  if (r === undefined || r.value < 0 || r.value >= widthOf[l.type].bits || l.value < 0) return undefined;
  return typed(l.type, l.value * 2 ** r.value);
}

/**
 * A C integer literal: hex (0x1f), octal (a leading 0: 010 is 8, and 08 is no literal) or
 * decimal, with its suffix (u, l, ll, ul, lu, ull, llu; ll not lL). Number() would read 010 as
 * 10. Its type is the first of C's list for its form and suffix that holds its value: decimal
 * without u is never unsigned, hex and octal become unsigned before they widen (0x80000000 and
 * 020000000000 are unsigned ints, 2147483648 is a long).
 */
function integerLiteral(token: string): CConstant | undefined {
  const m = /^(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)(u?(?:ll|l)?|(?:ll|l)u)$/i.exec(token);
  if (!m || /lL|Ll/.test(m[2] as string)) return undefined;
  const digits = m[1] as string;
  const suffix = (m[2] as string).toLowerCase();
  const value = /^0[0-7]/.test(digits) ? parseInt(digits, 8) : Number(digits);
  if (!Number.isSafeInteger(value)) return undefined;
  const decimal = /^[1-9]/.test(digits);
  const u = suffix.includes('u');
  const candidates: CIntType[] = suffix.includes('l')
    ? (u ? ['unsigned long'] : decimal ? ['long'] : ['long', 'unsigned long'])
    : (u ? ['unsigned int', 'unsigned long'] : decimal ? ['int', 'long'] : ['int', 'unsigned int', 'long', 'unsigned long']);
  const type = candidates.find((t) => holds(t, value));
  return type === undefined ? undefined : { value, type };
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
