/**
 * Files that are large but empty, or not files at all: `map` asks the file system where the holes
 * are (as qemu-img does) instead of reading them, a FIFO is refused instead of blocking the open,
 * a block device is read at its size, and the edge cases of size and backing name come out as
 * qemu-img 7.2 prints them. The block device test needs root (losetup), as `.ci/run` has.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import fs, { readdirSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { ImageFile, ImageIoError, imageInfo, imageInfoJson, imageMap, imageMapJson } from '../../src/image/index.js';
import { be32, be64, poke, qemuImg, qemuIo, TempDir } from './support/qemu.js';
import { bytesReadDuring } from './support/bytes-read.js';

const GiB = 1024 ** 3;

describe('map of sparse and unusual files', function () {
  this.timeout(60_000);
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
  });
  after(() => dir.remove());

  it('a 64 GiB sparse raw file: the holes come from the file system, nothing of them is read', async () => {
    const path = dir.file('sparse.raw');
    writeFileSync(path, '');
    truncateSync(path, 64 * GiB);
    poke(path, 1024 * 1024, Buffer.from('data'));
    let json = '';
    const read = await bytesReadDuring(async () => { json = await imageMapJson(path, { format: 'raw' }); });
    assert.equal(json, qemuImg(['map', '--output=json', '-f', 'raw', 'sparse.raw'], dir.path));
    assert.ok(read < 1024 * 1024, `${read} bytes read`);
  });

  it('a qcow2 image preallocated with metadata only: data clusters that are holes read as zero, unread', async () => {
    qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'preallocation=metadata', 'prealloc.qcow2', '4G'], dir.path);
    let json = '';
    const read = await bytesReadDuring(async () => { json = await imageMapJson(dir.file('prealloc.qcow2'), { format: 'qcow2' }); });
    assert.equal(json, qemuImg(['map', '--output=json', 'prealloc.qcow2'], dir.path));
    // Some reading is seen (the header and tables), so the counter is known to count.
    assert.ok(read > 0 && read < 16 * 1024 * 1024, `${read} bytes read (the metadata is about 1 MiB)`);
  });

  it('a raw file whose size is not a multiple of 512: data to its end, zeros to the sector', async () => {
    writeFileSync(dir.file('odd.raw'), Buffer.alloc(1000, 7));
    assert.equal(await imageMapJson(dir.file('odd.raw'), { format: 'raw' }), qemuImg(['map', '--output=json', '-f', 'raw', 'odd.raw'], dir.path));
    assert.deepEqual((await imageMap(dir.file('odd.raw'), { format: 'raw' })).map((e) => [e.start, e.length, e.data]), [[0, 1000, true], [1000, 24, false]]);
  });

  it('images of no bytes: the one empty entry qemu-img prints', async () => {
    writeFileSync(dir.file('empty.raw'), '');
    qemuImg(['create', '-q', '-f', 'qcow2', 'empty.qcow2', '0'], dir.path);
    assert.equal(await imageMapJson(dir.file('empty.raw'), { format: 'raw' }), qemuImg(['map', '--output=json', '-f', 'raw', 'empty.raw'], dir.path));
    assert.equal(await imageMapJson(dir.file('empty.qcow2'), { format: 'qcow2' }), qemuImg(['map', '--output=json', 'empty.qcow2'], dir.path));
  });

  it('an empty backing file name is no backing file, as for qemu-img', async () => {
    qemuImg(['create', '-q', '-f', 'qcow2', 'noname.qcow2', '64M'], dir.path);
    poke(dir.file('noname.qcow2'), 8, Buffer.concat([be64(0x200), be32(0)]));
    const info = await imageInfo(dir.file('noname.qcow2'), { format: 'qcow2' });
    assert.equal(imageInfoJson(info), qemuImg(['info', '--output=json', dir.file('noname.qcow2')]));
    assert.equal(await imageMapJson(dir.file('noname.qcow2'), { format: 'qcow2' }), qemuImg(['map', '--output=json', 'noname.qcow2'], dir.path));
  });

  it('a QCOW v1 image: unallocated stretches are answered whole, the map is qemu-img\'s', async () => {
    qemuImg(['create', '-q', '-f', 'qcow', 'big.qcow', '16G'], dir.path);
    execFileSync('qemu-io', ['-f', 'qcow', '-c', 'write -P 1 1G 64k', '-c', 'write -P 2 9G 4k', '-c', 'write -P 3 9671041024 512', dir.file('big.qcow')], { stdio: 'ignore' });
    assert.equal(await imageMapJson(dir.file('big.qcow'), { format: 'qcow' }), qemuImg(['map', '--output=json', '-f', 'qcow', 'big.qcow'], dir.path));
  });

  it('an image on a block device (a loop device) is read at its real size, as qemu-img reads it', async () => {
    qemuImg(['create', '-q', '-f', 'qcow2', 'on-device.qcow2', '6M'], dir.path);
    qemuIo('on-device.qcow2', ['write -P 5 1M 64k'], 'qcow2', dir.path);
    truncateSync(dir.file('on-device.qcow2'), 8 * 1024 * 1024);
    // fstat gives a block device no size: without asking its end, it read as an empty file.
    const device = execFileSync('losetup', ['--find', '--show', '--read-only', dir.file('on-device.qcow2')], { encoding: 'utf8' }).trim();
    try {
      assert.equal(imageInfoJson(await imageInfo(device, { format: 'qcow2' })), qemuImg(['info', '-f', 'qcow2', '--output=json', device]));
      assert.equal(await imageMapJson(device, { format: 'qcow2' }), qemuImg(['map', '-f', 'qcow2', '--output=json', device]));
    } finally {
      execFileSync('losetup', ['--detach', device]);
    }
  });

  it('a FIFO, named as the image or as its backing file, is refused at once instead of waiting for a writer', async () => {
    execFileSync('mkfifo', [dir.file('fifo')]);
    await assert.rejects(imageInfo(dir.file('fifo')), (e: unknown) => e instanceof ImageIoError && /not a regular file or block device/.test(e.message));
    qemuImg(['create', '-q', '-f', 'qcow2', '-u', '-b', 'fifo', '-F', 'raw', 'on-fifo.qcow2', '64M'], dir.path);
    await assert.rejects(imageMapJson(dir.file('on-fifo.qcow2'), { format: 'qcow2', allowBacking: true }), (e: unknown) => e instanceof ImageIoError);
  });

  it('a path swapped for a FIFO right after its type was checked: the file checked is the file opened', () => {
    qemuImg(['create', '-q', '-f', 'qcow2', 'swapped.qcow2', '1M'], dir.path);
    execFileSync('mkfifo', [dir.file('swap-fifo')]);
    const inode = statSync(dir.file('swapped.qcow2')).ino;
    // Whichever check runs first (the path's stat, or the descriptor's fstat), the FIFO takes the
    // image's name as soon as it returns.
    const checks = { statSync: fs.statSync, fstatSync: fs.fstatSync };
    let swapped = false;
    const thenSwap = <F extends (...args: never[]) => unknown>(check: F): F => ((...args: Parameters<F>) => {
      const result = check(...args);
      if (!swapped) {
        swapped = true;
        renameSync(dir.file('swap-fifo'), dir.file('swapped.qcow2'));
      }
      return result;
    }) as F;
    Object.assign(fs, { statSync: thenSwap(checks.statSync), fstatSync: thenSwap(checks.fstatSync) });
    syncBuiltinESMExports();
    let file: ImageFile | undefined;
    try {
      file = ImageFile.open(dir.file('swapped.qcow2'));
    } finally {
      Object.assign(fs, checks);
      syncBuiltinESMExports();
    }
    try {
      assert.ok(swapped, 'the path was swapped during the open');
      assert.ok(statSync(dir.file('swapped.qcow2')).isFIFO());
      assert.equal(file.stat.ino, inode, 'the image checked was opened, not the FIFO');
      assert.equal(file.read(0, 4).toString('latin1'), 'QFI\xfb');
    } finally {
      file.close();
    }
  });

  it('a file that can be found but not read: the error names the file, not the descriptor it was reopened through', () => {
    qemuImg(['create', '-q', '-f', 'qcow2', 'unreadable.qcow2', '1M'], dir.path);
    // As root (as the tests run), permissions do not refuse: the reopen is made to fail as it
    // does for a user who may look the file up but not read it.
    const { openSync } = fs;
    const denied = (path: fs.PathLike, ...rest: unknown[]): number => {
      if (!String(path).startsWith('/proc/self/fd/')) return (openSync as (...a: unknown[]) => number)(path, ...rest);
      throw Object.assign(new Error(`EACCES: permission denied, open '${String(path)}'`), { code: 'EACCES', errno: -13, syscall: 'open', path: String(path) });
    };
    Object.assign(fs, { openSync: denied });
    syncBuiltinESMExports();
    try {
      assert.throws(() => ImageFile.open(dir.file('unreadable.qcow2')), (e: unknown) => e instanceof ImageIoError
        && e.message === `Could not open '${dir.file('unreadable.qcow2')}': EACCES: permission denied, open '${dir.file('unreadable.qcow2')}'`
        && (e.cause as NodeJS.ErrnoException).path === dir.file('unreadable.qcow2'));
    } finally {
      Object.assign(fs, { openSync });
      syncBuiltinESMExports();
    }
  });

  it('leaves no descriptor open, for files opened and closed or refused', () => {
    qemuImg(['create', '-q', '-f', 'qcow2', 'fd-count.qcow2', '1M'], dir.path);
    execFileSync('mkfifo', [dir.file('fd-fifo')]);
    const open = (): number => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 20; i++) {
      ImageFile.open(dir.file('fd-count.qcow2')).close();
      assert.throws(() => ImageFile.open(dir.file('fd-fifo')), ImageIoError);
      assert.throws(() => ImageFile.open(dir.file('missing')), ImageIoError);
      assert.throws(() => ImageFile.open(dir.path), ImageIoError);
    }
    assert.equal(open(), before);
  });
});
