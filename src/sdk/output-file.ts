// A file that appears complete or not at all. Without `force` it is created exclusively: an
// existing file is an EEXIST error before anything is transferred, and a failure removes what
// was written. With `force` the bytes go to a temporary file beside it, renamed over the old
// one only on success, so a failed transfer leaves the old file as it was.
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface OutputFile {
  fh: FileHandle;
  /** Closes the file and puts it in place. */
  commit(): Promise<void>;
  /** Closes and removes what was written; never throws. */
  discard(): Promise<void>;
}

export async function createOutputFile(path: string, force: boolean): Promise<OutputFile> {
  const target = force ? join(dirname(path), `.${basename(path)}.tsvirt-${process.pid}-${randomBytes(4).toString('hex')}.part`) : path;
  const fh = await open(target, 'wx');
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
