// How much of its files the inspector reads: the bound the hostile-image tests check, where
// reading a whole table (or a whole sparse file) is what they guard against.
import { ImageFile } from '../../../src/image/index.js';
import { withPatched } from '../../support/with-patched.js';

/** Runs `use` counting the bytes the inspector reads from files meanwhile. */
export async function bytesReadDuring(use: () => Promise<unknown>): Promise<number> {
  let bytes = 0;
  await withPatched(ImageFile.prototype, 'readInto', (original) => function (this: ImageFile, buf: Uint8Array, offset: number): void {
    bytes += buf.length;
    original.call(this, buf, offset);
  }, use);
  return bytes;
}
