// A backing-chain thread whose reads of images named "hang..." do not return, as on a hung NFS
// mount, until the thread is asked to stop (a hung mount coming back). Other images read as usual.
import { ImageFile } from '../../src/image/index.js';
import { stopAsked } from '../../src/sdk/engine/threads.js';
import '../../src/sdk/chain-worker.js';

const readInto = ImageFile.prototype.readInto;
const never = new Int32Array(new SharedArrayBuffer(4));

ImageFile.prototype.readInto = function (this: ImageFile, ...args: Parameters<typeof readInto>): ReturnType<typeof readInto> {
  if (/\/hang[^/]*$/.test(this.path)) while (!stopAsked()) Atomics.wait(never, 0, 0, 10);
  return readInto.apply(this, args);
};
