// C scalar types and how each crosses into JS. A C type absent from this table and not a
// handle, struct, callback or enum typedef stops the generator (GenerationError lists every one).
// 64-bit types are bigint: values above 2^53 occur (cpuTime, capacities) and must not round.

export interface ScalarMapping { ffi: string; js: 'number' | 'bigint'; why: string }

export const scalarTypes: Readonly<Record<string, ScalarMapping>> = {
  'int': { ffi: 'int', js: 'number', why: '32-bit' },
  'unsigned int': { ffi: 'unsigned int', js: 'number', why: '32-bit' },
  'short': { ffi: 'short', js: 'number', why: '16-bit' },
  'unsigned short': { ffi: 'unsigned short', js: 'number', why: '16-bit' },
  'char': { ffi: 'char', js: 'number', why: '8-bit integer (a struct field, not text)' },
  'unsigned char': { ffi: 'unsigned char', js: 'number', why: '8-bit' },
  'double': { ffi: 'double', js: 'number', why: 'IEEE double is a JS number' },
  'long': { ffi: 'long', js: 'bigint', why: '64-bit on LP64 Linux' },
  'unsigned long': { ffi: 'unsigned long', js: 'bigint', why: '64-bit on LP64 Linux (memory sizes in KiB, versions)' },
  'long long': { ffi: 'long long', js: 'bigint', why: '64-bit' },
  'long long int': { ffi: 'long long', js: 'bigint', why: '64-bit' },
  'unsigned long long': { ffi: 'unsigned long long', js: 'bigint', why: '64-bit (cpuTime ~1.8e18 on the test driver)' },
  'unsigned long long int': { ffi: 'unsigned long long', js: 'bigint', why: '64-bit' },
  'size_t': { ffi: 'size_t', js: 'bigint', why: '64-bit on LP64 Linux' },
};

/** Strings: `const char *` results are borrowed, `char *` results are owned (copied then freed). */
export const stringTypes: Readonly<Record<string, { owned: boolean }>> = {
  'const char *': { owned: false },
  'char *': { owned: true },
};
