// Return-value conventions (libvirt-python's generator keeps the same table): the default error
// value per C return type, and how to read "0 on success" documentation. Per-function
// exceptions live in api-xml/tsvirt-overrides.xml as `error=`, `use=`, `nullable=` attributes.

/** Default failure value by result kind: -1 for signed integers, NULL for pointers. */
export const defaultErrorValues: Readonly<Record<string, number | null | undefined>> = {
  'int': -1,
  'long': -1,
  'long long': -1,
  'pointer': null,
  // Unsigned results have no general convention: each function that returns one is listed in
  // the overrides (virDomainGetID, virDomainGetMaxMemory, virNodeGetFreeMemory, ...).
  'unsigned int': undefined,
  'unsigned long': undefined,
  'unsigned long long': undefined,
  'double': undefined,
};

/** Documentation that says the int result only reports success ("0 in case of success, -1 ..."). */
export function isStatusDoc(doc: string): boolean {
  return /\b0\b[^.;]*\bsuccess|\bsuccess[^.;]*\b0\b|\b0 otherwise|\b0 if (it )?succe/i.test(doc);
}
