// libvirt's snapshots beside a qcow2 image's table, on images made by qemu-img: every table
// entry is in the comparison, also when several share a name; backing files are read too, and
// disks given as pool volumes are found through the pool (a test:/// node file whose dir pool
// is a temporary directory).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageFile } from '../../src/image/index.js';
import { compareImageSnapshots, Connection, volumeSnapshots, type DiskSnapshots } from '../../src/sdk/index.js';
import type { SnapshotNode, SnapshotNodeDisk } from '../../src/sdk/snapshot-tree.js';
import { chainThreadCount, stopChainThreads, useChainWorkerModule } from '../../src/sdk/chain-thread.js';
import { qemuImg, volumeChain, type VolumeChain } from '../support/volume-chain.js';
import { withLoadedMarker } from '../support/loaded-marker.js';

const node = (name: string, disks?: SnapshotNodeDisk[]): SnapshotNode =>
  ({ name, parent: null, children: [], descendants: [], state: 'shutoff', creationTime: 1_700_000_000, memory: 'no', current: false, ...(disks ? { disks } : {}) });

/** Name, where, layer of the image entry (null: none). */
const rows = (d: DiskSnapshots): [string, string, number | null][] => d.snapshots.map((s) => [s.name, s.where, s.image?.layer ?? null]);

