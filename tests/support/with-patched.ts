/**
 * Runs `fn` with `obj[method]` replaced by `replacement(original)`, and puts the method back
 * however `fn` ends. A method the object only inherited is deleted again rather than assigned,
 * so the object is left as it was (a shared pool must not keep an own copy of a prototype method).
 */
export async function withPatched<T extends object, K extends keyof T, R>(
  obj: T,
  method: K,
  replacement: (original: T[K]) => T[K],
  fn: () => R | Promise<R>,
): Promise<R> {
  const own = Object.prototype.hasOwnProperty.call(obj, method);
  const original = obj[method];
  obj[method] = replacement(original);
  try {
    return await fn();
  } finally {
    if (own) obj[method] = original;
    else delete obj[method];
  }
}
