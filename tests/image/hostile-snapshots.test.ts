/**
 * Hostile snapshot tables: many snapshots claiming one huge L1 table, a snapshot count far over
 * qemu's maximum, L1 offsets no JS number holds, and ids and names longer than qemu lists. Each
 * image is made by qemu-img and then poked; qemu-img 7.2 is the reference for what opens and
 * for what is printed.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, readFileSync, truncateSync } from 'node:fs';
import {
  CHECK_MAX_L1_ENTRIES, ImageError, ImageLimitError, imageCheck, imageInfo, imageInfoJson, imageMapJson, imageSnapshots, snapshotsJson, snapshotsText,
} from '../../src/image/index.js';
import { snapshotEntry } from './support/qcow2-builder.js';
import { be32, be64, poke, qemuImg, qemuImgRun, snapshottedImage, TempDir } from './support/qemu.js';

const MiB = 1024 * 1024;

/** Points the header at `count` entries at `offset` (nb_snapshots and snapshots_offset). */
function pointSnapshotTable(path: string, count: number, offset: number): void {
  poke(path, 60, Buffer.concat([be32(count), be64(BigInt(offset))]));
}

/** Where the first snapshot entry of a qemu-made image is. */
const snapshotsOffset = (path: string): number => Number(readFileSync(path).readBigUInt64BE(64));

