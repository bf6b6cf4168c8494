// A backing-chain thread whose reads of images named "hang..." never return, as on a hung NFS
// mount: the thread blocks until it is terminated. Other images read as usual.
import { ImageFile } from '../../src/image/index.js';
import '../../src/sdk/chain-worker.js';

const readInto = ImageFile.prototype.readInto;
const never = new Int32Array(new SharedArrayBuffer(4));

ImageFile.prototype.readInto = function (this: ImageFile, ...args: Parameters<typeof readInto>): ReturnType<typeof readInto> {
  if (/\/hang[^/]*$/.test(this.path)) Atomics.wait(never, 0, 0);
  return readInto.apply(this, args);
};
