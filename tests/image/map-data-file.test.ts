/**
 * Human `map` of an image with an external data file names the data file, where the offsets
 * are, as qemu-img map does (standard and data_file_raw images).
 */
import { strict as assert } from 'node:assert';
import { runCli } from './support/cli-run.js';
import { qemuImg, qemuIo, TempDir } from './support/qemu.js';

describe('map with an external data file', function () {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
    qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'data_file=ext.data', 'df.qcow2', '16M'], dir.path);
    qemuIo('df.qcow2', ['write -P 5 1M 1M'], 'qcow2', dir.path);
    qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'data_file=raw.data,data_file_raw=on', 'dfr.qcow2', '16M'], dir.path);
    qemuIo('dfr.qcow2', ['write -P 5 1M 1M'], 'qcow2', dir.path);
  });
  after(() => dir.remove());

  for (const name of ['df.qcow2', 'dfr.qcow2']) {
    it(`${name}: the File column is the data file, as in qemu-img map`, async () => {
      const ours = await runCli(['map', name], dir.path);
      assert.equal(ours.code, 0, ours.stderr);
      assert.equal(ours.stdout, qemuImg(['map', name], dir.path));
      assert.match(ours.stdout, /\.data\n$/);
    });
  }

  it('the data file is named relative to the image, as backing files are', async () => {
    const ours = await runCli(['map', `${dir.path}/df.qcow2`], '/');
    assert.match(ours.stdout, new RegExp(`^0x100000 +0x100000 +0x100000 +${dir.path}/ext\\.data$`, 'm'));
  });
});
