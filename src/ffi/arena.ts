// Scratch memory for buffers libvirt fills during one call (structs, byte and array outputs).
// koffi passes a small on-heap Buffer several times slower than off-heap memory (measured:
// virDomainGetInfo 1.7 us vs 0.9 us), and a fresh off-heap Buffer per call costs as much, so
// calls borrow slices of one off-heap arena. Results are always copied out before the call
// returns; nested calls (from callbacks run during a call) take slices further along.

/** Arena size; larger requests get their own off-heap buffer. */
const ARENA_BYTES = 64 * 1024;

let arena: Buffer | undefined;
let offset = 0;
let depth = 0;

export function enterCall(): void {
  depth++;
}

export function leaveCall(): void {
  depth--;
  if (depth === 0) offset = 0;
}

/** `size` zeroed bytes valid until the outermost call returns. */
export function scratch(size: number): Buffer {
  // Arithmetic, not `& ~15`: bitwise operators cut to 32 bits, and a size of 2 GiB or more
  // then came back as a short slice of the arena that libvirt wrote past.
  const aligned = Math.ceil(size / 16) * 16;
  if (depth === 0 || offset + aligned > ARENA_BYTES) return Buffer.allocUnsafeSlow(Math.max(size, 1)).fill(0);
  arena ??= Buffer.allocUnsafeSlow(ARENA_BYTES);
  const slice = arena.subarray(offset, offset + size).fill(0);
  offset += aligned;
  return slice;
}
