// Argument roles that C types leave open, settled by the names libvirt gives its arguments. The
// binder (generator/bind-function.ts) takes a pointer argument's role from its C type where that
// decides it (const data is read, a list of handles is returned), from its documentation where
// libvirt marks the direction ("(IN)"), from these tables where a name decides it, and from
// role= in the overrides file. A pointer argument that none of them settles is refused, with the
// role= to write: a name that only resembles one here (nstats for nr_stats) would otherwise be
// bound as something else without a word, and libvirt would write past what the runtime allocated.

/** What a count argument says of the pointer argument it sizes. */
export type CountShape =
  /** sizeof one struct, in bytes: the pointer is one struct (role struct-out, the count a length). */
  | 'sizeof'
  /** An `int *` libvirt sets: asked with NULL and 0 for the number of entries, then an array of that many (query-out). */
  | 'queried'
  /** How many elements the caller allocated; the result is how many libvirt filled (array-out or bytes-out, used='ret'). */
  | 'filled';

export interface CountName {
  count: RegExp;
  shape: CountShape;
  why: string;
}

/** Counts right after a struct pointer (`virFooPtr info, int maxinfo`), by the count's name. */
export const structCounts: readonly CountName[] = [
  { count: /^size$/, shape: 'sizeof', why: "virDomainBlockStats, virDomainInterfaceStats: the caller's sizeof the struct, so that libvirt fills no more than an older caller's struct holds" },
  { count: /^nparams$/, shape: 'queried', why: 'virNodeGetCPUStats, virNodeGetMemoryStats: with NULL and *nparams 0, libvirt writes the number of entries; then an array of that many' },
  { count: /^(nr_stats|maxerrors|maxinfo)$/, shape: 'filled', why: 'virDomainMemoryStats, virDomainGetDiskErrors, virDomainGetVcpus: an array of that many, the result how many were filled' },
];

/**
 * Counts right after a buffer libvirt fills (`char *data`, a non-const `T *` of numbers, a
 * `char **` of strings), by the count's name: all are 'filled'.
 */
export const filledCounts: readonly CountName[] = [
  { count: /^max/, shape: 'filled', why: 'virConnectListDomains(ids, maxids), virConnectListNetworks(names, maxnames): the caller\'s array of max* entries, the result how many were filled' },
  { count: /^nameslen$/, shape: 'filled', why: 'virDomainSnapshotListNames(names, nameslen): as max*' },
  { count: /^nbytes$/, shape: 'filled', why: 'virStreamRecv(data, nbytes): a buffer of nbytes, the result the number of bytes received' },
];

/**
 * The length of an array passed in is named after it: `n` and the array's name (virDomainSendKey's
 * keycodes and nkeycodes, virDomainCreateWithFiles's nfiles before files), before or after it.
 */
export const inputLength = { name: (array: string): string => `n${array}`, why: "libvirt's headers name an input array's length n<array>" } as const;

/** Byte buffers (`unsigned char *`) of a fixed size, by the argument's name. */
export const fixedBuffers: Readonly<Record<string, { bytes: number; why: string }>> = {
  uuid: { bytes: 16, why: 'VIR_UUID_BUFLEN: virDomainGetUUID fills one, virDomainLookupByUUID reads one (const)' },
};

/** Text buffers (`char *buf`) of a fixed size, by the function's name. */
export const fixedTextBuffers: readonly { fn: RegExp; bytes: number; why: string }[] = [
  { fn: /UUIDString$/, bytes: 37, why: 'VIR_UUID_STRING_BUFLEN: virDomainGetUUIDString and its kind fill the UUID as text' },
];

/**
 * Arrays of numbers libvirt reads although its prototype does not declare them const, and
 * whose documentation says nothing of the direction: by function, the argument and why.
 */
export const readArrays: Readonly<Record<string, { arg: string; why: string }>> = {
  virDomainSendKey: { arg: 'keycodes', why: '"array of keycodes": the keys to send' },
  virDomainCreateWithFiles: { arg: 'files', why: '"list of file descriptors passed" to the guest' },
  virDomainCreateXMLWithFiles: { arg: 'files', why: '"list of file descriptors passed" to the guest' },
  virDomainFDAssociate: { arg: 'fds', why: '"file descriptors to associate with domain"' },
  virDomainLxcEnterNamespace: { arg: 'fdlist', why: '"list of namespace file descriptors" to enter' },
  virDomainQemuMonitorCommandWithFiles: { arg: 'infiles', why: '"filedescriptors to be passed to QEMU with the command"' },
};

/** Directions libvirt's argument documentation states: "(IN)" read, "(OUT)" or "(returned)" filled. */
export const directionMarks = {
  read: /\(IN\)/,
  filled: /\((OUT|returned)\)/,
  why: "libvirt's own docs mark some non-const pointers: virDomainPinVcpu's cpumap (IN), virDomainGetVcpuPinInfo's cpumaps (OUT), virDomainMemoryStats's stats (returned)",
} as const;

/** A `const char **` list passed in without a count: its documentation says it is NULL-terminated (virTypedParamsAddStringList). */
export const nullTerminatedMark = /NULL[- ]terminated/i;

/** The first of `names` that `name` matches, with its rule; undefined if none. */
export function countRule(rules: readonly CountName[], name: string): CountName | undefined {
  return rules.find((r) => r.count.test(name));
}
