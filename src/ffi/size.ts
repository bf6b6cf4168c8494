import type { SizeExpr } from './spec.js';

/** Evaluates a SizeExpr against the call's argument values (names refer to public arguments). */
export function evalSize(expr: SizeExpr, values: Map<string, unknown>): number {
  const parts = Array.isArray(expr) ? expr : [expr];
  let n = 1;
  for (const p of parts) n *= typeof p === 'number' ? p : Number(values.get(p) ?? 0);
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`invalid buffer size ${n}`);
  return n;
}
