/**
 * Compressed clusters whose data holds more than one cluster, accepted or refused as qemu 7.2
 * does: deflate is cut at the cluster's end (qemu stops once the cluster is full), a zstd frame
 * with more than a cluster is an I/O error. Streams are made inline and put where qemu-io wrote
 * a compressed cluster.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, rmSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { openGuestReader } from '../../src/image/index.js';
import { poke, qemuImg, qemuImgRun, qemuIo, TempDir } from './support/qemu.js';

const CLUSTER = 4096;

/** A zstd frame of one RLE block: `count` copies of `byte` (window 8 KiB, no checksum). */
function zstdRle(byte: number, count: number): Buffer {
  const header = 1 | (1 << 1) | (count << 3); // last block, type RLE, regenerated size
  return Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x18, header & 0xff, (header >> 8) & 0xff, header >> 16, byte]);
}

/** Host offset of guest cluster 0's compressed data (4 KiB clusters: 8 bits of sector count). */
function compressedHost(path: string): number {
  const b = readFileSync(path);
  const l2 = Number(b.readBigUInt64BE(Number(b.readBigUInt64BE(40))) & 0x00fffffffffffe00n);
  const entry = b.readBigUInt64BE(l2);
  assert.ok(entry & (1n << 62n), 'guest cluster 0 is compressed');
  return Number(entry & ((1n << 58n) - 1n));
}

describe('compressed clusters longer than a cluster', function () {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
  });
  after(() => dir.remove());

  // The last field is what qemu does (checked too, so that a change in either is noticed).
  const cases: Array<[string, 'zlib' | 'zstd', Buffer, 'read' | 'EIO']> = [
    ['deflate of 8 KiB', 'zlib', deflateRawSync(Buffer.alloc(2 * CLUSTER, 'A')), 'read'],
    ['deflate of 4 KiB', 'zlib', deflateRawSync(Buffer.alloc(CLUSTER, 'A')), 'read'],
    ['deflate of 2 KiB', 'zlib', deflateRawSync(Buffer.alloc(CLUSTER / 2, 'A')), 'EIO'],
    ['zstd of 8 KiB', 'zstd', zstdRle(0x41, 2 * CLUSTER), 'EIO'],
    ['zstd of 4 KiB', 'zstd', zstdRle(0x41, CLUSTER), 'read'],
    ['zstd of 2 KiB', 'zstd', zstdRle(0x41, CLUSTER / 2), 'EIO'],
  ];
  for (const [label, type, stream, qemuDoes] of cases) {
    it(`${label}: read or refused as qemu-img reads it`, async () => {
      const name = `${label.replace(/ /g, '-')}.qcow2`;
      qemuImg(['create', '-q', '-f', 'qcow2', '-o', `cluster_size=${CLUSTER},compression_type=${type}`, name, '1M'], dir.path);
      qemuIo(name, ['write -c -P 7 0 4k'], 'qcow2', dir.path);
      assert.ok(stream.length <= 512 - (compressedHost(dir.file(name)) % 512), 'the stream fits where the data was');
      poke(dir.file(name), compressedHost(dir.file(name)), stream);
      const ref = qemuImgRun(['convert', '-O', 'raw', name, `${name}.raw`], dir.path);
      const { reader, close } = await openGuestReader(dir.file(name), { format: 'qcow2' });
      try {
        if (ref.status === 0) {
          assert.deepEqual(reader.read(0, CLUSTER), readFileSync(dir.file(`${name}.raw`)).subarray(0, CLUSTER));
        } else {
          assert.match(ref.stderr, /Input\/output error/);
          assert.throws(() => reader.read(0, CLUSTER), { code: 'IMAGE_CORRUPT' });
        }
      } finally {
        close();
        rmSync(dir.file(`${name}.raw`), { force: true });
      }
      assert.equal(ref.status, qemuDoes === 'read' ? 0 : 1, ref.stderr);
    });
  }
});
