// The data the generated layer hands to the runtime: one FunctionSpec per C function, one
// StructSpec per struct. Generated code is a typed facade over these tables.
import type { LibraryId } from './native.js';

/** How one C value travels: `ffi` is koffi's name for it, `js` what TypeScript sees. */
export interface ValueType {
  ffi: string;
  js: 'number' | 'bigint' | 'string' | 'handle' | 'pointer' | 'struct';
  /** Handle typedef (virDomainPtr) or struct name (virDomainInfo) for js 'handle' / 'struct'. */
  ref?: string;
  /** A handle argument that may be NULL (e.g. "any domain" for event registration). */
  nullable?: boolean;
}

/** A length: a constant, the value of another argument, or a product of those. */
export type SizeExpr = number | string | readonly (number | string)[];

export type ArgSpec =
  /** Passed as given: scalars, strings, handles, user-data pointers. */
  | { role: 'in'; name: string; type: ValueType; /** Its value when the caller leaves it out (a trailing `flags`: 0). */ default?: number }
  /** Filled in by the runtime: the length of another (array or bytes) argument, or `sizeof:<struct>`. */
  | { role: 'length'; name: string; ffi: string; of: string }
  /** A `T *` the function writes one value to; becomes part of the result. */
  | { role: 'out'; name: string; type: ValueType; owned?: boolean }
  /** A `T *` read and written: the caller passes a one-element array that is updated in place. */
  | { role: 'inout'; name: string; type: ValueType }
  /**
   * A caller-allocated struct the function fills in. `reset` (a function of libvirt's) releases
   * what it points to; `freeFields`: its `char *` fields libvirt allocated, freed with free() once
   * read, also after a failed call.
   */
  | { role: 'struct-out'; name: string; struct: string; reset?: string; freeFields?: readonly string[] }
  /** A struct passed by pointer as input (null allowed). */
  | { role: 'struct-in'; name: string; struct: string }
  /** Bytes passed in (Uint8Array); `fixed` is a required exact length. */
  | { role: 'bytes-in'; name: string; fixed?: number }
  /** A caller-allocated buffer of `size` bytes the function fills; returned as bytes or text. */
  | { role: 'bytes-out'; name: string; size: SizeExpr; as: 'bytes' | 'string'; used?: 'ret' }
  /** A JS array passed as a C array of `elem`; `nullTerminated` adds a trailing NULL. */
  | { role: 'array-in'; name: string; elem: ValueType; nullTerminated?: boolean }
  /**
   * A caller-allocated C array of `size` elements; the first `ret` (or all) are returned.
   * `freeElements`: string elements libvirt allocated; `freeFields`: the `char *` fields of struct
   * elements libvirt allocated; both freed with free() once read (`freeFields` also after a failed
   * call). `clear` releases them instead, after a successful call.
   */
  | { role: 'array-out'; name: string; elem: ValueType; size: SizeExpr; used?: 'ret'; freeElements?: boolean; freeFields?: readonly string[]; clear?: string }
  /**
   * The `int *` count of a query-out array: starts at 0 (libvirt writes the count), or, with
   * `input`, at the value the caller passes (no sizing call is made).
   */
  | { role: 'count'; name: string; ffi: string; input?: boolean }
  /** Typed parameters as input: a TypedParameter[] marshalled to virTypedParameter[]. */
  | { role: 'params-in'; name: string }
  /**
   * A caller-allocated array of `struct` whose count is asked first: call with NULL/0 to learn
   * the count through `countArg`, allocate, call again; the entries read are the count written
   * back, never more than were asked for. `clear` releases strings inside, or `freeFields` names
   * the `char *` fields to free() as array-out does.
   */
  | { role: 'query-out'; name: string; struct: string; countArg: string; clear?: string; freeFields?: readonly string[] }
  /**
   * A library-allocated array written through `T **`: `count` is 'ret', an out argument,
   * or 'bits:ret' (a bitmap of ret bits: ceil(ret / 8) bytes). Elements are released with `freeElement` (or free()), the
   * array with `freeList` (or free()).
   */
  | { role: 'list-out'; name: string; elem: ValueType; count: 'ret' | string; freeElement?: string; freeList?: string; inline?: boolean }
  /** Typed parameters the library allocates (`virTypedParameterPtr *`), freed with virTypedParamsFree. */
  | { role: 'params-out'; name: string; countArg: string }
  /** A callback: a JS function registered with koffi for as long as libvirt may call it. */
  | { role: 'callback'; name: string; functype: string; lifetime: 'call' | 'freecb' | 'forever' | 'lookup' }
  /** libvirt's virFreeCallback: supplied by the runtime to release the callbacks above. */
  | { role: 'freecb'; name: string };

export interface ReturnSpec {
  type: ValueType | null;
  /** The value that means failure; undefined when the function cannot fail. */
  error?: number | string | null;
  /** Does the result carry this value? 'status' and 'count' returns are dropped when outs exist. */
  use: 'status' | 'count' | 'value';
  /** Ownership of a pointer result: 'owned' is freed with `free` (or free()) after copying. */
  owned?: boolean;
  free?: string;
  /** A handle result libvirt lends (no new reference): not the caller's to release. */
  borrowed?: boolean;
  /** NULL is also a normal result ("no parent"): it is a failure only when libvirt set an error. */
  nullable?: boolean;
  /** An owned byte buffer whose length is written to this out argument. */
  bytesSize?: string;
}

export interface FunctionSpec {
  name: string;
  lib: LibraryId;
  since: string | null;
  ret: ReturnSpec;
  args: readonly ArgSpec[];
  /** What this call does to a handle argument's lifetime. */
  handleEffect?: 'release' | 'retain';
}

export interface FieldSpec {
  name: string;
  /** koffi type, e.g. 'int', 'char *', 'char[80]', or a struct / union name. */
  ffi: string;
  type: ValueType;
  /** Pointer fields that point at `count` elements (the count being another field). */
  array?: { count: string; elem: ValueType };
  /** The C enum whose values the field holds (from the overrides: libvirt declares it int). */
  enum?: string;
}

export interface StructSpec {
  name: string;
  kind: 'struct' | 'union';
  fields: readonly FieldSpec[];
}

export interface FunctypeSpec {
  name: string;
  ret: string;
  args: readonly { name: string; ffi: string }[];
}
