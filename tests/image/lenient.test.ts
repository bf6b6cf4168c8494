/**
 * Lenient mode: a damaged image is inspected as far as it can be, each problem a finding with a
 * stable code; strict mode refuses the same image with qemu's message. Warnings about what qemu
 * tolerates come in both modes.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, readFileSync } from 'node:fs';
import { checkFindings, imageCheck, imageInfo, imageSnapshots } from '../../src/image/index.js';
import { be32, be64, poke, qemuImgRun, snapshottedImage, TempDir } from './support/qemu.js';

describe('lenient inspection and findings', function () {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
    snapshottedImage(dir, 'base.qcow2', ['one', 'two']);
  });
  after(() => dir.remove());

  it('a snapshot table pointing past the end of the file', async () => {
    copyFileSync(dir.file('base.qcow2'), dir.file('snap-eof.qcow2'));
    poke(dir.file('snap-eof.qcow2'), 64, be64(0x40000000n));
    await assert.rejects(imageInfo(dir.file('snap-eof.qcow2'), { format: 'qcow2' }), { code: 'IMAGE_LIMIT' });
    const info = await imageInfo(dir.file('snap-eof.qcow2'), { format: 'qcow2', lenient: true });
    assert.equal(info.images[0]?.snapshots, undefined);
    assert.deepEqual(info.findings[0]?.map((f) => f.code), ['SNAPSHOT_TABLE_INVALID']);
  });

  it('a lenient check counts what the open skipped as errors, and does not call the leaks harmless', async () => {
    const name = 'snap-extra.qcow2';
    copyFileSync(dir.file('base.qcow2'), dir.file(name));
    const snapshotsOffset = Number(readFileSync(dir.file(name)).readBigUInt64BE(64));
    poke(dir.file(name), snapshotsOffset + 36, be32(5000)); // extra_data_size of entry 0 over qemu's 1 KiB
    // qemu-img check cannot read the table either, and gives up (rc 1); tsvirt refuses it too.
    const ref = qemuImgRun(['check', name], dir.path);
    assert.equal(ref.status, 1);
    assert.match(ref.stderr, /Too much extra metadata in snapshot table entry 0/);
    await assert.rejects(imageCheck(dir.file(name), { format: 'qcow2' }), { message: 'Too much extra metadata in snapshot table entry 0' });
    // A lenient check goes on without the table: corrupt (2), never "leaks only" (3).
    const check = await imageCheck(dir.file(name), { format: 'qcow2', lenient: true });
    assert.deepEqual(check.openFindings.map((f) => f.code), ['SNAPSHOT_TABLE_INVALID']);
    assert.equal(check.exitCode, 2);
    assert.equal(check.result.corruptions, 1);
    assert.ok(check.result.leaks > 0, 'the clusters of the unread snapshots are unreferenced');
    assert.match(check.stderr, /^ERROR Too much extra metadata in snapshot table entry 0$/m);
    assert.match(check.stderr, /^Leak count unreliable: the snapshot table could not be read in full/m);
    assert.match(check.human, /^1 errors were found on the image\.$/m);
    assert.match(check.human, /^This count is unreliable: the snapshot table could not be read in full/m);
    assert.doesNotMatch(check.human, /no harm to data/);
    assert.equal((JSON.parse(check.json) as { corruptions?: number }).corruptions, 1);
    // Each finding once: the open's error is listed as the check's ERROR line.
    assert.deepEqual(checkFindings(check).filter((f) => f.code === 'SNAPSHOT_TABLE_INVALID').map((f) => f.message.slice(0, 6)), ['ERROR ']);
    // A lenient check of a sound image is unchanged.
    const sound = await imageCheck(dir.file('base.qcow2'), { format: 'qcow2', lenient: true });
    assert.equal(sound.exitCode, 0);
    assert.equal(sound.human, qemuImgRun(['check', 'base.qcow2'], dir.path).stdout);
  });

  it('a snapshot whose L1 table is misaligned is listed, with a finding', async () => {
    copyFileSync(dir.file('base.qcow2'), dir.file('snap-l1.qcow2'));
    const snapshotsOffset = Number(readFileSync(dir.file('snap-l1.qcow2')).readBigUInt64BE(64));
    poke(dir.file('snap-l1.qcow2'), snapshotsOffset, be64(BigInt(snapshotsOffset) + 8n));
    const s = await imageSnapshots(dir.file('snap-l1.qcow2'), { format: 'qcow2' });
    assert.equal(s.snapshots.length, 2);
    assert.deepEqual(s.snapshots[0]?.l1Problems, ['Snapshot L1 table offset invalid']);
    const info = await imageInfo(dir.file('snap-l1.qcow2'), { format: 'qcow2' });
    assert.deepEqual(info.findings[0]?.map((f) => f.code), ['SNAPSHOT_L1_INVALID']);
  });

  it('an extension running past the cluster, and an unknown incompatible bit', async () => {
    copyFileSync(dir.file('base.qcow2'), dir.file('ext.qcow2'));
    poke(dir.file('ext.qcow2'), 116, be32(0x7fffffff));
    poke(dir.file('ext.qcow2'), 72, be64(1n << 20n));
    await assert.rejects(imageInfo(dir.file('ext.qcow2'), { format: 'qcow2' }), { message: 'Unsupported qcow2 feature(s): Unknown incompatible feature: 100000' });
    const info = await imageInfo(dir.file('ext.qcow2'), { format: 'qcow2', lenient: true });
    assert.deepEqual(info.findings[0]?.map((f) => [f.code, f.message]), [
      ['UNSUPPORTED_FEATURE', 'Unsupported qcow2 feature(s): Unknown incompatible feature: 100000'],
      ['HEADER_EXTENSION_INVALID', 'Header extension too large'],
    ]);
    assert.equal(info.images[0]?.['virtual-size'], 4 * 1024 * 1024);
  });

  it('warnings for what qemu tolerates: unknown extension and feature bits, odd header_length', async () => {
    copyFileSync(dir.file('base.qcow2'), dir.file('warn.qcow2'));
    poke(dir.file('warn.qcow2'), 80, be64(1n << 9n));
    poke(dir.file('warn.qcow2'), 100, be32(105));
    const info = await imageInfo(dir.file('warn.qcow2'), { format: 'qcow2' });
    const codes = info.findings[0]?.map((f) => f.code) ?? [];
    assert.ok(codes.includes('HEADER_LENGTH_UNALIGNED'), codes.join());
    assert.ok(codes.includes('UNKNOWN_FEATURE_BIT'), codes.join());
  });
});
