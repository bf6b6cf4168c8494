// A tiny evaluator for the constant expressions in `raw=` macros: integers as C writes them
// (decimal, hex, octal, with u/l suffixes), parentheses, + - * / << and names of other
// constants. Anything else is not a constant, and neither is a value this evaluator would get
// wrong (see `exact`): the generator then refuses the macro rather than emit a wrong number.

export function evaluateConstant(raw: string, lookup: (name: string) => number | undefined): number | undefined {
  const text = raw.replace(/\/\*.*?\*\//g, '').trim();
  if (text === '') return undefined;
  const tokens = text.match(/0x[0-9a-f]+[ul]*|\d+[ul]*|[A-Za-z_]\w*|<<|[-+*/()]/gi);
  if (!tokens || tokens.join('') !== text.replace(/\s+/g, '')) return undefined;
  const unsigned = tokens.some(isUnsignedLiteral);
  // Every value met on the way is checked, so that a wrong intermediate cannot hide in a right-looking result.
  const exact = (v: number | undefined): number | undefined =>
    v !== undefined && Number.isSafeInteger(v) && !(unsigned && v < 0) ? v : undefined;
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const primary = (): number | undefined => {
    const t = tokens[pos++];
    if (t === undefined) return undefined;
    if (t === '(') { const v = shift(); return tokens[pos++] === ')' ? v : undefined; }
    if (t === '-') { const v = primary(); return v === undefined ? undefined : exact(-v); }
    if (/^\d/.test(t)) return exact(integerLiteral(t));
    return exact(lookup(t));
  };
  const product = (): number | undefined => {
    let v = primary();
    while (v !== undefined && (peek() === '*' || peek() === '/')) {
      const op = tokens[pos++]; const r = primary();
      if (r === undefined) return undefined;
      v = exact(op === '*' ? v * r : Math.trunc(v / r));
    }
    return v;
  };
  const sum = (): number | undefined => {
    let v = product();
    while (v !== undefined && (peek() === '+' || peek() === '-')) {
      const op = tokens[pos++]; const r = product();
      if (r === undefined) return undefined;
      v = exact(op === '+' ? v + r : v - r);
    }
    return v;
  };
  const shift = (): number | undefined => {
    let v = sum();
    while (v !== undefined && peek() === '<<') { pos++; const r = sum(); if (r === undefined) return undefined; v = exact(v * 2 ** r); }
    return v;
  };
  const value = shift();
  return pos === tokens.length ? value : undefined;
}

/**
 * Whether C gives a literal an unsigned type: a u/U suffix, or hex or octal without l that does
 * not fit an int but fits an unsigned int (0x80000000, 020000000000: C types octal as it types
 * hex). Either makes the expression unsigned, where a negative value wraps (-1U is UINT_MAX,
 * -0x80000000 is 2147483648) to a width this evaluator does not track: `exact` refuses it.
 */
function isUnsignedLiteral(token: string): boolean {
  const m = /^(0x[0-9a-f]+|\d+)([ul]*)$/i.exec(token);
  if (!m) return false;
  const [, digits = '', suffix = ''] = m;
  if (/u/i.test(suffix)) return true;
  const value = /^0/.test(digits) && !/l/i.test(suffix) ? integerLiteral(digits) ?? 0 : 0;
  return value >= 2 ** 31 && value < 2 ** 32;
}

/**
 * The value of a C integer literal: hex (0x1f), octal (a leading 0: 010 is 8, and 08 is no
 * literal) or decimal, with its u/l suffixes dropped. Number() would read 010 as 10.
 */
function integerLiteral(token: string): number | undefined {
  const m = /^(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)[ul]*$/i.exec(token);
  if (!m) return undefined;
  const digits = m[1] as string;
  return /^0[0-7]/.test(digits) ? parseInt(digits, 8) : Number(digits);
}
