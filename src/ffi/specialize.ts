// Functions compiled from source text of their own. V8 keeps type feedback per function literal,
// so closures made by one literal for many libvirt functions (every getter's invoker) share it:
// once an application calls a dozen getters, their call sites go megamorphic and stop being
// inlined (measured: virDomainGetInfo 1.16 -> 1.26 us per call). A literal per libvirt function
// keeps each one's feedback its own. The source holds only identifiers checked here; every
// value reaches it as a parameter, never as text.

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Whether `id` can stand in generated source as a name (a parameter, a property key). */
export function isIdentifier(id: string): boolean {
  return identifier.test(id);
}

/**
 * `function <label>(<params>) { <body> }` with `deps` in scope; `prelude` runs once, before
 * the function is made (per-function state such as a busy flag).
 */
export function specialize<F extends (...args: never[]) => unknown>(
  label: string, deps: Record<string, unknown>, params: readonly string[], body: string, prelude = '',
): F {
  for (const id of [label, ...params, ...Object.keys(deps)]) {
    if (!isIdentifier(id)) throw new TypeError(`tsvirt: ${JSON.stringify(id)} is not an identifier`);
  }
  const names = Object.keys(deps);
  const source = `'use strict'; ${prelude} return function ${label}(${params.join(', ')}) { ${body} };`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see the comment at the top
  return new Function(...names, source)(...names.map((n) => deps[n])) as F;
}
