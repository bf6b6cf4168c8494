// What the builders and the SDK's define/create methods take: a description with every list it
// requires left optional, at any depth. The builders read an absent list as an empty one (listAt
// in xml-checks.ts), so `{ name: 'x' }` builds the same snapshot as `{ name: 'x', disks: [] }`.
// Volumes, secrets and filter bindings require no list: those builders take the description itself.
//
// Why an input type beside each description rather than optional lists in the descriptions
// themselves: parse results keep their lists. The older documents always give them (a domain's
// `devices.disks`, a network's `ips`), and code that reads them stays free of `?? []`; the lists
// newer documents leave out when empty (`protocols`, `devlinks`, `parameters`, ...) are optional
// in both already. The descriptions stay the one set of documented types: this is derived from
// them, so they cannot drift apart. Editors and compiler errors name it as written,
// `OptionalLists<DomainSnapshotDescription>`, and parts that hold no required list keep their own
// names (`DiskDescription`, `SizeValue`). The cost, as with any mapped type: in an object literal,
// hovering a field of a mapped part shows its type but not its doc comment (the description has it).

/** The keys of `T` that are required lists; `extra` is kept verbatim XML, not a description. */
type RequiredListKeys<T> = {
  [K in keyof T]-?: K extends 'extra' ? never : {} extends Pick<T, K> ? never : T[K] extends readonly unknown[] ? K : never;
}[keyof T];

type Scalar = string | number | bigint | boolean;

/** Whether a required list is anywhere in `T`: only those parts are mapped, the others keep their names. */
type HasRequiredList<T> = T extends Scalar
  ? false
  : T extends readonly (infer U)[]
    ? HasRequiredList<U>
    : [RequiredListKeys<T> | { [K in keyof T]-?: K extends 'extra' ? never : true extends HasRequiredList<NonNullable<T[K]>> ? K : never }[keyof T]] extends [never]
      ? false
      : true;

/** A field's value as input: lists of inputs, parts with required lists mapped; unions member by member. */
type InputOf<V> = V extends Scalar
  ? V
  : V extends readonly (infer U)[]
    ? readonly InputOf<U>[]
    : true extends HasRequiredList<V>
      ? OptionalLists<V>
      : V;

/**
 * A description `T` as input: each list `T` requires, at any depth, may be left out and is then
 * empty. Other fields keep their types and optionality.
 */
export type OptionalLists<T> = {
  [K in keyof T as K extends RequiredListKeys<T> ? never : K]: K extends 'extra' ? T[K] : InputOf<T[K]>;
} & {
  [K in keyof T as K extends RequiredListKeys<T> ? K : never]?: InputOf<T[K]>;
};
