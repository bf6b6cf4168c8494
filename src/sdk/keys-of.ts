// The keys of an object type as a value the compiler holds to the type: every key must be
// listed, and nothing else. Option objects (option-keys.ts) and typed XML descriptions
// (xml/xml-element.ts) are checked against such lists for keys they do not have.
export function keysOf<T extends object>(keys: { readonly [K in keyof Required<T>]: true }): readonly string[] {
  return Object.keys(keys);
}
