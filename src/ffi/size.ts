import type { SizeExpr } from './spec.js';
import { tsvirtError, VIR_ERR_INVALID_ARG } from './errors.js';

/**
 * Evaluates a SizeExpr against the call's argument values (names refer to public arguments).
 * A size no buffer can have (a negative count, or a product past 2^53) is the caller's bad
 * argument: refused as one, naming the arguments, before anything is allocated.
 */
export function evalSize(expr: SizeExpr, values: Map<string, unknown>, fn: string): number {
  const parts = Array.isArray(expr) ? expr : [expr];
  let n = 1;
  for (const p of parts) n *= typeof p === 'number' ? p : Number(values.get(p) ?? 0);
  if (!Number.isSafeInteger(n) || n < 0) {
    const named = parts.filter((p): p is string => typeof p === 'string').map((p) => `${p} = ${String(values.get(p))}`).join(', ');
    throw tsvirtError(VIR_ERR_INVALID_ARG, fn, `${fn}: invalid buffer size ${n} (${named})`);
  }
  return n;
}
