// A tiny evaluator for the constant expressions in `raw=` macros: integers (with C suffixes),
// parentheses, + - * / << and names of other constants. Anything else is not a constant.

export function evaluateConstant(raw: string, lookup: (name: string) => number | undefined): number | undefined {
  const text = raw.replace(/\/\*.*?\*\//g, '').trim();
  if (text === '') return undefined;
  const tokens = text.match(/0x[0-9a-f]+|\d+(?:[uUlL]+)?|[A-Za-z_]\w*|<<|[-+*/()]/gi);
  if (!tokens || tokens.join('') !== text.replace(/\s+/g, '')) return undefined;
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const primary = (): number | undefined => {
    const t = tokens[pos++];
    if (t === undefined) return undefined;
    if (t === '(') { const v = shift(); return tokens[pos++] === ')' ? v : undefined; }
    if (t === '-') { const v = primary(); return v === undefined ? undefined : -v; }
    if (/^(0x[0-9a-f]+|\d+)/i.test(t)) return Number(t.replace(/[uUlL]+$/, ''));
    return lookup(t);
  };
  const product = (): number | undefined => {
    let v = primary();
    while (v !== undefined && (peek() === '*' || peek() === '/')) {
      const op = tokens[pos++]; const r = primary();
      if (r === undefined) return undefined;
      v = op === '*' ? v * r : Math.trunc(v / r);
    }
    return v;
  };
  const sum = (): number | undefined => {
    let v = product();
    while (v !== undefined && (peek() === '+' || peek() === '-')) {
      const op = tokens[pos++]; const r = product();
      if (r === undefined) return undefined;
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const shift = (): number | undefined => {
    let v = sum();
    while (v !== undefined && peek() === '<<') { pos++; const r = sum(); if (r === undefined) return undefined; v = v * 2 ** r; }
    return v;
  };
  const value = shift();
  return pos === tokens.length ? value : undefined;
}
