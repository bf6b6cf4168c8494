// Values a trailing parameter takes when the caller leaves it out. libvirt's `flags` is 0 for
// the default behaviour in every function that has one ("extra flags; not used yet, so callers
// should always pass 0", or a bitwise-OR whose empty set is the default), and libvirt-python's
// generated methods default it to 0 likewise. Only the last parameter a caller passes can
// default: an argument after it would have to be given anyway.

/** Parameter name -> its value when left out, for a last public `unsigned int` parameter. */
export const trailingDefaults: Readonly<Record<string, { value: number; reason: string }>> = {
  flags: { value: 0, reason: "libvirt's flags are 0 for the default behaviour (libvirt-python defaults them to 0 too)" },
};
