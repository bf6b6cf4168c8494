/**
 * `check` and `map` against qemu-img 7.2: stdout (JSON and human), the stderr lines naming each
 * problem, and the exit code, on healthy images across qemu-img's options and on images damaged
 * on purpose.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { imageCheck, imageMapJson } from '../../src/image/index.js';
import { be64, createLuksQcow2, poke, qemuImg, qemuImgRun, qemuIo, TempDir } from './support/qemu.js';

interface Layout { l1Offset: number; refTableOffset: number; clusterSize: number }

function layout(path: string): Layout {
  const h = readFileSync(path).subarray(0, 112);
  return { l1Offset: Number(h.readBigUInt64BE(40)), refTableOffset: Number(h.readBigUInt64BE(48)), clusterSize: 2 ** h.readUInt32BE(20) };
}
const u64At = (path: string, offset: number): bigint => readFileSync(path).readBigUInt64BE(offset);

async function assertCheckMatches(dir: TempDir, name: string, expectExit = 0, extra: string[] = []): Promise<void> {
  const human = qemuImgRun(['check', ...extra, name], dir.path);
  const json = qemuImgRun(['check', '--output=json', ...extra, name], dir.path);
  const ours = await imageCheck(dir.file(name), { format: 'qcow2', displayName: name });
  assert.equal(ours.json, json.stdout, `${name}: JSON`);
  assert.equal(ours.human, human.stdout, `${name}: human`);
  assert.equal(ours.stderr, human.stderr.split('\n').filter((l) => !l.startsWith('qemu-img:') && !l.startsWith('Use qemu-img amend') && l !== '').map((l) => `${l}\n`).join(''), `${name}: stderr`);
  assert.equal(ours.exitCode, human.status, `${name}: exit code`);
  assert.equal(ours.exitCode, expectExit, `${name}: expected exit code`);
}

async function assertMapMatches(dir: TempDir, name: string): Promise<void> {
  const expected = qemuImg(['map', '--output=json', name], dir.path);
  assert.equal(await imageMapJson(dir.file(name), { format: 'qcow2', allowBacking: true }), expected, name);
}

describe('check and map match qemu-img 7.2', function () {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
  });
  after(() => dir.remove());

  const healthy: Array<[string, string[], string[]]> = [
    ['v2', ['-o', 'compat=0.10'], ['write -P 1 0 100k', 'write -P 2 1M 4k']],
    ['512-byte clusters', ['-o', 'cluster_size=512'], ['write -P 1 0 200k', 'write -z 300k 4k', 'write -c 1M 512']],
    ['2 MiB clusters', ['-o', 'cluster_size=2M'], ['write -P 1 3M 4k']],
    ['refcount_bits=1', ['-o', 'refcount_bits=1'], ['write -P 1 0 128k']],
    ['refcount_bits=2', ['-o', 'refcount_bits=2'], ['write -P 1 0 128k']],
    ['refcount_bits=4', ['-o', 'refcount_bits=4'], ['write -P 1 0 128k']],
    ['refcount_bits=8', ['-o', 'refcount_bits=8'], ['write -P 1 0 128k']],
    ['refcount_bits=32', ['-o', 'refcount_bits=32'], ['write -P 1 0 128k']],
    ['refcount_bits=64', ['-o', 'refcount_bits=64'], ['write -P 1 0 128k']],
    ['lazy refcounts', ['-o', 'lazy_refcounts=on'], ['write -P 1 0 128k']],
    ['extended L2', ['-o', 'extended_l2=on,cluster_size=64k'], ['write -P 1 4k 4k', 'write -z 64k 8k', 'write -P 3 130k 2k', 'write -c 512k 64k']],
    ['extended L2, 16k clusters', ['-o', 'extended_l2=on,cluster_size=16k'], ['write -P 1 512 512', 'write -P 1 2k 3k']],
    ['compressed zlib', [], ['write -c -P 5 0 64k', 'write -c -P 6 64k 64k', 'write -P 7 128k 64k']],
    ['compressed zstd', ['-o', 'compression_type=zstd'], ['write -c -P 5 0 64k', 'write -P 9 1M 64k']],
    ['zero clusters', [], ['write -P 1 0 1M', 'write -z 64k 128k', 'write -z -u 512k 64k']],
    ['preallocation=metadata', ['-o', 'preallocation=metadata'], ['write -P 1 64k 64k', 'write -P 2 1M 128k', 'write -P 3 1100k 1k']],
    ['preallocation=metadata, 512-byte clusters', ['-o', 'preallocation=metadata,cluster_size=512'], ['write -P 1 4k 2k']],
    ['preallocation=falloc', ['-o', 'preallocation=falloc'], []],
    ['preallocation=full', ['-o', 'preallocation=full'], []],
  ];

  for (const [title, opts, io] of healthy) {
    it(`healthy: ${title}`, async () => {
      const name = `${title.replace(/[^a-z0-9]+/gi, '-')}.qcow2`;
      qemuImg(['create', '-q', '-f', 'qcow2', ...opts, name, '4M'], dir.path);
      if (io.length) qemuIo(name, io, 'qcow2', dir.path);
      await assertCheckMatches(dir, name);
      await assertMapMatches(dir, name);
    });
  }

  it('internal snapshots and bitmaps are counted', async () => {
    qemuImg(['create', '-q', '-f', 'qcow2', 'snaps.qcow2', '4M'], dir.path);
    qemuIo('snaps.qcow2', ['write -P 1 0 256k'], 'qcow2', dir.path);
    qemuImg(['snapshot', '-c', 'one', 'snaps.qcow2'], dir.path);
    qemuIo('snaps.qcow2', ['write -P 2 0 64k', 'write -P 2 1M 64k'], 'qcow2', dir.path);
    qemuImg(['snapshot', '-c', 'two', 'snaps.qcow2'], dir.path);
    qemuImg(['bitmap', '--add', 'snaps.qcow2', 'bm'], dir.path);
    qemuIo('snaps.qcow2', ['write -P 3 2M 64k'], 'qcow2', dir.path);
    await assertCheckMatches(dir, 'snaps.qcow2');
    await assertMapMatches(dir, 'snaps.qcow2');
  });

  it('LUKS: the encryption header is counted (qemu-img needs the key, we do not)', async () => {
    createLuksQcow2(dir.path);
    const opts = ['--object', 'secret,id=s0,data=pw', '--image-opts', 'driver=qcow2,file.filename=luks.qcow2,encrypt.key-secret=s0'];
    const expected = JSON.parse(qemuImg(['check', '--output=json', ...opts], dir.path)) as Record<string, unknown>;
    const ours = JSON.parse((await imageCheck(dir.file('luks.qcow2'), { format: 'qcow2' })).json) as Record<string, unknown>;
    delete expected['filename'];
    delete ours['filename'];
    assert.deepEqual(ours, expected);
    assert.ok(Number(ours['image-end-offset']) > 2 * 1024 * 1024, 'the LUKS key material is inside the image');
    execFileSync('qemu-io', [...opts, '-c', 'write -P 1 0 64k', '-c', 'write -z 128k 64k'], { cwd: dir.path, stdio: 'ignore' });
    // Encrypted data has no usable host offset: qemu prints none, neither do we.
    const map = await imageMapJson(dir.file('luks.qcow2'), { format: 'qcow2' });
    assert.equal(map, qemuImg(['map', '--output=json', ...opts], dir.path));
    assert.doesNotMatch(map, /offset/);
  });

  it('map over a sparse raw file and a qcow2 on top of it (holes read as zeros)', async () => {
    const raw = Buffer.alloc(1024 * 1024);
    writeFileSync(dir.file('sparse.raw'), Buffer.alloc(0));
    truncateSync(dir.file('sparse.raw'), raw.length);
    poke(dir.file('sparse.raw'), 70000, Buffer.from('hello'));
    qemuImg(['create', '-q', '-f', 'qcow2', '-b', 'sparse.raw', '-F', 'raw', 'over-sparse.qcow2'], dir.path);
    qemuIo('over-sparse.qcow2', ['write -P 9 512k 64k'], 'qcow2', dir.path);
    assert.equal(await imageMapJson(dir.file('sparse.raw'), { format: 'raw' }), qemuImg(['map', '--output=json', '-f', 'raw', 'sparse.raw'], dir.path));
    await assertMapMatches(dir, 'over-sparse.qcow2');
  });

  it('backing chain map with a shorter backing file', async () => {
    qemuImg(['create', '-q', '-f', 'qcow2', 'short-base.qcow2', '1M'], dir.path);
    qemuIo('short-base.qcow2', ['write -P 1 0 128k', 'write -P 1 960k 64k'], 'qcow2', dir.path);
    qemuImg(['create', '-q', '-f', 'qcow2', '-b', 'short-base.qcow2', '-F', 'qcow2', 'long-top.qcow2', '4M'], dir.path);
    qemuIo('long-top.qcow2', ['write -P 2 64k 64k', 'write -z 512k 64k', 'write -P 3 2M 64k'], 'qcow2', dir.path);
    await assertMapMatches(dir, 'long-top.qcow2');
  });

  describe('damaged on purpose', () => {
    let base: string;
    let lay: Layout;
    before(() => {
      qemuImg(['create', '-q', '-f', 'qcow2', 'good.qcow2', '4M'], dir.path);
      qemuIo('good.qcow2', ['write -P 1 0 256k', 'write -c -P 2 1M 64k'], 'qcow2', dir.path);
      base = dir.file('good.qcow2');
      lay = layout(base);
    });
    function damaged(name: string, edit: (path: string) => void): string {
      copyFileSync(base, dir.file(name));
      edit(dir.file(name));
      return name;
    }
    const l2Of = (path: string): number => Number(u64At(path, lay.l1Offset) & 0x00fffffffffffe00n);
    const refblockOf = (path: string): number => Number(u64At(path, lay.refTableOffset) & ~0x1ffn);

    it('a leaked cluster (refcount on a cluster nothing uses)', async () => {
      const name = damaged('leak.qcow2', (p) => {
        const size = readFileSync(p).length;
        const cluster = Math.ceil(size / lay.clusterSize);
        appendFileSync(p, Buffer.alloc((cluster + 1) * lay.clusterSize - size));
        poke(p, refblockOf(p) + cluster * 2, Buffer.from([0, 1]));
      });
      await assertCheckMatches(dir, name, 3);
    });

    it('a data cluster with refcount 0', async () => {
      const name = damaged('zero-ref.qcow2', (p) => {
        const data = Number(u64At(p, l2Of(p)) & 0x00fffffffffffe00n);
        poke(p, refblockOf(p) + (data / lay.clusterSize) * 2, Buffer.from([0, 0]));
      });
      await assertCheckMatches(dir, name, 2);
    });

    it('a refcount of 2 on a COPIED cluster', async () => {
      const name = damaged('ref2.qcow2', (p) => {
        const data = Number(u64At(p, l2Of(p) + 8) & 0x00fffffffffffe00n);
        poke(p, refblockOf(p) + (data / lay.clusterSize) * 2, Buffer.from([0, 2]));
      });
      await assertCheckMatches(dir, name, 2);
    });

    it('a misaligned L2 entry and reserved bits', async () => {
      const name = damaged('misaligned.qcow2', (p) => {
        const l2 = l2Of(p);
        poke(p, l2, be64(u64At(p, l2) + 512n));
        poke(p, l2 + 16, be64(u64At(p, l2 + 16) | 0x2n));
      });
      await assertCheckMatches(dir, name, 2);
    });

    it('an L2 table beyond the end of the file and an L1 entry with reserved bits', async () => {
      const name = damaged('l2-eof.qcow2', (p) => {
        poke(p, lay.l1Offset, be64(0x8000000000000000n | 0x40000000n | 0x1n));
      });
      await assertCheckMatches(dir, name, 2);
    });

    it('a compressed cluster with the COPIED flag', async () => {
      const name = damaged('compressed-copied.qcow2', (p) => {
        const at = l2Of(p) + 16 * 8; // guest 1 MiB = cluster 16
        poke(p, at, be64(u64At(p, at) | 0x8000000000000000n));
      });
      await assertCheckMatches(dir, name, 2);
    });

    it('a refcount table entry with reserved bits', async () => {
      const name = damaged('reftable.qcow2', (p) => {
        poke(p, lay.refTableOffset + 8, be64(0x50001n));
      });
      await assertCheckMatches(dir, name, 2);
    });
  });
});
