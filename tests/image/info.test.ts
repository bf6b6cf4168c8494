/**
 * `info` against qemu-img 7.2 on images it makes: the JSON must be byte-identical (same keys,
 * values and even qemu's key order), for one image and for a backing chain.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, symlinkSync } from 'node:fs';
import { ImageFile, imageInfo, imageInfoJson, imageMapJson, openGuestReader } from '../../src/image/index.js';
import { createLuksQcow2, qemuImg, qemuIo, TempDir } from './support/qemu.js';
import { withPatched } from '../support/with-patched.js';

/** The paths `use` opens as image files, in order. */
async function opensDuring(use: () => Promise<unknown>): Promise<string[]> {
  const paths: string[] = [];
  await withPatched(ImageFile as unknown as { open: (path: string) => ImageFile }, 'open', (open) => (path: string) => {
    paths.push(path);
    return open(path);
  }, use);
  return paths;
}

describe('image info matches qemu-img info --output=json', function () {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
  });
  after(() => dir.remove());

  const cases: Array<[string, string[], string[]?]> = [
    ['v2 compat 0.10', ['-o', 'compat=0.10'], ['write -P 1 0 64k']],
    ['v3 defaults', [], ['write -P 1 0 64k', 'write -z 1M 64k']],
    ['512-byte clusters', ['-o', 'cluster_size=512']],
    ['2 MiB clusters', ['-o', 'cluster_size=2M']],
    ['refcount_bits=1', ['-o', 'refcount_bits=1']],
    ['refcount_bits=64', ['-o', 'refcount_bits=64']],
    ['lazy refcounts', ['-o', 'lazy_refcounts=on']],
    ['extended L2', ['-o', 'extended_l2=on,cluster_size=64k'], ['write -P 3 4k 4k']],
    ['zstd', ['-o', 'compression_type=zstd'], ['write -c 0 64k']],
    ['preallocation=metadata', ['-o', 'preallocation=metadata']],
    ['preallocation=full', ['-o', 'preallocation=full']],
  ];

  for (const [title, opts, io] of cases) {
    it(title, async () => {
      const name = `${title.replace(/[^a-z0-9]+/gi, '-')}.qcow2`;
      qemuImg(['create', '-q', '-f', 'qcow2', ...opts, name, '4M'], dir.path);
      if (io) qemuIo(name, io, 'qcow2', dir.path);
      const expected = qemuImg(['info', '--output=json', name], dir.path);
      const info = await imageInfo(dir.file(name), { format: 'qcow2', displayName: name });
      assert.equal(imageInfoJson(info), expected);
    });
  }

  it('internal snapshots, bitmaps, data file and LUKS', async () => {
    qemuImg(['create', '-q', '-f', 'qcow2', 'snap.qcow2', '8M'], dir.path);
    qemuIo('snap.qcow2', ['write -P 7 0 1M'], 'qcow2', dir.path);
    for (const tag of ['first', 'second snapshot', 'ünï']) qemuImg(['snapshot', '-c', tag, 'snap.qcow2'], dir.path);
    qemuImg(['bitmap', '--add', '-g', '128k', 'snap.qcow2', 'b1'], dir.path);
    qemuImg(['bitmap', '--add', '--disable', 'snap.qcow2', 'b2'], dir.path);
    qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'data_file=snap.data,data_file_raw=on', 'df.qcow2', '1M'], dir.path);
    createLuksQcow2(dir.path);
    for (const name of ['snap.qcow2', 'df.qcow2', 'luks.qcow2']) {
      const expected = qemuImg(['info', '--output=json', name], dir.path);
      assert.equal(imageInfoJson(await imageInfo(dir.file(name), { format: 'qcow2', displayName: name })), expected, name);
    }
  });

  it('backing chain with relative and absolute names, --backing-chain', async () => {
    qemuImg(['create', '-q', '-f', 'raw', 'base.raw', '2M'], dir.path);
    qemuImg(['create', '-q', '-f', 'qcow2', '-b', 'base.raw', '-F', 'raw', 'mid.qcow2'], dir.path);
    qemuImg(['create', '-q', '-f', 'qcow2', '-b', dir.file('mid.qcow2'), '-F', 'qcow2', 'top.qcow2'], dir.path);
    const expected = qemuImg(['info', '--output=json', '--backing-chain', 'top.qcow2'], dir.path);
    const info = await imageInfo(dir.file('top.qcow2'), { format: 'qcow2', displayName: 'top.qcow2', backingChain: true, allowBacking: true });
    assert.equal(imageInfoJson(info), expected);
  });

  it('backing chain reached through a symlinked directory, with \'..\' in the backing name', async () => {
    // '..' after the symlink is the parent of its target (the kernel's answer), not of the link.
    for (const d of ['sym/data/real', 'sym/data/other', 'sym/pub']) mkdirSync(dir.file(d), { recursive: true });
    symlinkSync(dir.file('sym/data/real'), dir.file('sym/pub/link'));
    qemuImg(['create', '-q', '-f', 'qcow2', 'sym/data/other/base.qcow2', '1M'], dir.path);
    qemuImg(['create', '-q', '-f', 'qcow2', '-u', '-b', '../other/base.qcow2', '-F', 'qcow2', 'sym/data/real/top.qcow2', '1M'], dir.path);
    const name = 'sym/pub/link/top.qcow2';
    const expected = qemuImg(['info', '--output=json', '--backing-chain', name], dir.path);
    const info = await imageInfo(dir.file(name), { format: 'qcow2', displayName: name, backingChain: true, allowBacking: true });
    assert.equal(imageInfoJson(info), expected);
  });

  it('does not open backing files unless allowed', async () => {
    qemuImg(['create', '-q', '-f', 'qcow2', 'lone.qcow2', '1M'], dir.path);
    qemuImg(['create', '-q', '-f', 'qcow2', '-b', 'lone.qcow2', '-F', 'qcow2', 'child.qcow2'], dir.path);
    await assert.rejects(
      imageInfo(dir.file('child.qcow2'), { format: 'qcow2', backingChain: true }),
      (err: Error & { code?: string }) => err.code === 'IMAGE_BACKING_DENIED',
    );
  });

  it('reports a loop a -> b -> a at once, also through a symlink', async () => {
    qemuImg(['create', '-q', '-f', 'qcow2', 'loop-a.qcow2', '1M'], dir.path);
    qemuImg(['create', '-q', '-f', 'qcow2', '-b', 'loop-a.qcow2', '-F', 'qcow2', 'loop-b.qcow2'], dir.path);
    qemuImg(['rebase', '-u', '-b', 'loop-b.qcow2', '-F', 'qcow2', 'loop-a.qcow2'], dir.path);
    // At once: each image of the loop is opened once, and the name that comes round again is not.
    const direct = await opensDuring(() => assert.rejects(
      imageInfo(dir.file('loop-a.qcow2'), { format: 'qcow2', backingChain: true, allowBacking: true }),
      (err: Error & { code?: string }) => err.code === 'IMAGE_BACKING_LOOP',
    ));
    assert.deepEqual(direct, [dir.file('loop-a.qcow2'), dir.file('loop-b.qcow2')]);
    symlinkSync('loop-a.qcow2', dir.file('alias.qcow2'));
    qemuImg(['rebase', '-u', '-b', 'alias.qcow2', '-F', 'qcow2', 'loop-b.qcow2'], dir.path);
    // Through the symlink the name is new: it is opened, and known by its file.
    const aliased = await opensDuring(() => assert.rejects(
      imageInfo(dir.file('loop-a.qcow2'), { format: 'qcow2', backingChain: true, allowBacking: true }),
      (err: Error & { code?: string }) => err.code === 'IMAGE_BACKING_LOOP',
    ));
    assert.deepEqual(aliased, [dir.file('loop-a.qcow2'), dir.file('loop-b.qcow2'), dir.file('alias.qcow2')]);
  });

  it('map and guest reads refuse the loop too (qemu-img 7.2 hangs there), and the depth is capped', async () => {
    const mapped = await opensDuring(() => assert.rejects(imageMapJson(dir.file('loop-a.qcow2'), { format: 'qcow2', allowBacking: true }), { code: 'IMAGE_BACKING_LOOP' }));
    assert.deepEqual(mapped, [dir.file('loop-a.qcow2'), dir.file('loop-b.qcow2'), dir.file('alias.qcow2')]);
    const read = await opensDuring(() => assert.rejects(openGuestReader(dir.file('loop-b.qcow2'), { format: 'qcow2', allowBacking: true }), { code: 'IMAGE_BACKING_LOOP' }));
    assert.deepEqual(read, [dir.file('loop-b.qcow2'), dir.file('alias.qcow2')]);
    qemuImg(['create', '-q', '-f', 'qcow2', 'd0.qcow2', '1M'], dir.path);
    for (let i = 1; i <= 3; i++) qemuImg(['create', '-q', '-f', 'qcow2', '-b', `d${i - 1}.qcow2`, '-F', 'qcow2', `d${i}.qcow2`], dir.path);
    await assert.rejects(
      imageInfo(dir.file('d3.qcow2'), { format: 'qcow2', backingChain: true, allowBacking: true, maxDepth: 3 }),
      (err: Error & { code?: string; observed?: number; limit?: number }) => err.code === 'IMAGE_LIMIT' && err.observed === 4 && err.limit === 3,
    );
    const all = await imageInfo(dir.file('d3.qcow2'), { format: 'qcow2', backingChain: true, allowBacking: true, maxDepth: 4 });
    assert.equal(all.images.length, 4);
    // A per-path policy: the chain may not leave the directory it started in.
    await assert.rejects(
      imageInfo(dir.file('d3.qcow2'), { format: 'qcow2', backingChain: true, allowBacking: (p) => !p.endsWith('d1.qcow2') }),
      (err: Error & { code?: string; path?: string }) => err.code === 'IMAGE_BACKING_DENIED' && err.path === dir.file('d1.qcow2'),
    );
  });

  it('qcow v1 and raw', async () => {
    qemuImg(['create', '-q', '-f', 'qcow', 'v1.qcow', '10M'], dir.path);
    qemuImg(['create', '-q', '-f', 'raw', 'plain.raw', '100001'], dir.path);
    for (const [name, format] of [['v1.qcow', 'qcow'], ['plain.raw', 'raw']] as const) {
      const expected = qemuImg(['info', '--output=json', '-f', format, name], dir.path);
      assert.equal(imageInfoJson(await imageInfo(dir.file(name), { format, displayName: name })), expected, name);
    }
  });
});
