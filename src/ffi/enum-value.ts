/**
 * A number that holds a value of the C enum E: what a struct field of an enum type reads as in
 * the generated layer (a plain number at run time). The brand lets the SDK's types find such
 * fields, which the SDK turns into `{ code, name }`.
 */
export type EnumValue<E extends string> = number & { readonly __libvirtEnum: E };
