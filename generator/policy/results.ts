// Return-value conventions (libvirt-python's generator keeps the same table): the failure value
// by C result type, and how to read "0 on success" documentation. Per-function exceptions live in
// api-xml/tsvirt-overrides.xml as `error=`, `use=`, `nullable=` attributes.

export interface ErrorConvention {
  /** The value that means failure: a number, or null for NULL. */
  error: number | null;
  why: string;
}

/**
 * The failure value by result type ('pointer': handles, strings, structs). A type not listed
 * here (unsigned integers, double, short, char) has no convention: a function returning one says
 * in the overrides which value means failure, with error= (virDomainGetID's (unsigned int)-1,
 * virDomainGetMaxMemory's 0), or error='none' where it cannot fail. Without either the generator
 * refuses it: its failures would never be noticed.
 */
export const defaultErrorValues: Readonly<Record<string, ErrorConvention>> = {
  'int': { error: -1, why: "libvirt's int results are -1 on failure, whatever they count or report otherwise" },
  'long': { error: -1, why: 'as int' },
  'long long': { error: -1, why: 'as int' },
  'pointer': { error: null, why: 'handles, strings and structs are NULL on failure (nullable= where NULL is also an answer)' },
};

/** Documentation that says the int result only reports success ("0 in case of success, -1 ..."). */
export function isStatusDoc(doc: string): boolean {
  return /\b0\b[^.;]*\bsuccess|\bsuccess[^.;]*\b0\b|\b0 otherwise|\b0 if (it )?succe/i.test(doc);
}
