/**
 * Parser units on builder-made images and inline malformed bytes: snapshot table layout and
 * extra data, feature names, extensions, the bound check, size and JSON formatting.
 */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import {
  bound, cFixed2, detectFromBytes, formatSnapshotList, ImageFile, ImageLimitError, imageInfo, imageInfoJson, openQcow2,
  qemuJsonPretty, qemuJsonString, qemuSizeToStr,
} from '../../src/image/index.js';
import { extraData, Qcow2Builder, snapshotEntry } from './support/qcow2-builder.js';
import { TempDir } from './support/qemu.js';

describe('image parser units', function () {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
  });
  after(() => dir.remove());

  function open(name: string, b: Qcow2Builder): ReturnType<typeof openQcow2> {
    writeFileSync(dir.file(name), b.buf);
    return openQcow2(ImageFile.open(dir.file(name)));
  }

  it('snapshot entries: 8-byte alignment, extra data, unknown extra bytes, invalid UTF-8, NUL in names', () => {
    const b = new Qcow2Builder(8);
    const entries = Buffer.concat([
      snapshotEntry({ id: '1', name: 'odd-length-name', l1Offset: 3n * 65536n, l1Size: 1, dateSec: 1700000000, vmClockNsec: 3_723_004_000_000n, extra: extraData(5000n, 2097152n, 42n) }),
      snapshotEntry({ id: '2', name: Buffer.from([0x61, 0xff, 0x62]), extra: extraData(0n, 1048576n, -1n, Buffer.from('abcdef')), l1Offset: 3n * 65536n, l1Size: 1 }),
      snapshotEntry({ id: '3', name: Buffer.from('cut\0hidden'), vmStateSize32: 1234, l1Offset: 3n * 65536n + 8n, l1Size: 1 }),
    ]);
    entries.copy(b.buf, 4 * 65536);
    b.header({ nbSnapshots: 3, snapshotsOffset: 4n * 65536n });
    const img = open('snaps.qcow2', b);
    const [s1, s2, s3] = img.snapshots;
    assert.equal(s1?.name, 'odd-length-name');
    assert.equal(s1?.vmStateSize, 5000);
    assert.equal(s1?.diskSize, 2097152);
    assert.equal(s1?.icount, 42n);
    assert.deepEqual(s1?.l1Problems, []);
    assert.equal(s2?.name, 'a\uFFFDb');
    assert.equal(s2?.icount, undefined);
    assert.equal(s2?.unknownExtraData, Buffer.from('abcdef').toString('hex'));
    assert.equal(s3?.name, 'cut');
    assert.equal(s3?.vmStateSize, 1234, 'without extra data the 32-bit field counts');
    assert.equal(s3?.diskSize, 1048576, 'without extra data the disk size is the current one');
    assert.deepEqual(s3?.l1Problems, ['Snapshot L1 table offset invalid']);
    // qemu's snapshots_size stops at the last entry's name: its padding is not counted.
    assert.equal(img.snapshotTableBytes, entries.length - 5);
    assert.equal(qemuJsonString(s2?.name ?? ''), '"a\\uFFFDb"');
    const text = formatSnapshotList(img.snapshots);
    assert.match(text.split('\n')[2] ?? '', /^1 {9}odd-length-name  4.88 KiB \d{4}-\d\d-\d\d \d\d:\d\d:\d\d 01:02:03.004 {9}42$/);
  });

  it('snapshot table limits: extra data over 1 KiB, entries beyond the file', () => {
    const b = new Qcow2Builder(6);
    snapshotEntry({ id: '1', name: 'x', extra: Buffer.alloc(1025) }).copy(b.buf, 4 * 65536);
    b.header({ nbSnapshots: 1, snapshotsOffset: 4n * 65536n });
    assert.throws(() => open('extra.qcow2', b), { message: 'Too much extra metadata in snapshot table entry 0' });
    b.header({ nbSnapshots: 2, snapshotsOffset: 5n * 65536n });
    snapshotEntry({ id: '1', name: 'x' }).copy(b.buf, 5 * 65536);
    b.buf.fill(0xff, 5 * 65536 + 48, 6 * 65536);
    assert.throws(() => open('beyond.qcow2', b), (err: unknown) => err instanceof ImageLimitError);
  });

  it("feature names: the image's table first, unknown bits by number", () => {
    const table = Buffer.alloc(48 * 2);
    table[0] = 1; table[1] = 0; table.write('my lazy name', 2);
    table[48] = 0; table[49] = 9; table.write('future incompat', 50);
    const b = new Qcow2Builder(5).extensions([{ type: 0x6803f857, data: table }]);
    b.header({ compatible: 1n | (1n << 7n), autoclear: 1n << 40n });
    const img = open('features.qcow2', b);
    assert.deepEqual(img.features.compatible, [{ bit: 0, name: 'my lazy name', source: 'image' }, { bit: 7, name: undefined, source: 'unknown' }]);
    assert.deepEqual(img.features.autoclear, [{ bit: 40, name: undefined, source: 'unknown' }]);
    b.header({ incompatible: (1n << 9n) | (1n << 12n) });
    assert.throws(() => open('incompat.qcow2', b), { message: 'Unsupported qcow2 feature(s): future incompat, Unknown incompatible feature: 1000' });
  });

  it('extensions: unknown ones are kept with type and length, backing format bounded', () => {
    const b = new Qcow2Builder(5).extensions([
      { type: 0x12345678, data: Buffer.alloc(13, 1) },
      { type: 0xe2792aca, data: Buffer.from('qcow2') },
    ]);
    const img = open('ext.qcow2', b);
    assert.deepEqual(img.extensions.unknown.map((e) => [e.type, e.length, e.offset]), [[0x12345678, 13, 120]]);
    assert.equal(img.extensions.backingFormat, 'qcow2');
    b.extensions([{ type: 0xe2792aca, data: Buffer.from('a-format-name-too-long') }]);
    assert.throws(() => open('ext2.qcow2', b), { message: 'ERROR: ext_backing_format: len=22 too large (>=16)' });
  });

  it('backing names are plain paths: json: and protocol names are not interpreted', async () => {
    const b = new Qcow2Builder(5);
    const name = 'json:{"driver":"file","filename":"/etc/passwd"}';
    b.buf.write(name, 1024);
    b.header({ backingFileOffset: 1024n, backingFileSize: name.length });
    writeFileSync(dir.file('json.qcow2'), b.buf);
    const info = await imageInfo(dir.file('json.qcow2'), { format: 'qcow2', displayName: 'json.qcow2' });
    assert.equal(info.images[0]?.['backing-filename'], name);
    await assert.rejects(
      imageInfo(dir.file('json.qcow2'), { format: 'qcow2', backingChain: true, allowBacking: true }),
      (err: Error & { code?: string }) => err.code === 'IMAGE_BACKING_DENIED' || err.code === 'IMAGE_IO',
    );
    assert.match(imageInfoJson(info), /"backing-filename": "json:\{\\"driver\\"/);
  });

  it('the bound check names the thing, the value and the limit, before anything is read', () => {
    assert.throws(() => bound({ what: 'active L1 table', count: 5_000_000, entryBytes: 8, limitBytes: 32 * 1024 * 1024 }),
      (e: unknown) => e instanceof ImageLimitError && e.what === 'active L1 table' && e.observed === 40_000_000 && e.limit === 33554432 && e.unit === 'bytes');
    assert.throws(() => bound({ what: 't', count: 10, limitBytes: 100, offset: 95, fileSize: 100 }), (e: unknown) => e instanceof ImageLimitError && e.limit === 100);
    assert.throws(() => bound({ what: 't', count: -1, limitBytes: 100 }), ImageLimitError);
    assert.deepEqual(bound({ what: 't', count: 10, limitBytes: 100, offset: 90, fileSize: 100 }), { offset: 90, length: 10 });
  });

  it("qemu's number formats: size_to_str and %0.2f with glibc rounding", () => {
    const cases: Array<[number, string]> = [[0, '0 B'], [999, '999 B'], [1000, '0.977 KiB'], [1024, '1 KiB'], [1152, '1.12 KiB'], [1160, '1.13 KiB'],
      [1023487, '999 KiB'], [123456789012, '115 GiB'], [65536, '64 KiB'], [1048064, '1 MiB'], [1047552, '0.999 MiB'], [1048575, '1 MiB']];
    for (const [n, s] of cases) assert.equal(qemuSizeToStr(n), s, String(n));
    assert.equal(cFixed2(12.125), '12.12');
    assert.equal(cFixed2(12.375), '12.38');
    assert.equal(cFixed2(1.86), '1.86');
  });

  it('qemu JSON: empty arrays, key order, escapes', () => {
    assert.equal(qemuJsonPretty({ flags: [], name: 'b', granularity: 65536 }), '{\n    "flags": [\n    ],\n    "name": "b",\n    "granularity": 65536\n}');
    assert.equal(qemuJsonString('tab\there é \u{1F600}'), '"tab\\there \\u00E9 \\uD83D\\uDE00"');
  });

  it('detection of each format from inline bytes', () => {
    const buf = (init: (b: Buffer) => void, size = 512): Buffer => { const b = Buffer.alloc(size); init(b); return b; };
    const cases: Array<[string, Buffer, string?]> = [
      ['qcow', buf((b) => { b.writeUInt32BE(0x514649fb, 0); b.writeUInt32BE(1, 4); })],
      ['qcow2', buf((b) => { b.writeUInt32BE(0x514649fb, 0); b.writeUInt32BE(3, 4); })],
      ['qed', buf((b) => b.writeUInt32LE(0x00444551, 0))],
      ['vmdk', buf((b) => b.write('KDMV', 0, 'latin1'))],
      ['vmdk', Buffer.from('# Disk DescriptorFile\n   \nversion=1\nCID=fffffffe\n')],
      // qemu's probe accepts blank lines made of spaces only; an empty line ends the search.
      ['raw', Buffer.from('# Disk DescriptorFile\n\nversion=1\n')],
      ['vdi', buf((b) => b.writeUInt32LE(0xbeda107f, 0x40))],
      ['vpc', buf((b) => b.write('conectix', 0, 'latin1'))],
      ['vhdx', buf((b) => b.write('vhdxfile', 0, 'latin1'))],
      ['luks', buf((b) => { b.write('LUKS\xba\xbe', 0, 'latin1'); b.writeUInt16BE(1, 6); }, 1024)],
      ['parallels', buf((b) => { b.write('WithoutFreeSpace', 0, 'latin1'); b.writeUInt32LE(2, 16); })],
      ['bochs', buf((b) => { b.write('Bochs Virtual HD Image', 0, 'latin1'); b.write('Redolog', 32, 'latin1'); b.write('Growing', 48, 'latin1'); b.writeUInt32LE(0x20000, 64); })],
      ['cloop', buf((b) => b.write('#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n', 0, 'latin1'))],
      ['dmg', Buffer.alloc(512), 'disk.dmg'],
      ['raw', Buffer.from('# just a text file\nhello\n')],
    ];
    for (const [format, bytes, name] of cases) {
      const r = detectFromBytes(bytes, name ?? 'file.img');
      assert.equal(r.format, format, `${format}: ${JSON.stringify(r.matches)}`);
    }
    const koly = Buffer.alloc(512);
    koly.write('koly', 0, 'latin1');
    assert.equal(detectFromBytes(Buffer.alloc(512), 'renamed.bin', koly).format, 'dmg');
    const vmdkPoly = Buffer.alloc(512);
    vmdkPoly.write('conectix', 0, 'latin1');
    vmdkPoly.writeUInt32LE(0xbeda107f, 0x40);
    const r = detectFromBytes(vmdkPoly, 'x');
    assert.equal(r.ambiguous, true);
    assert.equal(r.format, undefined);
    assert.deepEqual(r.matches.map((m) => m.format).sort(), ['vdi', 'vpc']);
  });
});
