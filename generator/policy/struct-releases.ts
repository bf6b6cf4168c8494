// Structs the caller provides that libvirt fills with strings it allocates, and that libvirt
// gives a function of its own to release: the runtime calls it on the struct once it has read
// it. A struct not listed here has its `char *` fields freed with free() by the runtime, each
// once (freeFields in src/ffi/spec.ts), which is all libvirt asks of the caller for such a
// struct (virDomainDiskError.disk: "the caller is also responsible for calling free() on each
// disk name"). List a struct here when libvirt documents a release function for it, or when
// free() on its `char *` fields would not release all it holds: strings in a union (refused
// until listed, see bind-function.ts), or memory behind its other pointers (which no rule sees).

export interface StructRelease {
  /** A function of the API taking a pointer to one struct: releases what it points to, not the struct. */
  release: string;
  why: string;
}

export const structReleases: Readonly<Record<string, StructRelease>> = {
  virError: {
    release: 'virResetError',
    why: 'virCopyLastError and virConnCopyLastError say to free the copy they fill with virResetError()',
  },
};
