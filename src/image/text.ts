/**
 * Names stored in images are byte strings. qemu handles them as C strings (cut at the first NUL)
 * and shows invalid UTF-8 as U+FFFD in JSON; decoding the same way keeps output identical.
 */
const decoder = new TextDecoder('utf-8', { fatal: false });

export function cStringFromBytes(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return decoder.decode(nul < 0 ? bytes : bytes.subarray(0, nul));
}

/** Hex dump of a short byte run, for findings about unknown data. */
export function hexBytes(bytes: Uint8Array, max = 32): string {
  const shown = Buffer.from(bytes.subarray(0, max)).toString('hex');
  return bytes.length > max ? `${shown}...` : shown;
}
