// The keys of an object type as a value the compiler holds to the type: every key must be
// listed, and nothing else. The SDK's option objects (sdk/option-keys.ts), typed XML descriptions
// (sdk/xml/xml-checks.ts) and the image API's options (image/option-checks.ts) are checked against
// such lists for keys they do not have. Apart from both, as neither needs the other.
export function keysOf<T extends object>(keys: { readonly [K in keyof Required<T>]: true }): readonly string[] {
  return Object.keys(keys);
}
