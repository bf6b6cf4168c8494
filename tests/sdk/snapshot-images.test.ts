// A disk pointed at another file after a snapshot was taken: the snapshot's data stays in the
// file the disk had then (libvirt's saved definition names it, and a revert goes back to it),
// so introspection looks for it there instead of calling it gone, or matching a snapshot of
// the same name in today's image. On a test:/// node file whose dir pool is a temporary
// directory (tests/support/volume-chain.ts); the test driver keeps snapshot metadata only.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareImageSnapshots, volumeSnapshots, type DiskSnapshots, type SnapshotNode } from '../../src/sdk/index.js';
import { fileKey } from '../../src/sdk/snapshot-images.js';
import { qemuImg, volumeChain, type VolumeChain } from '../support/volume-chain.js';

/**
 * Name, where, the file holding the image entry, the file the disk had at the snapshot; by
 * name (libvirt's snapshots taken within one second are in name order).
 */
const rows = (d: DiskSnapshots | undefined): [string, string, string | null, string | null | undefined][] =>
  (d?.snapshots ?? []).map((s): [string, string, string | null, string | null | undefined] => [s.name, s.where, s.image?.imagePath ?? null, s.snapshotImage?.path])
    .sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));

const fileDisk = (dev: string, path: string): string =>
  `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${path}'/><target dev='${dev}'/></disk>`;
const domainXml = (disks: string): string =>
  `<domain type='test'><name>h</name><memory>65536</memory><os><type>hvm</type></os><devices>${disks}</devices></domain>`;

describe('snapshots taken when a disk was another file (test:/// node file)', function () {
  this.timeout(30_000);
  let chain: VolumeChain;
  let old: string;
  let now: string;
  let removed: string;
  before(async () => {
    chain = await volumeChain();
    old = join(chain.dir, 'old.qcow2');
    now = join(chain.dir, 'now.qcow2');
    removed = join(chain.dir, 'removed.qcow2');
    for (const f of [old, now, removed]) qemuImg('create', '-q', '-f', 'qcow2', f, '1M');
    qemuImg('snapshot', '-c', 'then', old);
    qemuImg('snapshot', '-c', 'then', removed);
    // A snapshot of the same name in today's image, which is not the libvirt snapshot's data.
    qemuImg('snapshot', '-c', 'then', now);
    qemuImg('snapshot', '-c', 'later', now);
    const conn = chain.conn;
    {
      using dom = await conn.defineDomain(domainXml(fileDisk('vda', old) + fileDisk('vdb', removed)));
      (await dom.createSnapshot({ name: 'then', disks: [] })).free();
      // The disks pointed at another file: the same domain (its UUID) defined again.
      (await conn.defineDomain((await dom.getXml()).replaceAll(old, now).replaceAll(removed, now))).free();
    }
    using dom = await conn.lookupDomain('h');
    (await dom.createSnapshot({ name: 'later', disks: [] })).free();
    rmSync(removed);
  });
  after(async () => chain?.cleanup());

  it('matches the snapshot in the file the disk had, and lists today\'s same-named entry as image-only', async () => {
    using dom = await chain.conn.lookupDomain('h');
    const vda = (await dom.diskSnapshots()).find((d) => d.disk === 'vda');
    assert.deepEqual(rows(vda), [
      ['later', 'both', now, undefined],
      ['then', 'both', old, old],
      ['then', 'image-only', now, undefined],
    ]);
    const then = vda?.snapshots.find((s) => s.name === 'then' && s.where === 'both');
    assert.equal(then?.image?.layer, 0, 'the layer counts from the file the disk had');
  });

  it('says the data is gone, and why, when that file is gone', async () => {
    using dom = await chain.conn.lookupDomain('h');
    const vdb = (await dom.diskSnapshots()).find((d) => d.disk === 'vdb');
    const then = vdb?.snapshots.find((s) => s.name === 'then');
    assert.equal(then?.where, 'libvirt-only');
    assert.equal(then?.snapshotImage?.path, removed);
    assert.match(then?.snapshotImage?.error ?? '', /ENOENT/);
  });

  it('does the same for a tree given to compareImageSnapshots (file paths the definitions name)', async () => {
    using dom = await chain.conn.lookupDomain('h');
    const r = await compareImageSnapshots('vda', now, await dom.snapshotTree());
    assert.deepEqual(rows(r), [['later', 'both', now, undefined], ['then', 'both', old, old], ['then', 'image-only', now, undefined]]);
  });

  it('finds a pool volume the disk had, through its pool, and follows that volume\'s backing chain', async () => {
    // 'early' was taken with vda the volume top.qcow2 (its data in base.qcow2, below it).
    using pool = await chain.conn.lookupStoragePool('p');
    (await pool.createVolume(`<volume><name>fresh.qcow2</name><capacity>1048576</capacity><target><format type='qcow2'/></target></volume>`)).free();
    qemuImg('create', '-q', '-f', 'qcow2', join(chain.dir, 'fresh.qcow2'), '1M');
    {
      using g = await chain.conn.lookupDomain('g');
      await g.destroy(); // the new definition is the one read, not the running domain's
      const xml = (await g.getXml()).replace(/<source pool='p' volume='top.qcow2'\/>/, `<source pool='p' volume='fresh.qcow2'/>`);
      (await chain.conn.defineDomain(xml)).free();
    }
    using g = await chain.conn.lookupDomain('g');
    const vda = (await g.diskSnapshots()).find((d) => d.disk === 'vda');
    assert.equal(vda?.path, join(chain.dir, 'fresh.qcow2'));
    assert.deepEqual(rows(vda), [['early', 'both', join(chain.dir, 'base.qcow2'), join(chain.dir, 'top.qcow2')]]);
    assert.equal(vda?.snapshots[0]?.image?.layer, 1);
    // A volume's list counts the snapshots taken while a disk was the volume, not since.
    using top = await pool.lookupVolume('top.qcow2');
    assert.deepEqual(rows(await volumeSnapshots(top, [g])), [['early', 'both', join(chain.dir, 'base.qcow2'), undefined]]);
    using fresh = await pool.lookupVolume('fresh.qcow2');
    assert.deepEqual(rows(await volumeSnapshots(fresh, [g])), []);
  });
});

