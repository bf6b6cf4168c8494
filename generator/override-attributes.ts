// The attributes an element of the overrides may carry: libvirt's schema (raw-xml.ts) and
// tsvirt's policy, with the values each policy attribute takes. Any other attribute is refused
// with where it is: a typo (`cuont=`) would otherwise be dropped without a word.
import { schemaAttributes, type RawElement } from './raw-xml.js';
import { paramTypes } from './policy/param-types.js';

export type ElementKind = keyof typeof schemaAttributes;

/** The policy attributes each element of the overrides may carry (see the header of that file). */
const policyAttrs = {
  function: [], functype: [], return: ['error', 'use', 'nullable', 'owned', 'free', 'borrowed', 'bytes-size'],
  arg: ['role', 'size', 'as', 'used', 'of', 'elem', 'count', 'clear', 'input', 'nullable'],
  field: ['count', 'enum'], macro: ['param-type'], struct: [], typedef: [], enum: [], variable: [],
} as const satisfies Record<ElementKind, readonly string[]>;

/** The values a policy attribute may take, and how a refusal says them. */
interface ValueRule { test: (v: string) => boolean; accepts: string }

const oneOf = (...values: readonly string[]): ValueRule =>
  ({ test: (v) => values.includes(v), accepts: values.length === 1 ? `'${values[0] as string}'` : `one of ${values.join(', ')}` });

const policyValues: Readonly<Record<string, ValueRule>> = {
  // Compared with the C result as a number, so written as libvirt's docs write results: (unsigned int)-1 is 4294967295.
  error: { test: (v) => /^(-?\d+|NULL|none)$/.test(v), accepts: 'a decimal integer (such as -1, 0 or 4294967295), NULL (a pointer result) or none (no value means failure)' },
  use: oneOf('status', 'count', 'value'), nullable: oneOf('true', 'false'), owned: oneOf('true', 'false'),
  borrowed: oneOf('true', 'false'), input: oneOf('true', 'false'), as: oneOf('bytes', 'string'), used: oneOf('ret'),
  // Emitted into the typed-parameter table, whose type admits only these.
  'param-type': oneOf(...paramTypes),
};

/** The attributes of an element that are tsvirt policy, not the C symbol's (none, for the API XMLs). */
export function policyOf(kind: ElementKind, attrs: Readonly<Record<string, string>>): Record<string, string> {
  const schema: readonly string[] = schemaAttributes[kind];
  return Object.fromEntries(Object.entries(attrs).filter(([k]) => !schema.includes(k)));
}

/**
 * Attributes of an overrides element (`where`, as messages name it) that a `<kind>` does not
 * take, and policy values it may not take, each with the element's place in the file.
 */
export function attributeProblems(where: string, kind: ElementKind, e: RawElement): string[] {
  const policy: readonly string[] = policyAttrs[kind];
  const known = [...schemaAttributes[kind], ...policy];
  return Object.entries(e.attrs).flatMap(([k, v]) => {
    if (!known.includes(k)) return [`${e.at}: ${where}: unknown attribute ${k}= (a <${kind}> takes ${known.join(', ')})`];
    const rule = policyValues[k];
    return rule !== undefined && policy.includes(k) && !rule.test(v) ? [`${e.at}: ${where}: ${k}='${v}' is not ${rule.accepts}`] : [];
  });
}
