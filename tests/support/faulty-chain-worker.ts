// A backing-chain thread whose reads fail as a bug of the reading code would (a RangeError from
// a buffer; a ReferenceError for an image whose name says so), to check that such faults are
// thrown to the caller, not reported as a disk's error.
import { ImageFile } from '../../src/image/index.js';
import '../../src/sdk/chain-worker.js';

ImageFile.prototype.readInto = function (this: ImageFile): void {
  if (this.path.includes('reference-error')) throw new ReferenceError('layer is not defined');
  throw Object.assign(new RangeError('The value of "offset" is out of range.'), { code: 'ERR_OUT_OF_RANGE' });
};
