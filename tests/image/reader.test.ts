/**
 * Guest data read through the inspector equals what `qemu-img convert -O raw` writes, for every
 * kind of cluster and through backing chains; partition tables are read through it.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { imageMapJson, openGuestReader, readPartitions, zstdAvailable } from '../../src/image/index.js';
import { zstdFrameLength } from '../../src/image/decompress.js';
import { writeGpt, writeMbrEntry } from './support/partition-builder.js';
import { qemuImg, qemuIo, TempDir } from './support/qemu.js';

async function assertSameAsConvert(dir: TempDir, name: string, options: Parameters<typeof openGuestReader>[1] = {}): Promise<void> {
  qemuImg(['convert', '-O', 'raw', name, `${name}.raw`], dir.path);
  const expected = readFileSync(dir.file(`${name}.raw`));
  const opened = await openGuestReader(dir.file(name), { format: 'qcow2', allowBacking: true, ...options });
  try {
    assert.equal(opened.reader.size, expected.length);
    // Odd-sized positioned reads that straddle cluster and table boundaries.
    for (let pos = 0; pos < expected.length; pos += 99_999) {
      const n = Math.min(77_777, expected.length - pos);
      assert.ok(opened.reader.read(pos, n).equals(expected.subarray(pos, pos + n)), `${name} at ${pos}`);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of opened.reader.stream(0, expected.length, 300_000)) chunks.push(chunk as Buffer);
    assert.ok(Buffer.concat(chunks).equals(expected), `${name}: stream`);
  } finally {
    opened.close();
  }
}

describe('guest data reader', function () {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
  });
  after(() => dir.remove());

  const cases: Array<[string, string[], string[]]> = [
    ['data, zero and compressed clusters', [], ['write -P 0x11 0 100k', 'write -z 64k 64k', 'write -c -P 0x22 1M 64k', 'write -c -P 0x23 1088k 64k', 'write -P 0x33 3M 5k']],
    ['512-byte clusters', ['-o', 'cluster_size=512'], ['write -P 0x44 0 70k', 'write -c -P 0x45 200k 512', 'write -z 10k 2k']],
    ['extended L2 subclusters', ['-o', 'extended_l2=on,cluster_size=64k'], ['write -P 0x55 2k 2k', 'write -z 64k 8k', 'write -P 0x56 66k 3k']],
    ['v2', ['-o', 'compat=0.10'], ['write -P 0x66 0 64k', 'write -c -P 0x67 128k 64k']],
  ];
  for (const [title, opts, io] of cases) {
    it(title, async () => {
      const name = `${title.replace(/[^a-z0-9]+/gi, '-')}.qcow2`;
      qemuImg(['create', '-q', '-f', 'qcow2', ...opts, name, '4M'], dir.path);
      qemuIo(name, io, 'qcow2', dir.path);
      await assertSameAsConvert(dir, name);
    });
  }

  it('through a backing chain (qcow2 over raw), a shorter backing file included', async () => {
    const base = Buffer.alloc(1024 * 1024, 0x77);
    writeFileSync(dir.file('base.raw'), base);
    qemuImg(['create', '-q', '-f', 'qcow2', '-b', 'base.raw', '-F', 'raw', 'mid.qcow2', '2M'], dir.path);
    qemuIo('mid.qcow2', ['write -P 0x88 512k 64k', 'write -z 0 4k'], 'qcow2', dir.path);
    qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'extended_l2=on', '-b', 'mid.qcow2', '-F', 'qcow2', 'top.qcow2', '3M'], dir.path);
    qemuIo('top.qcow2', ['write -P 0x99 8k 4k', 'write -z 520k 4k'], 'qcow2', dir.path);
    await assertSameAsConvert(dir, 'top.qcow2');
  });

  it('QCOW v1: map as qemu-img, data (compressed too) as qemu-img convert', async () => {
    qemuImg(['create', '-q', '-f', 'qcow', 'v1.qcow', '4M'], dir.path);
    qemuIo('v1.qcow', ['write -P 0x21 0 10k', 'write -P 0x22 1M 4k', 'write -c -P 0x23 2M 4k', 'write -c -P 0x24 2052k 4k'], 'qcow', dir.path);
    for (const name of ['v1.qcow']) {
      assert.equal(await imageMapJson(dir.file(name), { format: 'qcow' }), qemuImg(['map', '--output=json', '-f', 'qcow', name], dir.path), name);
      qemuImg(['convert', '-f', 'qcow', '-O', 'raw', name, `${name}.raw`], dir.path);
      const expected = readFileSync(dir.file(`${name}.raw`));
      const opened = await openGuestReader(dir.file(name), { format: 'qcow' });
      try {
        assert.ok(opened.reader.read(0, expected.length).equals(expected), name);
      } finally {
        opened.close();
      }
    }
  });

  it('external data file only when allowed', async () => {
    qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'data_file=ext.data', 'ext.qcow2', '1M'], dir.path);
    qemuIo('ext.qcow2', ['write -P 0x12 64k 64k'], 'qcow2', dir.path);
    await assert.rejects(openGuestReader(dir.file('ext.qcow2'), { format: 'qcow2' }), { code: 'IMAGE_BACKING_DENIED' });
    await assertSameAsConvert(dir, 'ext.qcow2', { allowDataFile: true });
  });

  it('zstd clusters: read (node:zlib on Node 22.15+, fzstd before), same bytes as qemu-img convert', async () => {
    qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'compression_type=zstd', 'z.qcow2', '1M'], dir.path);
    qemuIo('z.qcow2', ['write -c -P 0x31 0 64k', 'write -c -P 0x32 64k 64k', 'write -P 0x33 128k 64k'], 'qcow2', dir.path);
    assert.ok(zstdAvailable());
    await assertSameAsConvert(dir, 'z.qcow2');
  });

  it('zstd frames: measured from their headers; truncated or foreign data is refused', () => {
    // A frame of one raw block holding "abc": magic, descriptor (single segment, FCS 1 byte), FCS, block header.
    const frame = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x20, 3, (3 << 3) | 1, 0, 0, 0x61, 0x62, 0x63);
    assert.equal(zstdFrameLength(Uint8Array.of(...frame, 0xde, 0xad)), frame.length, 'trailing bytes of the next cluster are not part of it');
    assert.throws(() => zstdFrameLength(frame.subarray(0, 10)), /truncated zstd frame/);
    assert.throws(() => zstdFrameLength(Uint8Array.of(1, 2, 3, 4, 5, 6)), /not a zstd frame/);
  });

  it('partitions: MBR with logical partitions, in a compressed qcow2', async () => {
    const disk = Buffer.alloc(8 * 1024 * 1024);
    writeMbrEntry(disk, 0, 0, { type: 0x83, startLba: 2048, sectors: 4096, bootable: true });
    writeMbrEntry(disk, 0, 1, { type: 0x05, startLba: 6144, sectors: 8192 });
    writeMbrEntry(disk, 6144, 0, { type: 0x82, startLba: 63, sectors: 1000 });
    writeMbrEntry(disk, 6144, 1, { type: 0x05, startLba: 2048, sectors: 3000 });
    writeMbrEntry(disk, 6144 + 2048, 0, { type: 0x83, startLba: 63, sectors: 2000 });
    disk.writeUInt32LE(0xdeadbeef, 440);
    writeFileSync(dir.file('mbr.raw'), disk);
    qemuImg(['convert', '-c', '-f', 'raw', '-O', 'qcow2', 'mbr.raw', 'mbr.qcow2'], dir.path);
    const opened = await openGuestReader(dir.file('mbr.qcow2'), { format: 'qcow2' });
    try {
      const table = readPartitions(opened.reader);
      assert.equal(table.scheme, 'mbr');
      assert.equal(table.diskId, 'deadbeef');
      assert.deepEqual(table.partitions.map((p) => [p.number, p.start / 512, p.size / 512, p.type, p.bootable]), [
        [1, 2048, 4096, '83', true], [2, 6144, 8192, '05', false], [5, 6207, 1000, '82', false], [6, 8255, 2000, '83', false],
      ]);
      assert.deepEqual(table.problems, []);
    } finally {
      opened.close();
    }
  });

  it('partitions: GPT with CRCs checked', async () => {
    const disk = Buffer.alloc(4 * 1024 * 1024);
    writeGpt(disk, [
      { typeGuid: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', uniqueGuid: '11111111-2222-3333-4444-555555555555', firstLba: 2048, lastLba: 4095, name: 'EFI system' },
      { typeGuid: '0FC63DAF-8483-4772-8E79-3D69D8477DE4', uniqueGuid: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE', firstLba: 4096, lastLba: 8000, name: 'root' },
    ], '01234567-89AB-CDEF-0123-456789ABCDEF');
    writeFileSync(dir.file('gpt.raw'), disk);
    qemuImg(['convert', '-f', 'raw', '-O', 'qcow2', 'gpt.raw', 'gpt.qcow2'], dir.path);
    const opened = await openGuestReader(dir.file('gpt.qcow2'), { format: 'qcow2' });
    try {
      const table = readPartitions(opened.reader);
      assert.equal(table.scheme, 'gpt');
      assert.equal(table.diskId, '01234567-89AB-CDEF-0123-456789ABCDEF');
      assert.deepEqual(table.partitions.map((p) => [p.number, p.start, p.size, p.type, p.name, p.uuid]), [
        [1, 2048 * 512, 2048 * 512, 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', 'EFI system', '11111111-2222-3333-4444-555555555555'],
        [2, 4096 * 512, 3905 * 512, '0FC63DAF-8483-4772-8E79-3D69D8477DE4', 'root', 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE'],
      ]);
      assert.deepEqual(table.problems, []);
    } finally {
      opened.close();
    }
    // A flipped byte in the entry array is reported, not ignored.
    disk.writeUInt8((disk[2 * 512 + 60] ?? 0) ^ 0xff, 2 * 512 + 60);
    writeFileSync(dir.file('gpt-bad.raw'), disk);
    const bad = await openGuestReader(dir.file('gpt-bad.raw'), { format: 'raw' });
    try {
      assert.deepEqual(readPartitions(bad.reader).problems, ['GPT partition entry array CRC32 mismatch']);
    } finally {
      bad.close();
    }
  });
});
