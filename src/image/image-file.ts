/**
 * The only way the inspector touches a file: opened O_RDONLY (with O_NONBLOCK, so that a FIFO
 * named as an image is refused by the type check below instead of blocking the open until a
 * writer comes; a path that is no regular file or block device is refused before the open),
 * positioned reads, never a write. lseek is used only to learn the layout (holes
 * with SEEK_DATA/SEEK_HOLE, a block device's size with SEEK_END); the offset it moves is never
 * read from, every read names its position. Reads are synchronous on purpose: the
 * inspector's walks issue hundreds of thousands of small reads (512-byte L2 tables), where a
 * promise per read costs more than the read; the public API stays async so this can change.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { ImageIoError } from './errors.js';
import { endOffset, extentAt } from './file-extents.js';

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

export interface ImageFileStat {
  readonly size: number;
  /** Bytes the host file system has allocated (st_blocks * 512), what qemu calls actual-size. */
  readonly allocatedBytes: number;
  readonly dev: number;
  readonly ino: number;
  /** The file system's block size: the granularity of holes. */
  readonly blockSize: number;
}

export class ImageFile {
  readonly path: string;
  readonly size: number;
  readonly stat: ImageFileStat;
  private fd: number | undefined;

  private constructor(path: string, fd: number, stat: ImageFileStat) {
    this.path = path;
    this.fd = fd;
    this.stat = stat;
    this.size = stat.size;
  }

  static open(path: string): ImageFile {
    let fd: number;
    try {
      fd = openChecked(path);
    } catch (err) {
      throw new ImageIoError(`Could not open '${path}': ${(err as Error).message}`, err);
    }
    try {
      const st = fstatSync(fd);
      refuseSpecial(st);
      // fstat gives a block device no size; its end does.
      const size = st.isBlockDevice() ? (endOffset(fd) ?? 0) : st.size;
      return new ImageFile(path, fd, { size, allocatedBytes: st.blocks * 512, dev: st.dev, ino: st.ino, blockSize: st.blksize || 4096 });
    } catch (err) {
      closeSync(fd);
      throw new ImageIoError(`Could not open '${path}': ${(err as Error).message}`, err);
    }
  }

  /**
   * Reads exactly `length` bytes at `offset`. Bytes beyond the end of the file read as zeros,
   * as qemu does; callers that must not accept that check `size` (through `bound`) first.
   */
  read(offset: number, length: number): Buffer {
    const buf = Buffer.alloc(length);
    this.readInto(buf, offset);
    return buf;
  }

  /** Fills `buf` from `offset`; the tail past the end of file is zeroed. */
  readInto(buf: Uint8Array, offset: number): void {
    const fd = this.requireFd();
    let done = 0;
    while (done < buf.length && offset + done < this.size) {
      let n: number;
      try {
        n = readSync(fd, buf, done, buf.length - done, offset + done);
      } catch (err) {
        throw new ImageIoError(`read of ${buf.length} bytes at ${offset} in '${this.path}' failed`, err);
      }
      if (n === 0) break;
      done += n;
    }
    if (done < buf.length) buf.fill(0, done);
  }

  /**
   * The extent of the file (data, or a hole the file system reports) that `offset` lies in, and
   * where it ends; undefined where the file system cannot tell. Past the end: one hole.
   */
  extentAt(offset: number): { data: boolean; end: number } | undefined {
    return extentAt(this.requireFd(), offset, this.size);
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private requireFd(): number {
    if (this.fd === undefined) throw new ImageIoError(`'${this.path}' is closed`, undefined);
    return this.fd;
  }
}

/**
 * Linux's O_PATH (Node's fs.constants leaves it out; other systems give the bit other meanings):
 * a descriptor that names a file without opening it, so no driver's open runs and a FIFO does
 * not wait for a writer.
 */
const O_PATH = 0o10000000;

/**
 * Opens `path` for reading only if it is a regular file or a block device. Opening a character
 * device or a FIFO can act (a watchdog device starts its timer, a tape rewinds, a FIFO's waiting
 * writer goes on), and a backing name is hostile input. The type is read from an O_PATH
 * descriptor and the file opened again through that descriptor (/proc/self/fd), so the file
 * checked is the file opened: checking the path and then opening it left a moment in which the
 * path could be swapped for a device. Off Linux, or without /proc, the path is checked and
 * opened, and the type checked again on the descriptor (ImageFile.open).
 */
function openChecked(path: string): number {
  if (process.platform !== 'linux') return openAfterCheck(path);
  // Every Linux that Node 20 runs on (4.18 and later) has O_PATH.
  const named = openSync(path, O_PATH);
  try {
    refuseSpecial(fstatSync(named));
    const reopened = `/proc/self/fd/${named}`;
    try {
      return openSync(reopened, OPEN_FLAGS);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw namingPath(err, reopened, path);
      return openAfterCheck(path);
    }
  } finally {
    closeSync(named);
  }
}

/** A failed reopen (EACCES: the O_PATH open needs no read permission) reported against the file, not /proc. */
function namingPath(err: unknown, reopened: string, path: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (typeof e.message !== 'string') return err;
  e.message = e.message.replace(`'${reopened}'`, `'${path}'`);
  if (e.path === reopened) e.path = path;
  return e;
}

function refuseSpecial(st: Stats): void {
  if (!st.isFile() && !st.isBlockDevice()) throw new Error('not a regular file or block device');
}

/** Without O_PATH or /proc: the path's type, then the path opened; a path that cannot be stat'ed is left to open(2) to report. */
function openAfterCheck(path: string): number {
  let st: Stats | undefined;
  try {
    st = statSync(path);
  } catch {
    // open(2) says why
  }
  if (st) refuseSpecial(st);
  return openSync(path, OPEN_FLAGS);
}

/**
 * Read-ahead for walks that visit many small tables in rising file order. When tables sit next to
 * each other (the previous miss was at most two tables back) one read fills a whole window and
 * the following tables cost no system call; when they are spread out (interleaved with data, as
 * in an image written front to back) each is read alone, since a window would drag the data
 * between them through memory. A returned view is valid until the next call.
 */
export class ReadWindow {
  private buf: Buffer;
  private start = 0;
  private length = 0;
  private lastMiss = -1;

  constructor(
    private readonly file: ImageFile,
    windowBytes = 1024 * 1024,
  ) {
    this.buf = Buffer.alloc(windowBytes);
  }

  view(offset: number, length: number): Buffer {
    // The window grows to twice the longest view asked for (2 MiB tables of 2 MiB clusters), once,
    // instead of a buffer allocated per view: tables that overlap, at every 512 bytes of a hostile
    // file, then share reads as small ones do.
    if (2 * length > this.buf.length) {
      this.buf = Buffer.alloc(2 * length);
      this.length = 0;
    }
    if (offset < this.start || offset + length > this.start + this.length) {
      const dense = this.lastMiss >= 0 && offset >= this.lastMiss && offset - this.lastMiss <= 2 * length;
      this.lastMiss = offset;
      this.start = offset;
      this.length = dense ? this.buf.length : length;
      this.file.readInto(this.buf.subarray(0, this.length), offset);
    }
    return this.buf.subarray(offset - this.start, offset - this.start + length);
  }
}
