// Whether bytes are all zeros, a segment at a time against one fixed buffer of zeros: for L2
// tables the inspector need not walk, and for stream chunks that travel as holes on a sparse
// upload and are not written on a download (they stay holes there).

const ZEROS = Buffer.alloc(64 * 1024);

/** Compared with memcmp a segment at a time. */
export function isAllZero(buf: Uint8Array): boolean {
  for (let at = 0; at < buf.length; at += ZEROS.length) {
    const part = buf.subarray(at, at + ZEROS.length);
    if (Buffer.compare(part, ZEROS.subarray(0, part.length)) !== 0) return false;
  }
  return true;
}