describe('qcow2 snapshots beside libvirt\'s', function () {
  this.timeout(30_000);
  let dir: string;
  let image: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsvirt-introspection-'));
    image = join(dir, 'disk.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', image, '1M');
    for (const name of ['dup', 'dup', 'solo', 'dup']) qemuImg('snapshot', '-c', name, image);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('matches a libvirt snapshot with the first entry of its name and lists the other entries as image-only', async () => {
    const r = await compareImageSnapshots('vda', image, [node('dup'), node('gone')]);
    assert.equal(r.error, undefined);
    assert.deepEqual(r.snapshots.map((s) => [s.name, s.where, s.image?.id ?? null]), [
      ['dup', 'both', '1'], ['gone', 'libvirt-only', null], ['dup', 'image-only', '2'], ['solo', 'image-only', '3'], ['dup', 'image-only', '4'],
    ]);
  });

  it('lists two libvirt snapshots of one name (two domains on one volume) once each', async () => {
    const r = await compareImageSnapshots('vol', image, [node('solo'), node('solo')]);
    assert.deepEqual(r.snapshots.map((s) => [s.name, s.where, s.image?.id ?? null]), [
      ['solo', 'both', '3'], ['solo', 'libvirt-only', null], ['dup', 'image-only', '1'], ['dup', 'image-only', '2'], ['dup', 'image-only', '4'],
    ]);
  });

  it('takes a snapshot tree or null as well as a list of nodes', async () => {
    const tree = { roots: ['dup'], nodes: new Map([['dup', node('dup')]]), current: null };
    assert.deepEqual((await compareImageSnapshots('vda', image, tree)).snapshots.map((s) => s.where), ['both', 'image-only', 'image-only', 'image-only']);
    assert.deepEqual((await compareImageSnapshots('vda', image, null)).snapshots.map((s) => s.where), ['image-only', 'image-only', 'image-only', 'image-only']);
  });

  it('throws a fault of the reading code (a RangeError from a buffer) with its class and code, instead of reporting it as the disk\'s error', async () => {
    await useChainWorkerModule(new URL('../support/faulty-chain-worker.ts', import.meta.url));
    try {
      await assert.rejects(compareImageSnapshots('vda', image, []), (e: unknown) => e instanceof RangeError && /offset/.test(e.message));
      // Node's code, by which a caller tells its errors apart, crosses too; so does any built-in class.
      await assert.rejects(compareImageSnapshots('vda', image, []), { code: 'ERR_OUT_OF_RANGE' });
      const other = join(dir, 'reference-error.qcow2');
      copyFileSync(image, other);
      await assert.rejects(compareImageSnapshots('vda', other, []), (e: unknown) => e instanceof ReferenceError && e.name === 'ReferenceError');
    } finally {
      await useChainWorkerModule(null);
    }
    assert.equal((await compareImageSnapshots('vda', image, [])).snapshots.length, 4);
  });

  it('reads the images on another thread, not on the caller\'s (whose event loop a slow file system would stall)', async () => {
    // This thread's reading code is made to fail: a read here would reject.
    const proto = ImageFile.prototype;
    const original = proto.readInto;
    proto.readInto = function (): void {
      throw new Error('read on the calling thread');
    };
    try {
      assert.equal((await compareImageSnapshots('vda', image, [node('dup')])).snapshots[0]?.where, 'both');
    } finally {
      proto.readInto = original;
    }
  });

  it('rejects a read in flight when its thread stops, and reads with a new thread after', async () => {
    const rejected = assert.rejects(compareImageSnapshots('vda', image, []), /backing-chain threads were stopped/);
    await stopChainThreads();
    await rejected;
    assert.equal((await compareImageSnapshots('vda', image, [])).snapshots.length, 4);
  });

  it('reads other images while a read never returns (a hung mount), on up to four threads', async () => {
    await useChainWorkerModule(new URL('../support/hanging-chain-worker.ts', import.meta.url));
    const hung: Promise<unknown>[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const path = join(dir, `hang-${i}.qcow2`);
        copyFileSync(image, path);
        hung.push(assert.rejects(compareImageSnapshots('vda', path, []), /backing-chain threads were stopped/));
      }
      // Three threads hold reads that never return; the fourth serves every other request.
      for (let i = 0; i < 3; i++) assert.equal((await compareImageSnapshots('vda', image, [node('dup')])).snapshots.length, 4);
      const rest = await Promise.all(Array.from({ length: 8 }, () => compareImageSnapshots('vda', image, [])));
      assert.deepEqual(rest.map((r) => r.snapshots.length), Array(8).fill(4));
    } finally {
      await useChainWorkerModule(null);
    }
    await Promise.all(hung);
    assert.equal((await compareImageSnapshots('vda', image, [])).snapshots.length, 4);
  });

  it('queues reads beyond four threads: they wait for a thread, and reject when the threads stop', async () => {
    await useChainWorkerModule(new URL('../support/hanging-chain-worker.ts', import.meta.url));
    const path = join(dir, 'hang-queued.qcow2');
    copyFileSync(image, path);
    const settled: string[] = [];
    const reads = Array.from({ length: 5 }, (_, i) => compareImageSnapshots('vda', path, []).then(() => `read ${i}`, (e: Error) => e.message));
    for (const r of reads) void r.then((m) => settled.push(m));
    // The fifth waits for a thread; a normal image queued behind it waits too.
    const behind = compareImageSnapshots('vda', image, []).then(() => 'read', (e: Error) => e.message);
    void behind.then((m) => settled.push(m));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(chainThreadCount(), 4);
    assert.deepEqual(settled, []);
    await useChainWorkerModule(null);
    assert.deepEqual(await Promise.all([...reads, behind]), Array(6).fill('tsvirt: the backing-chain threads were stopped'));
  });

  it('stops a thread only once it has loaded its modules (one terminated while it loads koffi aborts the process)', async () => {
    await useChainWorkerModule(new URL('../support/slow-chain-worker.ts', import.meta.url));
    const marker = join(dir, 'chain-thread-loaded');
    try {
      await withLoadedMarker(marker, async () => {
        const read = compareImageSnapshots('vda', image, []).then(() => 'read', (e: Error) => e.message);
        // The thread waits 500 ms before it loads: stopped now, it is still loading.
        assert.equal(existsSync(marker), false);
        await stopChainThreads();
        assert.ok(existsSync(marker), 'the thread ended after it had loaded, not part-way');
        assert.equal(await read, 'tsvirt: the backing-chain threads were stopped');
      });
    } finally {
      await useChainWorkerModule(null);
    }
  });

  it('says why when the file is not a readable qcow2', async () => {
    const r = await compareImageSnapshots('vda', join(dir, 'missing.qcow2'), [node('a')]);
    assert.match(r.error ?? '', /ENOENT/);
    assert.deepEqual(r.snapshots, []);
  });
});

