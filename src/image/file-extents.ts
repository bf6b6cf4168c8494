// Where a file has data and where it has holes, from lseek(SEEK_DATA / SEEK_HOLE): a sparse
// upload sends the holes as lengths instead of reading and sending their zeros, and the image
// inspector reports holes as qemu does, without reading them. Node has no binding for these
// whence values, so libc's lseek is bound with koffi (libc only: no libvirt). Where they are not
// supported (not Linux, or a file system without them) callers are told so.
import koffi from 'koffi';

export interface Extent {
  offset: number;
  length: number;
  data: boolean;
}

const SEEK_END = 2;
/** Linux's values (other systems number them differently). */
const SEEK_DATA = 3;
const SEEK_HOLE = 4;
/** lseek's errno for "no data at or after this offset". */
const ENXIO = 6;

type Lseek = (fd: number, offset: number, whence: number) => number | bigint;
let lseek: Lseek | null | undefined;

function binding(): Lseek | null {
  if (lseek === undefined) {
    lseek = process.platform === 'linux'
      ? (koffi.load('libc.so.6').func('int64_t lseek(int fd, int64_t offset, int whence)') as Lseek)
      : null;
  }
  return lseek;
}

/** The offset lseek found; 'none' when there is no data (or hole) after `from`; null when unsupported. */
function seek(fd: number, from: number, whence: number): number | 'none' | null {
  const f = binding();
  if (!f) return null;
  const at = Number(f(fd, from, whence));
  if (at >= 0) return at;
  return koffi.errno() === ENXIO ? 'none' : null;
}

/**
 * The size of what `fd` opens by seeking to its end: fstat says 0 for a block device. Undefined
 * where lseek cannot be bound or fails.
 */
export function endOffset(fd: number): number | undefined {
  const f = binding();
  if (!f) return undefined;
  const at = Number(f(fd, 0, SEEK_END));
  return at >= 0 ? at : undefined;
}

/**
 * The extent that `pos` lies in, up to `size`: data or a hole, and where it ends. Undefined
 * where holes cannot be asked for.
 */
export function extentAt(fd: number, pos: number, size: number): { data: boolean; end: number } | undefined {
  const dataAt = seek(fd, pos, SEEK_DATA);
  if (dataAt === null) return undefined;
  if (dataAt === 'none' || dataAt >= size) return { data: false, end: size };
  if (dataAt > pos) return { data: false, end: dataAt };
  const holeAt = seek(fd, pos, SEEK_HOLE);
  if (holeAt === null) return undefined;
  return { data: true, end: typeof holeAt === 'number' ? Math.min(holeAt, size) : size };
}

/** The data and hole extents of the first `size` bytes of the open file `fd`, in order. */
export function fileExtents(fd: number, size: number): Extent[] {
  const out: Extent[] = [];
  for (let pos = 0; pos < size;) {
    const e = extentAt(fd, pos, size);
    // Where holes cannot be asked for, the whole file is data.
    if (!e) return [{ offset: 0, length: size, data: true }];
    const end = Math.max(e.end, pos + 1);
    out.push({ offset: pos, length: Math.min(end, size) - pos, data: e.data });
    pos = end;
  }
  return out;
}
