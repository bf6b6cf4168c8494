// For the tests that stop a thread while it loads: a worker module calls markLoaded() once its
// imports are done, which writes the file TSVIRT_TEST_LOADED_MARKER names (when set, as the
// thread inherits it from its owner). The file's existence after the thread ended says the thread
// finished loading rather than being terminated part-way.
import { writeFileSync } from 'node:fs';

export function markLoaded(): void {
  const file = process.env['TSVIRT_TEST_LOADED_MARKER'];
  if (file) writeFileSync(file, 'loaded\n');
}

/** Runs `fn` with TSVIRT_TEST_LOADED_MARKER set to `file` for the threads it starts. */
export async function withLoadedMarker<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env['TSVIRT_TEST_LOADED_MARKER'];
  process.env['TSVIRT_TEST_LOADED_MARKER'] = file;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env['TSVIRT_TEST_LOADED_MARKER'];
    else process.env['TSVIRT_TEST_LOADED_MARKER'] = before;
  }
}