describe('qcow2 snapshots beside libvirt\'s, through backing files', function () {
  this.timeout(30_000);
  let dir: string;
  let base: string;
  let top: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsvirt-chain-'));
    base = join(dir, 'base.qcow2');
    top = join(dir, 'top.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', base, '1M');
    qemuImg('snapshot', '-c', 'early', base);
    // As an external snapshot leaves it: the overlay names its backing file relative to itself.
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2', top);
    qemuImg('snapshot', '-c', 'late', top);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a snapshot taken before an external one in the backing file, and names the layer', async () => {
    const r = await compareImageSnapshots('vda', top, [node('early'), node('late'), node('gone')]);
    assert.deepEqual(r.layers.map((l) => [l.path, l.format, l.snapshotCount]), [[top, 'qcow2', 1], [base, 'qcow2', 1]]);
    assert.deepEqual(rows(r), [['early', 'both', 1], ['late', 'both', 0], ['gone', 'libvirt-only', null]]);
    assert.equal(r.snapshots[0]?.image?.imagePath, base);
    assert.equal(r.chainError, undefined);
  });

  it('reports an external snapshot as external with its overlay, and a disk a snapshot left out as excluded', async () => {
    const r = await compareImageSnapshots('vda', top, [
      node('ext', [{ name: 'vda', snapshot: 'external', file: top }]),
      node('late', [{ name: 'vdb', snapshot: 'internal', file: null }, { name: 'vda', snapshot: 'no', file: null }]),
      node('early', [{ name: base, snapshot: 'internal', file: null }]),
    ]);
    assert.deepEqual(rows(r), [['ext', 'external', null], ['late', 'excluded', null], ['early', 'both', 1], ['late', 'image-only', 0]]);
    assert.deepEqual(r.snapshots[0]?.external, { overlay: top, layer: 0 });
  });

  it('says a disk that a snapshot\'s disk list does not name (added since) is excluded from it, unless the image holds the snapshot', async () => {
    // libvirt lists every disk the domain had when it took the snapshot, by target.
    const r = await compareImageSnapshots('vdb', top, [
      node('before-vdb', [{ name: 'vda', snapshot: 'internal', file: null }]),
      node('late', [{ name: 'vda', snapshot: 'internal', file: null }]),
      node('no-list', []),
    ]);
    assert.deepEqual(rows(r), [['before-vdb', 'excluded', null], ['late', 'both', 0], ['no-list', 'libvirt-only', null], ['early', 'image-only', 1]]);
  });

  it('recognises a disk named by the path of any image of its chain, as it was when the snapshot was taken', async () => {
    // An external snapshot taken while the disk was base.qcow2 made top.qcow2.
    const r = await compareImageSnapshots('vda', top, [
      node('ext', [{ name: base, snapshot: 'external', file: top }]),
      node('off', [{ name: `${dir}//./top.qcow2`, snapshot: 'no', file: null }]),
    ]);
    assert.deepEqual(rows(r), [['ext', 'external', null], ['off', 'excluded', null], ['late', 'image-only', 0], ['early', 'image-only', 1]]);
    assert.deepEqual(r.snapshots[0]?.external, { overlay: top, layer: 0 });
  });

  it('follows a backing name with \'..\' from a directory reached through a symlink as qemu does', async () => {
    // sym/link -> sym/data/real; '../other' from there is sym/data/other, not sym/other.
    for (const d of ['sym/data/real', 'sym/data/other']) mkdirSync(join(dir, d), { recursive: true });
    symlinkSync(join(dir, 'sym/data/real'), join(dir, 'sym/link'));
    qemuImg('create', '-q', '-f', 'qcow2', join(dir, 'sym/data/other/base.qcow2'), '1M');
    qemuImg('snapshot', '-c', 'early', join(dir, 'sym/data/other/base.qcow2'));
    qemuImg('create', '-q', '-f', 'qcow2', '-u', '-b', '../other/base.qcow2', '-F', 'qcow2', join(dir, 'sym/data/real/top.qcow2'), '1M');
    const r = await compareImageSnapshots('vda', join(dir, 'sym/link/top.qcow2'), [node('early')]);
    assert.equal(r.chainError, undefined);
    assert.deepEqual(r.layers.map((l) => l.path), [join(dir, 'sym/link/top.qcow2'), `${join(dir, 'sym/link')}/../other/base.qcow2`], 'named as qemu-img names them');
    assert.deepEqual(rows(r), [['early', 'both', 1]]);
  });

  it('tells a file named with \'..\' after a symlink from the file of the chain its lexical path names', async () => {
    // lexlink -> lex/inner: the kernel opens lexlink/../top.qcow2 as lex/top.qcow2; resolve() says top.qcow2.
    mkdirSync(join(dir, 'lex/inner'), { recursive: true });
    symlinkSync(join(dir, 'lex/inner'), join(dir, 'lexlink'));
    qemuImg('create', '-q', '-f', 'qcow2', join(dir, 'lex/top.qcow2'), '1M');
    const other = `${join(dir, 'lexlink')}/../top.qcow2`;
    const r = await compareImageSnapshots('vda', top, [
      node('ext', [{ name: 'vda', snapshot: 'external', file: other }]),
      node('late', [{ name: other, snapshot: 'no', file: null }]),
    ]);
    assert.deepEqual(rows(r), [['ext', 'external', null], ['late', 'both', 0], ['early', 'image-only', 1]]);
    assert.deepEqual(r.snapshots[0]?.external, { overlay: other, layer: null });
  });

  it('says an overlay that is no longer in the chain has no layer', async () => {
    const r = await compareImageSnapshots('vda', base, [node('ext', [{ name: 'vda', snapshot: 'external', file: top }])]);
    assert.deepEqual(r.snapshots[0]?.external, { overlay: top, layer: null });
  });

  it('keeps the layers it read when a backing file is missing, and says why the chain stops', async () => {
    const orphan = join(dir, 'orphan.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', orphan, '1M');
    qemuImg('snapshot', '-c', 'kept', orphan);
    qemuImg('rebase', '-u', '-b', 'missing.qcow2', '-F', 'qcow2', orphan);
    const r = await compareImageSnapshots('vda', orphan, [node('kept')]);
    assert.equal(r.error, undefined);
    assert.deepEqual(r.layers.map((l) => l.path), [orphan]);
    assert.match(r.chainError ?? '', /missing\.qcow2.*ENOENT|ENOENT.*missing\.qcow2/);
    assert.deepEqual(rows(r), [['kept', 'both', 0]]);
  });

  it('names the backing file that stopped the chain when its error does not, and gives the error code', async () => {
    const above = join(dir, 'above-text.qcow2');
    writeFileSync(join(dir, 'text.qcow2'), 'not an image\n');
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'text.qcow2', '-F', 'qcow2', '-u', above, '1M');
    const r = await compareImageSnapshots('vda', above, []);
    assert.deepEqual(r.layers.map((l) => l.path), [above]);
    assert.equal(r.chainError, `backing file '${join(dir, 'text.qcow2')}': Image is not in qcow2 format`);
    assert.equal(r.chainErrorCode, 'IMAGE_FORMAT');
    const lost = join(dir, 'lost-backing.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'gone.qcow2', '-F', 'qcow2', '-u', lost, '1M');
    const missing = await compareImageSnapshots('vda', lost, []);
    assert.equal(missing.chainErrorCode, 'IMAGE_IO');
    assert.doesNotMatch(missing.chainError ?? '', /^backing file/, 'a message that names the file is kept as it is');
  });

  it('does not open a backing file that is neither a regular file nor a block device (a FIFO\'s waiting writer stays waiting)', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const above = join(dir, 'above-fifo.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'fifo', '-F', 'raw', '-u', above, '1M');
    // A writer's open of a FIFO waits for a reader: any open for reading lets it go on.
    const writer = spawn('sh', ['-c', 'printf x > "$0"', fifo], { stdio: 'ignore' });
    const exited = new Promise<void>((done) => writer.on('exit', () => done()));
    try {
      await new Promise((wait) => setTimeout(wait, 200));
      const r = await compareImageSnapshots('vda', above, []);
      assert.deepEqual(r.layers.map((l) => l.path), [above]);
      assert.match(r.chainError ?? '', /not a regular file or block device/);
      const outcome = await Promise.race([exited.then(() => 'exited'), new Promise((wait) => setTimeout(() => wait('waiting'), 500))]);
      assert.equal(outcome, 'waiting', 'the FIFO was opened');
    } finally {
      if (writer.exitCode === null && writer.signalCode === null) writer.kill();
      await exited;
    }
  });

  it('stops at a loop in the chain with the loop named, and reads each image once', async () => {
    const a = join(dir, 'loop-a.qcow2');
    const b = join(dir, 'loop-b.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', a, '1M');
    qemuImg('snapshot', '-c', 'in-a', a);
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'loop-a.qcow2', '-F', 'qcow2', b);
    qemuImg('rebase', '-u', '-b', 'loop-b.qcow2', '-F', 'qcow2', a);
    const r = await compareImageSnapshots('vda', b, []);
    assert.deepEqual(r.layers.map((l) => l.path), [b, a]);
    assert.match(r.chainError ?? '', /loop/i);
    assert.equal(r.chainErrorCode, 'IMAGE_BACKING_LOOP');
    assert.deepEqual(rows(r), [['in-a', 'image-only', 1]]);
  });

  it('reports an unreadable image with an error code', async () => {
    const r = await compareImageSnapshots('vda', join(dir, 'nothing.qcow2'), []);
    assert.equal(r.errorCode, 'IMAGE_IO');
    assert.match(r.error ?? '', /nothing\.qcow2/);
    assert.deepEqual(r.layers, []);
  });
});

