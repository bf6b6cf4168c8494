/** What the fuzzer calls, gathered so the fuzzer itself stays about mutation. */
import { qcow2InfoJson } from '../../../src/image/info.js';
import type { Qcow2Image } from '../../../src/image/qcow2/open.js';

export {
  checkQcow2, closeImage, formatSnapshotList, guestLayerOf, GuestReader, ImageFile, isImageError, openImage, readPartitions, walkMap,
} from '../../../src/image/index.js';

export function qcow2InfoJsonFor(img: Qcow2Image): unknown {
  return qcow2InfoJson(img, img.file.path);
}