describe('disks swapped since, and a volume\'s list by the files its domains\' disks had at each snapshot (test:/// node file)', function () {
  this.timeout(30_000);
  let chain: VolumeChain;
  const at = (name: string): string => join(chain.dir, name);
  beforeEach(async () => { chain = await volumeChain(); });
  afterEach(async () => chain?.cleanup());

  /** The same domain (by UUID) defined again with `disks`. */
  async function redefine(name: string, disks: string): Promise<void> {
    using dom = await chain.conn.lookupDomain(name);
    if (await dom.isActive()) await dom.destroy();
    const uuid = /<uuid>([^<]+)<\/uuid>/.exec(await dom.getXml())?.[1] ?? '';
    (await chain.conn.defineDomain(domainXml(disks).replace('<name>h</name>', `<uuid>${uuid}</uuid><name>${name}</name>`))).free();
  }

  it('counts a snapshot for the volume below the overlay the disk had then, also when the disk is another file today', async () => {
    // 'early' was taken with vda top.qcow2, an overlay above base.qcow2, which holds its data.
    qemuImg('create', '-q', '-f', 'qcow2', at('fresh.qcow2'), '1M');
    await redefine('g', fileDisk('vda', at('fresh.qcow2')));
    using g = await chain.conn.lookupDomain('g');
    using pool = await chain.conn.lookupStoragePool('p');
    using base = await pool.lookupVolume('base.qcow2');
    assert.deepEqual(rows(await volumeSnapshots(base, [g])), [['early', 'both', at('base.qcow2'), undefined]]);
  });

  /** h with vda a.qcow2 and vdb v.qcow2 (a volume of 'p') at 's', each file holding an 's'; the disks swapped since. */
  async function swapped(): Promise<{ a: string; v: string }> {
    const a = at('a.qcow2');
    const v = at('v.qcow2');
    using pool = await chain.conn.lookupStoragePool('p');
    (await pool.createVolume(`<volume><name>v.qcow2</name><capacity>1048576</capacity><target><format type='qcow2'/></target></volume>`)).free();
    for (const f of [a, v]) {
      qemuImg('create', '-q', '-f', 'qcow2', f, '1M');
      qemuImg('snapshot', '-c', 's', f);
    }
    (await chain.conn.defineDomain(domainXml(fileDisk('vda', a) + fileDisk('vdb', v)))).free();
    {
      using h = await chain.conn.lookupDomain('h');
      (await h.createSnapshot({ name: 's', disks: [] })).free();
    }
    await redefine('h', fileDisk('vda', v) + fileDisk('vdb', a));
    return { a, v };
  }

  it('matches a snapshot in a disk\'s file today where the saved definition gives that file another target (disks swapped since)', async () => {
    const { a, v } = await swapped();
    using h = await chain.conn.lookupDomain('h');
    const disks = await h.diskSnapshots();
    assert.deepEqual(rows(disks.find((d) => d.disk === 'vda')), [['s', 'both', v, undefined]]);
    assert.deepEqual(rows(disks.find((d) => d.disk === 'vdb')), [['s', 'both', a, undefined]]);
    assert.deepEqual(rows(await compareImageSnapshots('vda', v, await h.snapshotTree())), [['s', 'both', v, undefined]]);
  });

  it('counts a snapshot for the volume a disk of another target had then (disks swapped since)', async () => {
    await swapped();
    using h = await chain.conn.lookupDomain('h');
    using pool = await chain.conn.lookupStoragePool('p');
    using volume = await pool.lookupVolume('v.qcow2');
    assert.deepEqual(rows(await volumeSnapshots(volume, [h])), [['s', 'both', at('v.qcow2'), undefined]]);
  });

  it('reads the file the disk had through a symlink and \'..\', which is not today\'s file of the same lexical path', async () => {
    // link -> deep/inner, so the kernel opens link/../d.qcow2 as deep/d.qcow2; resolve() says d.qcow2.
    mkdirSync(at('deep/inner'), { recursive: true });
    symlinkSync(at('deep/inner'), at('link'));
    const old = `${at('link')}/../d.qcow2`;
    for (const f of [at('deep/d.qcow2'), at('d.qcow2')]) {
      qemuImg('create', '-q', '-f', 'qcow2', f, '1M');
      qemuImg('snapshot', '-c', 's', f);
    }
    (await chain.conn.defineDomain(domainXml(fileDisk('vda', old)))).free();
    {
      using h = await chain.conn.lookupDomain('h');
      (await h.createSnapshot({ name: 's', disks: [] })).free();
    }
    await redefine('h', fileDisk('vda', at('d.qcow2')));
    using h = await chain.conn.lookupDomain('h');
    const expected = [['s', 'both', old, old], ['s', 'image-only', at('d.qcow2'), undefined]];
    assert.deepEqual(rows((await h.diskSnapshots()).find((d) => d.disk === 'vda')), expected);
    assert.deepEqual(rows(await compareImageSnapshots('vda', at('d.qcow2'), await h.snapshotTree())), expected);
  });

  it('says why the chain of the file the disk had stops early (its backing file removed), where the data may be', async () => {
    // 's' is in o-base.qcow2, below o.qcow2, the disk's file when it was taken.
    qemuImg('create', '-q', '-f', 'qcow2', at('o-base.qcow2'), '1M');
    qemuImg('snapshot', '-c', 's', at('o-base.qcow2'));
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'o-base.qcow2', '-F', 'qcow2', at('o.qcow2'));
    qemuImg('create', '-q', '-f', 'qcow2', at('fresh.qcow2'), '1M');
    (await chain.conn.defineDomain(domainXml(fileDisk('vda', at('o.qcow2'))))).free();
    {
      using h = await chain.conn.lookupDomain('h');
      (await h.createSnapshot({ name: 's', disks: [] })).free();
    }
    await redefine('h', fileDisk('vda', at('fresh.qcow2')));
    rmSync(at('o-base.qcow2'));
    using h = await chain.conn.lookupDomain('h');
    const vda = (await h.diskSnapshots()).find((d) => d.disk === 'vda');
    assert.deepEqual(rows(vda), [['s', 'libvirt-only', null, at('o.qcow2')]]);
    const then = vda?.snapshots[0]?.snapshotImage;
    assert.match(then?.chainError ?? '', /o-base\.qcow2/);
    assert.equal(then?.chainErrorCode, 'IMAGE_IO');
    assert.equal(then?.error, undefined, 'the file the disk had was read');
  });

  it('still counts a snapshot taken when the disk was a file below the volume (in the volume\'s chain)', async () => {
    // h's vda was base.qcow2 at 'early'; top.qcow2, the volume, is an overlay above it today.
    (await chain.conn.defineDomain(domainXml(fileDisk('vda', at('base.qcow2'))))).free();
    {
      using h = await chain.conn.lookupDomain('h');
      (await h.createSnapshot({ name: 'early', disks: [] })).free();
    }
    await redefine('h', fileDisk('vda', at('top.qcow2')));
    using h = await chain.conn.lookupDomain('h');
    using pool = await chain.conn.lookupStoragePool('p');
    using top = await pool.lookupVolume('top.qcow2');
    assert.deepEqual(rows(await volumeSnapshots(top, [h])), [['early', 'both', at('base.qcow2'), undefined]]);
  });
});