describe('paths from libvirt that are not local (test:///default)', function () {
  this.timeout(30_000);
  let conn: Connection;
  before(async () => { conn = await Connection.open('test:///default'); });
  after(async () => conn?.close());

  it('reports a disk or volume whose path is not absolute (a network volume\'s pool/image) as not local, without looking in the working directory', async () => {
    using dom = await conn.defineDomain(`<domain type='test'><name>relative-disk</name><memory>65536</memory><os><type>hvm</type></os><devices>` +
      `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='rbdpool/image'/><target dev='vda'/></disk></devices></domain>`);
    try {
      const [vda] = await dom.diskSnapshots();
      assert.deepEqual([vda?.path, vda?.errorCode, vda?.layers], ['rbdpool/image', 'NOT_LOCAL', []]);
      using pool = await conn.createStoragePool(`<pool type='dir'><name>relative-pool</name><target><path>rbdpool</path></target></pool>`, 0);
      try {
        using vol = await pool.createVolume(`<volume><name>image</name><capacity>1048576</capacity></volume>`, 0);
        const r = await volumeSnapshots(vol, [dom]);
        assert.deepEqual([r.path, r.errorCode], ['rbdpool/image', 'NOT_LOCAL']);
      } finally {
        await pool.destroy();
      }
    } finally {
      await dom.undefine();
    }
  });
});

