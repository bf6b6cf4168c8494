/**
 * Probing as qemu 7.2's find_image_format(): every probe sees the first 2048 bytes, zero-padded
 * when the file is shorter, so a file shorter than a format's header is that format when qemu
 * says so, and an empty file is raw.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { detectFormat, ImageFile, imageInfo } from '../../src/image/index.js';
import { qemuImg, qemuImgRun, TempDir } from './support/qemu.js';

function detect(path: string): ReturnType<typeof detectFormat> {
  const file = ImageFile.open(path);
  try {
    return detectFormat(file);
  } finally {
    file.close();
  }
}

/** The format qemu-img picks for a file it can open (`qemu-img info --output=json`). */
function qemuFormat(path: string): string {
  return (JSON.parse(qemuImg(['info', '--output=json', path])) as { format: string }).format;
}

describe('probing files shorter than a header', function () {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
  });
  after(() => dir.remove());

  it('an 83-byte qcow2 v2 header naming /etc/passwd is qcow2, as qemu-img says', async () => {
    const name = Buffer.from('/etc/passwd');
    const h = Buffer.alloc(72);
    // magic, version 2, backing_file_offset 72, backing_file_size, cluster_bits 16, size 1 GiB,
    // crypt 0, l1_size 2, l1_table_offset 128 KiB, refcount_table_offset 64 KiB, 1 cluster.
    h.writeUInt32BE(0x514649fb, 0);
    h.writeUInt32BE(2, 4);
    h.writeBigUInt64BE(72n, 8);
    h.writeUInt32BE(name.length, 16);
    h.writeUInt32BE(16, 20);
    h.writeBigUInt64BE(1n << 30n, 24);
    h.writeUInt32BE(2, 36);
    h.writeBigUInt64BE(131072n, 40);
    h.writeBigUInt64BE(65536n, 48);
    h.writeUInt32BE(1, 56);
    writeFileSync(dir.file('short.img'), Buffer.concat([h, name]));
    assert.equal(qemuFormat(dir.file('short.img')), 'qcow2');
    const r = detect(dir.file('short.img'));
    assert.equal(r.format, 'qcow2');
    assert.match(r.matches[0]?.evidence ?? '', /shorter than the 112-byte header: 83 bytes/);
    // Probing opens it as qcow2 (strict refuses the tables past the end; lenient shows the backing name).
    await assert.rejects(imageInfo(dir.file('short.img'), { format: 'probe' }), { code: 'IMAGE_LIMIT' });
    const info = await imageInfo(dir.file('short.img'), { format: 'probe', lenient: true });
    assert.equal(info.images[0]?.format, 'qcow2');
    assert.equal(info.images[0]?.['backing-filename'], '/etc/passwd');
  });

  it('prefixes of a qcow2 (72 bytes, with the rest read as zeros) are qcow2', () => {
    qemuImg(['create', '-q', '-f', 'qcow2', 'full.qcow2', '1G'], dir.path);
    const full = readFileSync(dir.file('full.qcow2'));
    for (const n of [8, 72, 104]) {
      writeFileSync(dir.file(`tr${n}`), full.subarray(0, n));
      assert.equal(detect(dir.file(`tr${n}`)).format, 'qcow2', `${n}-byte prefix`);
    }
    // qemu opens the 104-byte one (the compression type byte reads as zero).
    assert.equal(qemuFormat(dir.file('tr104')), 'qcow2');
  });

  it('short qcow v1, QED and parallels magics; an empty file is raw whatever its name', () => {
    // qemu picks the format and then fails to open the file with that driver's own complaint.
    const cases: Array<[string, Buffer, string, RegExp]> = [
      ['qcow1-8', Buffer.from('514649fb00000001', 'hex'), 'qcow', /Image size is too small/],
      ['qed4', Buffer.from('QED\0', 'latin1'), 'qed', /QED cluster size is invalid/],
      ['par', Buffer.concat([Buffer.from('WithoutFreeSpace', 'latin1'), Buffer.from([2, 0, 0, 0])]), 'parallels', /Zero sectors per track/],
    ];
    for (const [name, bytes, format, qemuSays] of cases) {
      writeFileSync(dir.file(name), bytes);
      assert.match(qemuImgRun(['info', name], dir.path).stderr, qemuSays, name);
      assert.equal(detect(dir.file(name)).format, format, name);
    }
    // find_image_format() does not probe a 0-byte file: raw, even where the name says DMG.
    writeFileSync(dir.file('empty.dmg'), Buffer.alloc(0));
    assert.equal(qemuFormat(dir.file('empty.dmg')), 'raw');
    assert.equal(detect(dir.file('empty.dmg')).format, 'raw');
  });
});
