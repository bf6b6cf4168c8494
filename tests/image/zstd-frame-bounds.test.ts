/**
 * zstd frames whose headers ask the pure-JS decoder (fzstd, used where node:zlib has no zstd)
 * for gigabytes of window or minutes of work: refused from the headers, typed, before any of it
 * is allocated or done. A frame is put where qemu-io wrote a compressed cluster.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, statSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { ImageCorruptError, openGuestReader } from '../../src/image/index.js';
import { be64, poke, qemuImg, qemuIo, TempDir } from './support/qemu.js';

const MiB = 1024 * 1024;
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
/** Block headers (3 bytes, little-endian): last-block bit, type (1: RLE), size << 3. */
const RLE_BLOCK_OF_ONE = [(1 << 3) | (1 << 1), 0, 0, 0x5a];
const LAST_EMPTY_RAW_BLOCK = [1, 0, 0];

/**
 * A zstd qcow2 image with `clusterBits`, guest cluster 0 compressed by qemu-io, then pointed at
 * `frame`, appended to the file.
 */
function imageWithFrame(dir: TempDir, name: string, clusterBits: number, frame: Buffer): string {
  const cluster = 2 ** clusterBits;
  qemuImg(['create', '-q', '-f', 'qcow2', '-o', `compression_type=zstd,cluster_size=${cluster}`, name, `${2 * cluster}`], dir.path);
  qemuIo(name, [`write -c -P 0x11 0 ${cluster}`], 'qcow2', dir.path);
  const path = dir.file(name);
  const b = readFileSync(path);
  const l2 = Number(b.readBigUInt64BE(Number(b.readBigUInt64BE(40))) & 0x00fffffffffffe00n);
  assert.ok(b.readBigUInt64BE(l2) & (1n << 62n), 'guest cluster 0 is compressed');
  const at = Math.ceil(statSync(path).size / 512) * 512;
  poke(path, at, frame);
  // Compressed descriptor: host offset in the low 62 - (cluster_bits - 8) bits, then sectors - 1.
  const sectors = Math.ceil(frame.length / 512);
  assert.ok(sectors <= 2 ** (clusterBits - 8), 'the frame fits one descriptor');
  poke(path, l2, be64((1n << 62n) | (BigInt(sectors - 1) << BigInt(62 - (clusterBits - 8))) | BigInt(at)));
  return path;
}

async function readCluster0(path: string): Promise<void> {
  const { reader, close } = await openGuestReader(path, { format: 'qcow2' });
  try {
    reader.read(0, 512);
  } finally {
    close();
  }
}

describe('zstd frames the JS decoder is not asked to decode', function () {
  this.timeout(120_000);
  let dir: TempDir;
  before(function () {
    // node:zlib's zstd (Node 22.15+) bounds its window itself, as libzstd does.
    if (typeof (zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function') this.skip();
    dir = new TempDir();
  });
  after(() => dir?.remove());

  it('a window of 1.875 GiB in a 10-byte header: refused, as libzstd refuses more than 128 MiB', async () => {
    // Frame header: descriptor 0 (no single segment, no content size), window descriptor 0xa7:
    // 2^(10 + 20) plus 7/8 of it.
    const frame = Buffer.from([...ZSTD_MAGIC, 0x00, 0xa7, ...RLE_BLOCK_OF_ONE, ...RLE_BLOCK_OF_ONE, ...LAST_EMPTY_RAW_BLOCK]);
    const path = imageWithFrame(dir, 'window.qcow2', 16, frame);
    await assert.rejects(readCluster0(path), (err: unknown) => err instanceof ImageCorruptError && /window of 2013265920 bytes/.test(err.message));
  });

  it('a million one-byte blocks under a 2 MiB window: refused before the window is moved a million times', async () => {
    // Single segment, 4-byte content size of 2 MiB (the cluster), which is also the window.
    const header = Buffer.from([...ZSTD_MAGIC, 0xa0, 0, 0, 0x20, 0]);
    const blocks = Math.floor((4 * MiB - header.length - LAST_EMPTY_RAW_BLOCK.length) / RLE_BLOCK_OF_ONE.length);
    const body = Buffer.alloc(blocks * RLE_BLOCK_OF_ONE.length);
    for (let i = 0; i < blocks; i++) body.set(RLE_BLOCK_OF_ONE, i * RLE_BLOCK_OF_ONE.length);
    const frame = Buffer.concat([header, body, Buffer.from(LAST_EMPTY_RAW_BLOCK)]);
    const path = imageWithFrame(dir, 'blocks.qcow2', 21, frame);
    await assert.rejects(readCluster0(path), (err: unknown) => err instanceof ImageCorruptError && new RegExp(`${blocks + 1} blocks under a window of ${2 * MiB} bytes`).test(err.message));
  });
});