describe('a disk added to a domain after its snapshots (test:/// node file)', function () {
  this.timeout(30_000);
  let chain: VolumeChain;
  before(async () => { chain = await volumeChain(); });
  after(async () => chain?.cleanup());

  it('is excluded from them, not reported as having lost their data', async () => {
    const added = join(chain.dir, 'added.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', added, '1M');
    {
      using dom = await chain.conn.lookupDomain('g');
      await dom.destroy();
      const xml = (await dom.getXml()).replace('</devices>', `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${added}'/><target dev='vdd'/></disk></devices>`);
      (await chain.conn.defineDomain(xml)).free();
    }
    using dom = await chain.conn.lookupDomain('g');
    const early = (await dom.snapshotTree()).nodes.get('early');
    assert.deepEqual(early?.disks?.map((d) => d.name), ['vda', 'vdb', 'vdc'], 'libvirt lists the disks the domain had');
    const vdd = (await dom.diskSnapshots()).find((d) => d.disk === 'vdd');
    assert.equal(vdd?.path, added);
    assert.deepEqual(rows(vdd as DiskSnapshots), [['early', 'excluded', null]]);
  });
});

describe('disks given as pool volumes (test:/// node file)', function () {
  this.timeout(30_000);
  let chain: VolumeChain;
  let conn: Connection;
  let dir: string;
  before(async () => {
    chain = await volumeChain();
    ({ conn, dir } = chain);
  });
  after(async () => chain?.cleanup());

  it('reads a volume disk\'s image and backing file, and says which pool or volume is missing for the others', async () => {
    using dom = await conn.lookupDomain('g');
    const early = (await dom.snapshotTree()).nodes.get('early');
    assert.deepEqual(early?.disks?.[0], { name: 'vda', snapshot: 'internal', file: null }, 'the tree carries what the snapshot did with each disk');
    const [vda, vdb, vdc] = await dom.diskSnapshots();
    assert.equal(vda?.path, join(dir, 'top.qcow2'));
    assert.deepEqual(rows(vda as DiskSnapshots), [['early', 'both', 1]]);
    assert.deepEqual([vdb?.path, vdb?.errorCode], [null, 'VIR_ERR_NO_STORAGE_POOL']);
    assert.match(vdb?.error ?? '', /nopool/);
    assert.deepEqual([vdc?.path, vdc?.errorCode], [null, 'VIR_ERR_NO_STORAGE_VOL']);
    assert.match(vdc?.error ?? '', /novol/);
  });

  it('lists a volume below an overlay with the snapshots of the domain that uses it', async () => {
    using pool = await conn.lookupStoragePool('p');
    using dom = await conn.lookupDomain('g');
    using vol = await pool.lookupVolume('base.qcow2');
    const r = await volumeSnapshots(vol, [dom]);
    assert.deepEqual(r.layers.map((l) => l.path), [join(dir, 'base.qcow2')]);
    assert.deepEqual(rows(r), [['early', 'both', 0]]);
    // A domain whose disks do not reach the volume contributes nothing.
    using other = await conn.defineDomain({
      type: 'test', name: 'other', memory: { value: 64n, unit: 'MiB' }, vcpu: { count: 1 }, os: { type: 'hvm', boot: [] },
      devices: { disks: [], interfaces: [], graphics: [], consoles: [], serials: [] },
    });
    assert.deepEqual(rows(await volumeSnapshots(vol, [other])), [['early', 'image-only', 0]]);
  });

  it('passes over a domain that is gone by the time its disks are read (a transient guest that stopped)', async () => {
    using pool = await conn.lookupStoragePool('p');
    using vol = await pool.lookupVolume('base.qcow2');
    using dom = await conn.lookupDomain('g');
    using gone = await conn.defineDomain({
      type: 'test', name: 'gone', memory: { value: 64n, unit: 'MiB' }, vcpu: { count: 1 }, os: { type: 'hvm', boot: [] },
      devices: { disks: [], interfaces: [], graphics: [], consoles: [], serials: [] },
    });
    await gone.undefine();
    assert.deepEqual(rows(await volumeSnapshots(vol, [gone, dom])), [['early', 'both', 0]]);
  });

  it('finds a domain whose disk reaches the volume through a symlinked directory', async () => {
    const link = join(dir, 'link-to-pool');
    symlinkSync(dir, link);
    using linked = await conn.defineDomain(`<domain type='test'><name>linked</name><memory>65536</memory><os><type>hvm</type></os><devices>` +
      `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${link}/top.qcow2'/><target dev='vda'/></disk></devices></domain>`);
    (await linked.createSnapshot({ name: 'early', disks: [] })).free();
    using pool = await conn.lookupStoragePool('p');
    using vol = await pool.lookupVolume('base.qcow2');
    assert.deepEqual(rows(await volumeSnapshots(vol, [linked])), [['early', 'both', 0]]);
  });

  it('leaves out of a volume\'s list the snapshots stored in the overlay above it', async () => {
    // After the external snapshot, an internal one goes into the overlay, top.qcow2.
    qemuImg('snapshot', '-c', 'late', join(dir, 'top.qcow2'));
    using dom = await conn.lookupDomain('g');
    (await dom.createSnapshot({ name: 'late', disks: [] })).free();
    using pool = await conn.lookupStoragePool('p');
    using base = await pool.lookupVolume('base.qcow2');
    using top = await pool.lookupVolume('top.qcow2');
    assert.deepEqual(rows(await volumeSnapshots(base, [dom])), [['early', 'both', 0]], 'late is not the base volume\'s, nor lost');
    assert.deepEqual(rows(await volumeSnapshots(top, [dom])), [['early', 'both', 1], ['late', 'both', 0]]);
  });
});

