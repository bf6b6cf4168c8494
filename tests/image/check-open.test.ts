/**
 * `check` opens an image as qemu-img check does (BDRV_O_CHECK): no refcount table, and tables
 * past the end of the file (read as zeros), are diagnosed with qemu's errors and exit code 2
 * instead of failing to open (exit 1).
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, readFileSync } from 'node:fs';
import { imageCheck, imageInfo } from '../../src/image/index.js';
import { be32, be64, poke, qemuImg, qemuImgRun, qemuIo, TempDir } from './support/qemu.js';

describe('check opens what qemu-img check opens', function () {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
    qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'cluster_size=4k', 'base.qcow2', '16M'], dir.path);
    qemuIo('base.qcow2', ['write -P 1 0 64k'], 'qcow2', dir.path);
    qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'cluster_size=4k', 'snap.qcow2', '16M'], dir.path);
    qemuIo('snap.qcow2', ['write -P 1 0 64k'], 'qcow2', dir.path);
    qemuImg(['snapshot', '-c', 's1', 'snap.qcow2'], dir.path);
    qemuIo('snap.qcow2', ['write -P 2 0 8k'], 'qcow2', dir.path);
    qemuImg(['snapshot', '-c', 's2', 'snap.qcow2'], dir.path);
  });
  after(() => dir.remove());

  const cases: Array<[string, string, number, Buffer]> = [
    ['refcount_table_clusters 0', 'base.qcow2', 56, be32(0)],
    ['a refcount table past the end', 'base.qcow2', 48, be64(0x10000000n)],
    ['an active L1 table past the end', 'base.qcow2', 40, be64(0x10000000n)],
    ['a snapshot table past the end (its entries read as zeros: incomplete)', 'snap.qcow2', 64, be64(0x1000000n)],
  ];
  for (const [label, from, at, bytes] of cases) {
    it(`${label}: qemu-img check's errors, counts and exit code`, async () => {
      const name = `${label.split(' ').slice(0, 3).join('-')}.qcow2`;
      copyFileSync(dir.file(from), dir.file(name));
      poke(dir.file(name), at, bytes);
      const ref = qemuImgRun(['check', name], dir.path);
      assert.equal(ref.status, 2, ref.stderr);
      const ours = await imageCheck(dir.file(name), { format: 'qcow2', displayName: name });
      assert.equal(ours.exitCode, 2);
      assert.equal(ours.human, ref.stdout);
      assert.equal(ours.stderr, ref.stderr);
      assert.equal(ours.json, qemuImgRun(['check', '--output=json', name], dir.path).stdout);
      // Only check opens it so: info still refuses tables that are not in the file (README).
      await assert.rejects(imageInfo(dir.file(name), { format: 'qcow2' }));
    });
  }

  it('the tables read as zeros are bounded by qemu\'s limits all the same', async () => {
    copyFileSync(dir.file('base.qcow2'), dir.file('big-rt.qcow2'));
    poke(dir.file('big-rt.qcow2'), 56, be32(0x10000)); // 64 Ki clusters of refcount table: 256 MiB
    await assert.rejects(imageCheck(dir.file('big-rt.qcow2'), { format: 'qcow2' }), { message: 'Reference count table too large' });
    assert.match(qemuImgRun(['check', 'big-rt.qcow2'], dir.path).stderr, /Reference count table too large/);
    assert.ok(readFileSync(dir.file('big-rt.qcow2')).length < 1024 * 1024);
  });
});