describe('a disk that was no local file when a snapshot was taken (test:/// node file)', function () {
  this.timeout(30_000);
  let chain: VolumeChain;
  let now: string;
  before(async () => {
    chain = await volumeChain();
    now = join(chain.dir, 'now.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', now, '1M');
    // A snapshot of the same name in today's image, which is not the libvirt snapshot's data.
    qemuImg('snapshot', '-c', 'then', now);
    const rbd = `<disk type='network' device='disk'><driver name='qemu' type='qcow2'/><source protocol='rbd' name='rbdpool/img'><host name='mon'/></source><target dev='vda'/></disk>`;
    using dom = await chain.conn.defineDomain(domainXml(rbd));
    (await dom.createSnapshot({ name: 'then', disks: [] })).free();
    const uuid = /<uuid>([^<]+)<\/uuid>/.exec(await dom.getXml())?.[1] ?? '';
    (await chain.conn.defineDomain(domainXml(fileDisk('vda', now)).replace('<name>', `<uuid>${uuid}</uuid><name>`))).free();
  });
  after(async () => chain?.cleanup());

  it('does not match a snapshot taken when the disk was a network disk with a same-named entry of today\'s image', async () => {
    using dom = await chain.conn.lookupDomain('h');
    const vda = (await dom.diskSnapshots()).find((d) => d.disk === 'vda');
    assert.deepEqual(rows(vda), [['then', 'image-only', now, undefined], ['then', 'libvirt-only', null, null]]);
    assert.match(vda?.snapshots.find((s) => s.where === 'libvirt-only')?.snapshotImage?.error ?? '', /network disk \(rbd 'rbdpool\/img'\)/);
    const r = await compareImageSnapshots('vda', now, await dom.snapshotTree());
    assert.deepEqual(rows(r), [['then', 'image-only', now, undefined], ['then', 'libvirt-only', null, null]]);
  });

  it('nor one taken when the disk was a volume whose path is not a local one (an rbd pool\'s pool/image)', async () => {
    const node: SnapshotNode = { name: 'then', parent: null, children: [], descendants: [], state: 'shutoff', creationTime: 1_700_000_000, memory: 'no', current: false, diskSources: [{ target: 'vda', path: 'rbdpool/img' }] };
    const r = await compareImageSnapshots('vda', now, [node]);
    assert.deepEqual(rows(r), [['then', 'image-only', now, undefined], ['then', 'libvirt-only', null, 'rbdpool/img']]);
    assert.match(r.snapshots.find((s) => s.where === 'libvirt-only')?.snapshotImage?.error ?? '', /not a local file path/);
  });

  it('leaves such a snapshot out of the list of the volume the disk is today', async () => {
    using pool = await chain.conn.lookupStoragePool('p');
    (await pool.createVolume(`<volume><name>now.qcow2</name><capacity>1048576</capacity><target><format type='qcow2'/></target></volume>`)).free();
    using vol = await pool.lookupVolume('now.qcow2');
    using dom = await chain.conn.lookupDomain('h');
    assert.deepEqual(rows(await volumeSnapshots(vol, [dom])), [['then', 'image-only', now, undefined]]);
  });
});

describe('fileKey of a file that cannot be stat\'ed', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsvirt-filekey-'));
    mkdirSync(join(dir, 'deep/inner'), { recursive: true });
    symlinkSync(join(dir, 'deep/inner'), join(dir, 'link'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps \'..\' (after a symlink it is not the lexical parent) and drops what names the same file', async () => {
    // link/../gone.qcow2 is deep/gone.qcow2, not gone.qcow2.
    assert.notEqual(await fileKey(`${dir}/link/../gone.qcow2`), await fileKey(`${dir}/gone.qcow2`));
    assert.equal(await fileKey(`${dir}//./gone.qcow2`), await fileKey(`${dir}/gone.qcow2`));
  });
});
