/** XML as given, or built (and validated, with a typed error) from a typed description. */
export function xmlOf<D>(definition: string | D, build: (d: D) => string): string {
  return typeof definition === 'string' ? definition : build(definition);
}