describe('hostile snapshot tables', function () {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
    snapshottedImage(dir, 'base.qcow2', ['one']);
  });
  after(() => dir.remove());

  it('2000 snapshots sharing one 32 MiB L1 table open without reading it', async () => {
    const name = 'shared-l1.qcow2';
    qemuImg(['create', '-q', '-f', 'qcow2', name, '64M'], dir.path);
    const l1Offset = 16 * MiB;
    // Sparse: the 4 Mi-entry table (all zero) lies inside the file.
    truncateSync(dir.file(name), l1Offset + 32 * MiB);
    const entry = snapshotEntry({ id: '', name: '', l1Offset: BigInt(l1Offset), l1Size: 4 * MiB });
    const count = 2000;
    poke(dir.file(name), 2 * MiB, Buffer.concat(Array.from({ length: count }, () => entry)));
    pointSnapshotTable(dir.file(name), count, 2 * MiB);
    const s = await imageSnapshots(dir.file(name), { format: 'qcow2' });
    assert.equal(s.snapshots.length, count);
    assert.ok(s.snapshots.every((sn) => sn.l1Problems.length === 0));
    const info = await imageInfo(dir.file(name), { format: 'qcow2', displayName: name });
    assert.deepEqual(info.findings[0], []);
    assert.equal(imageInfoJson(info), qemuImg(['info', '--output=json', name], dir.path));
  });

  describe('check over snapshots sharing one 32 MiB L1 table', () => {
    /** `count` snapshots whose L1 tables are one all-zero table of 4 Mi entries. */
    function sharedL1(name: string, count: number): string {
      qemuImg(['create', '-q', '-f', 'qcow2', name, '64M'], dir.path);
      const l1Offset = 16 * MiB;
      truncateSync(dir.file(name), l1Offset + 32 * MiB);
      const entry = snapshotEntry({ id: '', name: '', l1Offset: BigInt(l1Offset), l1Size: 4 * MiB });
      poke(dir.file(name), 2 * MiB, Buffer.concat(Array.from({ length: count }, () => entry)));
      pointSnapshotTable(dir.file(name), count, 2 * MiB);
      return dir.file(name);
    }

    it('15 of them: walked, with the JSON of qemu-img check', async () => {
      const path = sharedL1('l1-x15.qcow2', 15);
      const ours = await imageCheck(path, { format: 'qcow2', displayName: 'l1-x15.qcow2' });
      assert.equal(ours.json, qemuImgRun(['check', '--output=json', 'l1-x15.qcow2'], dir.path, 60_000).stdout);
    });

    it('2000 of them: refused before any is read, typed (qemu-img would read 64 GiB of L1 tables)', async () => {
      const path = sharedL1('l1-x2000.qcow2', 2000);
      await assert.rejects(imageCheck(path, { format: 'qcow2' }), (err) => {
        assert.ok(err instanceof ImageLimitError);
        assert.equal(err.observed, 1 + 2000 * 4 * MiB);
        assert.equal(err.limit, CHECK_MAX_L1_ENTRIES);
        assert.match(err.message, /^Check failed: the L1 tables of the image and its snapshots hold \d+ entries/);
        return true;
      });
    });
  });

  it('snapshot L1 entries are left to check, as qemu leaves them', async () => {
    const name = 'l1-reserved.qcow2';
    copyFileSync(dir.file('base.qcow2'), dir.file(name));
    const sn = (await imageSnapshots(dir.file(name), { format: 'qcow2' })).snapshots[0];
    assert.ok(sn !== undefined && sn.l1Size > 0);
    // Reserved bits 1-8 in the snapshot's first L1 entry: opening does not read the table.
    const l1Entry = readFileSync(dir.file(name)).readBigUInt64BE(sn.l1TableOffset);
    poke(dir.file(name), sn.l1TableOffset, be64(l1Entry | 0x1en));
    const reopened = await imageSnapshots(dir.file(name), { format: 'qcow2' });
    assert.deepEqual(reopened.snapshots[0]?.l1Problems, []);
    assert.deepEqual((await imageInfo(dir.file(name), { format: 'qcow2' })).findings[0], []);
    const check = await imageCheck(dir.file(name), { format: 'qcow2' });
    assert.ok(check.result.findings.some((f) => f.code === 'L1_RESERVED_BITS'), 'check walks the snapshot L1 table');
  });

  it('a lenient open reads at most 65536 entries of nb_snapshots 0xffffffff', async () => {
    const name = 'nb-max.qcow2';
    copyFileSync(dir.file('base.qcow2'), dir.file(name));
    // Zeros after the one real entry parse as empty entries: room for far more than 65536.
    truncateSync(dir.file(name), 80 * MiB);
    poke(dir.file(name), 60, be32(0xffffffff));
    const ref = qemuImgRun(['info', '-f', 'qcow2', name], dir.path);
    assert.notEqual(ref.status, 0);
    await assert.rejects(imageSnapshots(dir.file(name), { format: 'qcow2' }), { message: 'Snapshot table too large' });
    const s = await imageSnapshots(dir.file(name), { format: 'qcow2', lenient: true });
    assert.equal(s.snapshots.length, 65536);
    assert.equal(s.snapshots[0]?.name, 'one');
  });

  for (const offset of [2n ** 53n, 0x7fffffffffff0000n]) {
    it(`a snapshot L1 offset of 0x${offset.toString(16)} is a problem of that snapshot, not of the image`, async () => {
      const name = `l1-${offset.toString(16)}.qcow2`;
      copyFileSync(dir.file('base.qcow2'), dir.file(name));
      poke(dir.file(name), snapshotsOffset(dir.file(name)), be64(offset));
      assert.equal(qemuImgRun(['info', '-f', 'qcow2', name], dir.path).status, 0, 'qemu opens it');
      const info = await imageInfo(dir.file(name), { format: 'qcow2', displayName: name });
      assert.equal(imageInfoJson(info), qemuImg(['info', '--output=json', name], dir.path));
      assert.deepEqual(info.findings[0]?.map((f) => f.code), ['SNAPSHOT_L1_INVALID']);
      assert.equal(await imageMapJson(dir.file(name), { format: 'qcow2' }), qemuImg(['map', '--output=json', name], dir.path));
      const sn = (await imageSnapshots(dir.file(name), { format: 'qcow2' })).snapshots[0];
      assert.equal(sn?.l1TableOffset, -1);
      assert.deepEqual(sn?.l1Problems, [`Snapshot L1 table offset 0x${offset.toString(16)} is at or above 2^53 and cannot be used safely`]);
      // check prints what qemu-img check prints for it, the offset in full; where qemu's read of
      // the table fails (past its largest request), the check fails as qemu's does.
      const ref = qemuImgRun(['check', '--output=json', name], dir.path);
      if (ref.status === 1) {
        const lines = ref.stderr.trim().split('\n');
        const failure = lines.pop()?.replace(/^qemu-img: /, '');
        assert.equal(failure, 'Check failed: Input/output error');
        // The problems found before the failure come with it, as qemu-img prints them first.
        await assert.rejects(imageCheck(dir.file(name), { format: 'qcow2', displayName: name }),
          (e: ImageError) => e.message === failure && JSON.stringify(e.problemLines) === JSON.stringify(lines));
        return;
      }
      const ours = await imageCheck(dir.file(name), { format: 'qcow2', displayName: name });
      assert.equal(ours.stderr, ref.stderr);
      assert.equal(ours.json, ref.stdout);
      assert.equal(ours.exitCode, ref.status);
    });
  }

  describe('ids and names longer than qemu lists', function () {
    const long = 'long-names.qcow2';
    before(() => {
      copyFileSync(dir.file('base.qcow2'), dir.file(long));
      const first = snapshotsOffset(dir.file(long));
      const l1Offset = readFileSync(dir.file(long)).readBigUInt64BE(first);
      // Cut inside a character (127 and 255 fall in the middle of a 2-byte é), invalid bytes
      // (each one byte in qemu's output), and a short invalid name padded by its bytes.
      const entries = Buffer.concat([
        snapshotEntry({ id: 'é'.repeat(100), name: 'é'.repeat(200), l1Offset, l1Size: 1 }),
        snapshotEntry({ id: Buffer.alloc(300, 0xff), name: Buffer.alloc(300, 0xff), l1Offset, l1Size: 1 }),
        snapshotEntry({ id: Buffer.from([0xe2, 0x98]), name: Buffer.from([0x61, 0xff, 0x62]), l1Offset, l1Size: 1 }),
      ]);
      const at = 1 * MiB;
      truncateSync(dir.file(long), at + entries.length);
      poke(dir.file(long), at, entries);
      pointSnapshotTable(dir.file(long), 3, at);
    });

    it('info --output=json cuts ids at 127 bytes and names at 255, then decodes', async () => {
      const info = await imageInfo(dir.file(long), { format: 'qcow2', displayName: long });
      assert.equal(imageInfoJson(info), qemuImg(['info', '--output=json', long], dir.path));
    });

    it('snapshot -l prints the same prefixes, padded by their bytes', async () => {
      const s = await imageSnapshots(dir.file(long), { format: 'qcow2' });
      // qemu prints the raw bytes; read as UTF-8 they are what we print.
      assert.equal(snapshotsText(s), qemuImg(['snapshot', '-l', long], dir.path));
    });

    it('the whole id and name stay available', async () => {
      const [sn] = (await imageSnapshots(dir.file(long), { format: 'qcow2' })).snapshots;
      assert.equal(sn?.id, 'é'.repeat(100));
      assert.equal(sn?.name, 'é'.repeat(200));
      assert.equal(JSON.parse(snapshotsJson({ snapshots: sn ? [sn] : [], listedByQemu: true }))[0].name, `${'é'.repeat(127)}\uFFFD`);
    });
  });
});
