/**
 * Bad header fields poked into a qemu-made image (the pokes of qemu-iotests 080 and more):
 * the inspector must refuse the same images as qemu-img 7.2 with the same message, and accept
 * the ones qemu accepts.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync } from 'node:fs';
import { imageInfo, isImageError } from '../../src/image/index.js';
import { be32, be64, poke, qemuImg, qemuImgRun, qemuOpenError, TempDir } from './support/qemu.js';

type Poke = [title: string, offset: number, bytes: Buffer];

const POKES: Poke[] = [
  ['version 4', 4, be32(4)],
  ['cluster_bits 8', 20, be32(8)],
  ['cluster_bits 22', 20, be32(22)],
  ['unknown incompatible bit 5', 72, be64(0x20n)],
  ['unknown incompatible bit 40', 72, be64(1n << 40n)],
  ['refcount_order 7', 96, be32(7)],
  ['header_length 100', 100, be32(100)],
  ['header_length 65537', 100, be32(65537)],
  ['compression_type 2', 104, Buffer.from([2])],
  ['compression_type 1 without the bit', 104, Buffer.from([1])],
  ['compression bit without the type', 72, be64(8n)],
  ['l1_size 0x7fffffff', 36, be32(0x7fffffff)],
  ['l1_size 0', 36, be32(0)],
  ['l1 offset unaligned', 40, be64(0x30008)],
  ['refcount table clusters 0', 56, be32(0)],
  ['refcount table clusters 0xffffffff', 56, be32(0xffffffff)],
  ['refcount table offset unaligned', 48, be64(0x10008)],
  ['nb_snapshots 65537', 60, be32(65537)],
  ['snapshots offset unaligned', 64, be64(0x70008)],
  ['crypt_method 3', 32, be32(3)],
  ['backing file offset beyond cluster', 8, be64(0x20000)],
  ['virtual size 2^52', 24, be64(2n ** 52n)],
  ['extended L2 with 512-byte subclusters', 72, be64(0x10n)],
  ['dirty bit', 72, be64(1n)],
  ['corrupt bit', 72, be64(2n)],
  ['unknown compatible bit', 80, be64(1n << 33n)],
  ['unknown autoclear bit', 88, be64(1n << 20n)],
  ['header_length 105', 100, be32(105)],
];

describe('header validation matches qemu-img 7.2', function () {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
    qemuImg(['create', '-q', '-f', 'qcow2', 'base.qcow2', '16M'], dir.path);
    qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'cluster_size=8k', 'small.qcow2', '16M'], dir.path);
  });
  after(() => dir.remove());

  for (const [title, offset, bytes] of POKES) {
    it(title, async () => {
      const name = `${title.replace(/[^a-z0-9]+/gi, '-')}.qcow2`;
      copyFileSync(dir.file(title.startsWith('extended L2') ? 'small.qcow2' : 'base.qcow2'), dir.file(name));
      poke(dir.file(name), offset, bytes);
      const ref = qemuImgRun(['info', '--output=json', '-f', 'qcow2', name], dir.path);
      let ours: string | undefined;
      try {
        await imageInfo(dir.file(name), { format: 'qcow2', displayName: name });
      } catch (err) {
        assert.ok(isImageError(err), `untyped error: ${String(err)}`);
        ours = err.message;
      }
      if (ref.status === 0) assert.equal(ours, undefined, `qemu opens it, we said: ${ours}`);
      else assert.equal(ours, qemuOpenError(ref.stderr));
    });
  }

  it('backing name too long', async () => {
    qemuImg(['create', '-q', '-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2', 'named.qcow2'], dir.path);
    poke(dir.file('named.qcow2'), 16, be32(2000));
    const ref = qemuImgRun(['info', '-f', 'qcow2', 'named.qcow2'], dir.path);
    await assert.rejects(imageInfo(dir.file('named.qcow2'), { format: 'qcow2' }), { message: qemuOpenError(ref.stderr) });
  });

  it('extension length beyond the cluster', async () => {
    copyFileSync(dir.file('base.qcow2'), dir.file('ext.qcow2'));
    // The first extension of a qemu-made v3 image starts at header_length (112): type, then length.
    poke(dir.file('ext.qcow2'), 116, be32(0x7fffffff));
    const ref = qemuImgRun(['info', '-f', 'qcow2', 'ext.qcow2'], dir.path);
    await assert.rejects(imageInfo(dir.file('ext.qcow2'), { format: 'qcow2' }), { message: qemuOpenError(ref.stderr) });
  });

  it('a table beyond the end of the file is a typed limit error', async () => {
    copyFileSync(dir.file('base.qcow2'), dir.file('eof.qcow2'));
    poke(dir.file('eof.qcow2'), 40, be64(0x40000000));
    await assert.rejects(imageInfo(dir.file('eof.qcow2'), { format: 'qcow2' }), { code: 'IMAGE_LIMIT' });
  });

  it('an offset at or above 2^53 is refused, not rounded', async () => {
    copyFileSync(dir.file('base.qcow2'), dir.file('big.qcow2'));
    poke(dir.file('big.qcow2'), 40, be64(2n ** 53n + 65536n));
    await assert.rejects(imageInfo(dir.file('big.qcow2'), { format: 'qcow2' }), { code: 'IMAGE_OFFSET_UNSAFE' });
  });
});
