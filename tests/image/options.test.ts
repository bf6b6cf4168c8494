/**
 * The image API refuses options it does not have and format names that are no format, before it
 * opens anything: a misspelt option would otherwise be ignored and the call do something else
 * than asked (`backingchain` lists one image, not the chain).
 */
import { strict as assert } from 'node:assert';
import {
  imageCheck, imageInfo, imageMap, imageMapJson, imageSnapshots, isImageError, openGuestReader, openImage, writeImageMapJson,
} from '../../src/image/index.js';
import { qemuImg, TempDir } from './support/qemu.js';

function optionError(pattern: RegExp): (err: unknown) => boolean {
  return (err) => isImageError(err) && err.code === 'IMAGE_OPTION' && err.name === 'ImageOptionError' && pattern.test(err.message);
}

describe('image API options', function () {
  let dir: TempDir;
  let base: string;
  let top: string;
  before(() => {
    dir = new TempDir();
    base = dir.file('base.qcow2');
    top = dir.file('top.qcow2');
    qemuImg(['create', '-q', '-f', 'qcow2', base, '1M']);
    qemuImg(['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', top]);
  });
  after(() => dir.remove());

  it('refuses a misspelt option of each call, naming it and the known ones', async () => {
    const bad = { backingchain: true } as never;
    await assert.rejects(imageInfo(top, bad), optionError(/^imageInfo: unknown option 'backingchain' \(known: .*backingChain/));
    await assert.rejects(imageCheck(top, bad), optionError(/^imageCheck: unknown option 'backingchain'/));
    await assert.rejects(imageMap(top, bad), optionError(/^imageMap: unknown option 'backingchain'/));
    await assert.rejects(imageMapJson(top, bad), optionError(/^imageMap: unknown option/));
    await assert.rejects(writeImageMapJson(top, () => undefined, bad), optionError(/^imageMap: unknown option/));
    await assert.rejects(openGuestReader(top, bad), optionError(/^openGuestReader: unknown option 'backingchain'/));
    await assert.rejects(imageSnapshots(top, bad), optionError(/^imageSnapshots: unknown option 'backingchain'/));
  });

  it('refuses a format name that is no format, as such, before opening the file', async () => {
    const missing = dir.file('does-not-exist.qcow2');
    await assert.rejects(imageInfo(missing, { format: 'qcow3' as never }), optionError(/^imageInfo: unknown format 'qcow3' \(known: probe, raw, qcow, qcow2,/));
    assert.throws(() => openImage(missing, 'qcow3' as never), optionError(/^openImage: unknown format 'qcow3'/));
    await assert.rejects(imageCheck(top, { format: 7 as never }), optionError(/unknown format 7/));
  });

  it('still tells a known format it does not read from one that does not exist', async () => {
    await assert.rejects(imageInfo(top, { format: 'vmdk' }), (err) => isImageError(err) && err.code === 'IMAGE_UNSUPPORTED');
  });

  it('refuses options that are not an object', async () => {
    await assert.rejects(imageInfo(top, 5 as never), optionError(/options must be an object, got number/));
    await assert.rejects(imageSnapshots(top, null as never), optionError(/got null/));
  });

  it('takes the options a call has', async () => {
    const info = await imageInfo(top, { format: 'qcow2', backingChain: true, allowBacking: true, displayName: 'top', lenient: false });
    assert.deepEqual(info.images.map((i) => i.format), ['qcow2', 'qcow2']);
    const check = await imageCheck(top, { displayName: 'top', lenient: false });
    assert.equal(check.exitCode, 0);
  });
});
