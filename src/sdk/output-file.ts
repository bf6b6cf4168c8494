// A file that appears complete or not at all. Without `force` it is created exclusively: an
// existing file is an EEXIST error before anything is transferred, and a failure removes what
// was written. With `force` the bytes go to a temporary file beside it, renamed over the old
// one only on success, so a failed transfer leaves the old file as it was. Only a regular file
// is replaced, keeping its permissions: a directory, device, FIFO, socket or symbolic link at
// `path` is refused before anything is transferred (a rename would put a plain file in its
// place), with or without `force`, by what it is rather than as an EEXIST that `force` would not cure.
import type { Stats } from 'node:fs';
import { lstat, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tsvirtError, VIR_ERR_INVALID_ARG } from '../ffi/index.js';

export interface OutputFile {
  fh: FileHandle;
  /** Closes the file and puts it in place. */
  commit(): Promise<void>;
  /** Closes and removes what was written; never throws. */
  discard(): Promise<void>;
}

export async function createOutputFile(path: string, force: boolean): Promise<OutputFile> {
  const old = force ? await replaceable(path) : null;
  const target = force ? join(dirname(path), `.${basename(path)}.tsvirt-${process.pid}-${randomBytes(4).toString('hex')}.part`) : path;
  const fh = await open(target, 'wx', old ? old.mode & 0o7777 : 0o666).catch(async (err: unknown) => {
    // An exclusive open fails with EEXIST whatever is there: say what, when --force would not replace it either.
    if (target === path && (err as NodeJS.ErrnoException).code === 'EEXIST') await replaceable(path);
    throw namingPath(err, path, target);
  });
  if (old) {
    // The replacement has the old file's permissions (and owner, where allowed); not the umask's.
    await fh.chmod(old.mode & 0o7777);
    await fh.chown(old.uid, old.gid).catch(() => undefined);
  }
  return {
    fh,
    commit: async () => {
      await fh.close();
      if (target !== path) await rename(target, path);
    },
    discard: async () => {
      await fh.close().catch(() => undefined);
      await unlink(target).catch(() => undefined);
    },
  };
}

/** An error about the temporary file, told about the file the caller named (Node's fields kept). */
function namingPath(err: unknown, path: string, target: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (target === path || typeof e.code !== 'string') return err;
  return Object.assign(new Error(`${e.code}: cannot write ${path} (through a temporary file beside it, which --force needs): ${e.message}`),
    { code: e.code, errno: e.errno, syscall: e.syscall, path });
}

/**
 * What is at `path`, if it may be replaced: nothing (null) or a regular file. Anything else is
 * an error saying what it is, with or without `force`.
 */
async function replaceable(path: string): Promise<Stats | null> {
  let st: Stats;
  try {
    st = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (st.isFile()) return st;
  const kind = st.isDirectory() ? 'a directory' : st.isSymbolicLink() ? 'a symbolic link (name the file it points to)'
    : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'a device';
  throw tsvirtError(VIR_ERR_INVALID_ARG, 'output file', `${path} is ${kind}, not a regular file: it is not replaced`);
}

/** Runs `body` on a new output file, committed if it succeeds and discarded if it fails. */
export async function withOutputFile<T>(path: string, force: boolean, body: (fh: FileHandle) => Promise<T>): Promise<T> {
  const out = await createOutputFile(path, force);
  try {
    const result = await body(out.fh);
    await out.commit();
    return result;
  } catch (err) {
    await out.discard();
    throw err;
  }
}
