// The generated layer against a real libvirtd with the QEMU driver (qemu:///system): a TCG guest
// on a qcow2 volume of a dir pool, internal snapshots offline and live (with memory), checked
// through libvirt and on the image itself with qemu-img, revert, delete, volume clone, and the
// harness's cleanup. Needs scripts/setup-libvirtd.sh; fails (never skips) without a daemon.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from '../../generated/index.js';
import { isLibvirtError } from '../../src/ffi/index.js';
import {
  ScratchPool, TEST_PREFIX, guestXml, listTestDirs, listTestObjects, openDaemon, sweepLeftovers, withScratchPool,
} from '../support/daemon.js';
import type { ScratchGuest, ScratchVolume } from '../support/daemon.js';

interface ImageSnapshot {
  name: string;
  'vm-state-size': number;
}

/** Snapshot names in `qemu-img snapshot -U -l` (plain text: qemu-img 7.2 has no JSON for it). */
function qemuImgSnapshotNames(path: string): string[] {
  const out = execFileSync('qemu-img', ['snapshot', '-U', '-l', path], { encoding: 'utf8' });
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  assert.equal(lines[0], 'Snapshot list:', out);
  assert.match(lines[1] ?? '', /^ID\s+TAG\s+VM SIZE/, out);
  return lines.slice(2).map((l) => l.trim().split(/\s+/)[1] ?? '');
}

/** `qemu-img info -U --output=json`: format, virtual size and the internal snapshots with VM state sizes. */
function qemuImgInfo(path: string): { format: string; 'virtual-size': number; snapshots?: ImageSnapshot[] } {
  return JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', path], { encoding: 'utf8' })) as {
    format: string; 'virtual-size': number; snapshots?: ImageSnapshot[];
  };
}

function state(dom: v.virDomainPtr): number {
  return v.virDomainGetState(dom, 0).state;
}

/** Calls `fn` with a snapshot looked up by name, freeing it afterwards. */
function withSnapshot<T>(dom: v.virDomainPtr, name: string, fn: (snap: v.virDomainSnapshotPtr) => T): T {
  const snap = v.virDomainSnapshotLookupByName(dom, name, 0);
  try {
    return fn(snap);
  } finally {
    v.virDomainSnapshotFree(snap);
  }
}

/** Names of the snapshots virDomainListAllSnapshots returns for `flags`, sorted. */
function listAll(dom: v.virDomainPtr, flags: number): string[] {
  const snaps = v.virDomainListAllSnapshots(dom, flags);
  const names = snaps.map((s) => v.virDomainSnapshotGetName(s));
  for (const s of snaps) v.virDomainSnapshotFree(s);
  return names.sort();
}

function parentName(dom: v.virDomainPtr, name: string): string | null {
  return withSnapshot(dom, name, (snap) => {
    try {
      const parent = v.virDomainSnapshotGetParent(snap, 0);
      const parentName = v.virDomainSnapshotGetName(parent);
      v.virDomainSnapshotFree(parent);
      return parentName;
    } catch (e) {
      if (isLibvirtError(e) && e.codeName === 'VIR_ERR_NO_DOMAIN_SNAPSHOT') return null;
      throw e;
    }
  });
}

function currentName(dom: v.virDomainPtr): string {
  const snap = v.virDomainSnapshotCurrent(dom, 0);
  const name = v.virDomainSnapshotGetName(snap);
  v.virDomainSnapshotFree(snap);
  return name;
}

function stopGuest(dom: v.virDomainPtr): void {
  if (v.virDomainIsActive(dom) === 1) v.virDomainDestroy(dom);
  assert.equal(state(dom), v.VIR_DOMAIN_SHUTOFF);
}

describe('libvirtd with the QEMU driver (qemu:///system)', function () {
  let conn: v.virConnectPtr;

  before(function () {
    conn = openDaemon(); // throws "libvirtd is not reachable ... run scripts/setup-libvirtd.sh"
    sweepLeftovers(conn);
  });

  after(function () {
    if (conn === undefined) return;
    const left = listTestObjects(conn, 'mine');
    const dirs = listTestDirs('mine');
    v.virConnectClose(conn);
    assert.deepEqual({ ...left, dirs }, { domains: [], pools: [], dirs: [] }, 'objects of this run left behind');
  });

  it('an unreachable daemon is an error that says how to start one', function () {
    assert.throws(
      () => openDaemon('qemu+unix:///system?socket=/nonexistent/libvirt-sock'),
      (e: unknown) => e instanceof Error && /not reachable/.test(e.message) && e.message.includes('scripts/setup-libvirtd.sh'),
    );
  });

  describe('a guest on a qcow2 volume: snapshots, revert, delete, clone', function () {
    let scratch: ScratchPool;
    let disk: ScratchVolume;
    let guest: ScratchGuest;
    let dom: v.virDomainPtr;

    before(function () {
      scratch = new ScratchPool();
    });

    after(function () {
      scratch?.cleanup();
    });

    it('defines and starts a TCG guest on a qcow2 volume from a dir pool', function () {
      const poolXml = v.virStoragePoolGetXMLDesc(scratch.pool, 0);
      assert.match(poolXml, /<pool type='dir'>/);
      assert.ok(poolXml.includes(`<path>${scratch.dir}</path>`), poolXml);
      assert.equal(v.virStoragePoolIsActive(scratch.pool), 1);
      assert.equal(v.virStoragePoolIsPersistent(scratch.pool), 0);

      disk = scratch.createVolume({ capacityMiB: 64, format: 'qcow2' });
      assert.equal(disk.path, join(scratch.dir, disk.name));
      assert.equal(disk.capacity, 64n * 1048576n);
      assert.match(v.virStorageVolGetXMLDesc(disk.vol, 0), /<format type='qcow2'\/>/);
      const image = qemuImgInfo(disk.path);
      assert.equal(image.format, 'qcow2');
      assert.equal(image['virtual-size'], 64 * 1048576);

      guest = scratch.defineGuest({ disk });
      dom = guest.dom;
      assert.ok(guest.name.startsWith(TEST_PREFIX));
      assert.equal(state(dom), v.VIR_DOMAIN_SHUTOFF);
      const xml = v.virDomainGetXMLDesc(dom, 0);
      assert.match(xml, /<domain type='qemu'>/);
      assert.ok(xml.includes(`<source file='${disk.path}'/>`), xml);
      assert.match(xml, /<target dev='vda' bus='virtio'\/>/);
      assert.doesNotMatch(xml, /<interface/);

      v.virDomainCreate(dom);
      assert.equal(state(dom), v.VIR_DOMAIN_RUNNING);
      const info = v.virDomainGetInfo(dom);
      assert.equal(info.nrVirtCpu, 1);
      assert.equal(info.maxMem, 64n * 1024n); // KiB
      assert.ok(v.virDomainGetID(dom) > 0);
      assert.match(v.virDomainGetXMLDesc(dom, 0), /<graphics type='vnc' port='59\d\d' autoport='yes' listen='127\.0\.0\.1'>/);
    });

    it('takes an internal snapshot of the shut-off guest', function () {
      stopGuest(dom);
      const snap = v.virDomainSnapshotCreateXML(dom, '<domainsnapshot><name>offline</name><description>guest off</description></domainsnapshot>', 0);
      try {
        assert.equal(v.virDomainSnapshotGetName(snap), 'offline');
        assert.equal(v.virDomainSnapshotIsCurrent(snap, 0), 1);
        assert.equal(v.virDomainSnapshotHasMetadata(snap, 0), 1);
        const xml = v.virDomainSnapshotGetXMLDesc(snap, 0);
        assert.match(xml, /<state>shutoff<\/state>/);
        assert.match(xml, /<description>guest off<\/description>/);
        assert.match(xml, /<disk name='vda' snapshot='internal'\/>/);
      } finally {
        v.virDomainSnapshotFree(snap);
      }
      assert.equal(state(dom), v.VIR_DOMAIN_SHUTOFF);
    });

    it('takes a live internal snapshot with memory of the running guest', function () {
      v.virDomainCreate(dom);
      assert.equal(state(dom), v.VIR_DOMAIN_RUNNING);
      const snap = v.virDomainSnapshotCreateXML(dom, '<domainsnapshot><name>live</name></domainsnapshot>', 0);
      try {
        assert.equal(v.virDomainSnapshotGetName(snap), 'live');
        assert.equal(v.virDomainSnapshotIsCurrent(snap, 0), 1);
        const xml = v.virDomainSnapshotGetXMLDesc(snap, 0);
        assert.match(xml, /<state>running<\/state>/);
        assert.match(xml, /<memory snapshot='internal'\/>/);
        assert.match(xml, /<parent>\s*<name>offline<\/name>\s*<\/parent>/);
      } finally {
        v.virDomainSnapshotFree(snap);
      }
      assert.equal(state(dom), v.VIR_DOMAIN_RUNNING, 'a live snapshot leaves the guest running');
    });

    it('lists both: names, parent relation, current snapshot', function () {
      assert.equal(v.virDomainSnapshotNum(dom, 0), 2);
      assert.deepEqual(v.virDomainSnapshotListNames(dom, 10, 0).sort(), ['live', 'offline']);
      assert.deepEqual(listAll(dom, 0), ['live', 'offline']);
      assert.deepEqual(listAll(dom, v.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS), ['offline']);
      assert.deepEqual(listAll(dom, v.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES), ['live']);
      assert.deepEqual(listAll(dom, v.VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE), ['live']);
      assert.deepEqual(listAll(dom, v.VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE), ['offline']);
      assert.deepEqual(listAll(dom, v.VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL), ['live', 'offline']);
      assert.equal(parentName(dom, 'live'), 'offline');
      assert.equal(parentName(dom, 'offline'), null);
      assert.equal(withSnapshot(dom, 'offline', (s) => v.virDomainSnapshotNumChildren(s, 0)), 1);
      assert.deepEqual(withSnapshot(dom, 'offline', (s) => v.virDomainSnapshotListChildrenNames(s, 10, 0)), ['live']);
      assert.equal(v.virDomainHasCurrentSnapshot(dom, 0), 1);
      assert.equal(currentName(dom), 'live');
      assert.equal(withSnapshot(dom, 'offline', (s) => v.virDomainSnapshotIsCurrent(s, 0)), 0);
    });

    it('qemu-img sees both in the image: VM state only in the live one', function () {
      assert.deepEqual(qemuImgSnapshotNames(disk.path).sort(), ['live', 'offline']);
      const snaps = qemuImgInfo(disk.path).snapshots ?? [];
      const size = (name: string): number | undefined => snaps.find((s) => s.name === name)?.['vm-state-size'];
      assert.equal(size('offline'), 0);
      const live = size('live');
      assert.ok(live !== undefined && live > 0, `live snapshot VM state size: ${live}`);
    });

    it('reverts to the offline snapshot (guest shut off) and back to the live one (guest running)', function () {
      withSnapshot(dom, 'offline', (s) => v.virDomainRevertToSnapshot(s, 0));
      assert.equal(state(dom), v.VIR_DOMAIN_SHUTOFF);
      assert.equal(currentName(dom), 'offline');

      withSnapshot(dom, 'live', (s) => v.virDomainRevertToSnapshot(s, 0));
      assert.equal(state(dom), v.VIR_DOMAIN_RUNNING);
      assert.equal(currentName(dom), 'live');
      assert.equal(v.virDomainSnapshotNum(dom, 0), 2, 'reverting keeps every snapshot');
    });

    it('deletes the parent snapshot (its child becomes a root), then the rest', function () {
      withSnapshot(dom, 'offline', (s) => v.virDomainSnapshotDelete(s, 0));
      assert.deepEqual(v.virDomainSnapshotListNames(dom, 10, 0), ['live']);
      assert.equal(parentName(dom, 'live'), null);
      assert.deepEqual(listAll(dom, v.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS), ['live']);
      assert.deepEqual(qemuImgSnapshotNames(disk.path), ['live']);
      assert.throws(() => v.virDomainSnapshotLookupByName(dom, 'offline', 0),
        (e: unknown) => isLibvirtError(e) && e.codeName === 'VIR_ERR_NO_DOMAIN_SNAPSHOT');

      for (const name of v.virDomainSnapshotListNames(dom, 10, 0)) withSnapshot(dom, name, (s) => v.virDomainSnapshotDelete(s, 0));
      assert.equal(v.virDomainSnapshotNum(dom, 0), 0);
      assert.equal(v.virDomainHasCurrentSnapshot(dom, 0), 0);
      assert.deepEqual(qemuImgSnapshotNames(disk.path), []);
      assert.equal(qemuImgInfo(disk.path).snapshots, undefined);
      assert.equal(state(dom), v.VIR_DOMAIN_RUNNING);
    });

    it('clones the volume with virStorageVolCreateXMLFrom, as qcow2 and as raw', function () {
      stopGuest(dom); // qemu holds a write lock on the image while the guest runs
      const qcow = scratch.cloneVolume(disk, { format: 'qcow2' });
      const raw = scratch.cloneVolume(disk, { format: 'raw' });
      for (const clone of [qcow, raw]) {
        const info = v.virStorageVolGetInfo(clone.vol);
        assert.equal(info.capacity, disk.capacity);
        assert.equal(info.type, v.VIR_STORAGE_VOL_FILE);
        assert.match(v.virStorageVolGetXMLDesc(clone.vol, 0), new RegExp(`<format type='${clone.format}'/>`));
        const image = qemuImgInfo(clone.path);
        assert.equal(image.format, clone.format);
        assert.equal(BigInt(image['virtual-size']), disk.capacity);
      }
      assert.equal(BigInt(statSync(raw.path).size), disk.capacity);
      const names = v.virStoragePoolListAllVolumes(scratch.pool, 0).map((vol) => {
        const name = v.virStorageVolGetName(vol);
        v.virStorageVolFree(vol);
        return name;
      });
      assert.deepEqual(names.sort(), [disk.name, qcow.name, raw.name].sort());
    });

    it('cleanup removes every guest, volume, pool and the temp dir; a second cleanup is a no-op', function () {
      // The guest has a volume clone next to its disk; a running guest is covered by the withScratchPool test.
      const { name: guestName } = guest;
      const poolName = scratch.name;
      const dir = scratch.dir;
      const diskPath = disk.path;
      scratch.cleanup();
      assert.ok(scratch.cleanedUp);
      assert.deepEqual(listTestObjects(conn, 'mine'), { domains: [], pools: [] });
      assert.throws(() => v.virDomainLookupByName(conn, guestName), (e: unknown) => isLibvirtError(e) && e.codeName === 'VIR_ERR_NO_DOMAIN');
      assert.throws(() => v.virStoragePoolLookupByName(conn, poolName), (e: unknown) => isLibvirtError(e) && e.codeName === 'VIR_ERR_NO_STORAGE_POOL');
      assert.equal(existsSync(diskPath), false);
      assert.equal(existsSync(dir), false);
      assert.deepEqual(listTestDirs('mine'), []);
      scratch.cleanup();
    });
  });

  it('withScratchPool cleans up after a test body that throws, running guest included', async function () {
    let seen: { guest: string; pool: string; dir: string } | undefined;
    await assert.rejects(
      withScratchPool((s) => {
        const g = s.defineGuest({ disk: s.createVolume({ capacityMiB: 16 }) });
        seen = { guest: g.name, pool: s.name, dir: s.dir };
        v.virDomainCreate(g.dom);
        throw new Error('boom');
      }),
      /^Error: boom$/,
    );
    assert.ok(seen);
    const left = listTestObjects(conn);
    assert.ok(!left.domains.includes(seen.guest), `guest ${seen.guest} left behind`);
    assert.ok(!left.pools.includes(seen.pool), `pool ${seen.pool} left behind`);
    assert.equal(existsSync(seen.dir), false);
  });

  it('sweepLeftovers removes what a crashed run left (owner process gone) and spares live runs', function () {
    // A pid that certainly belonged to a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    assert.ok(dead !== undefined);
    const stale = `${TEST_PREFIX}${dead}-crashed`;
    const dir = join(tmpdir(), `${stale}-pool`);
    try {
      mkdirSync(dir);
      const pool = v.virStoragePoolCreateXML(conn, `<pool type='dir'><name>${stale}-pool</name><target><path>${dir}</path></target></pool>`, 0);
      const vol = v.virStorageVolCreateXML(pool, `<volume><name>d.qcow2</name><capacity unit='MiB'>16</capacity><target><format type='qcow2'/></target></volume>`, 0);
      const dom = v.virDomainDefineXML(conn, guestXml(`${stale}-guest`, v.virStorageVolGetPath(vol), 'qcow2'));
      // Snapshot metadata makes a plain undefine fail: the sweep must pass the flag.
      v.virDomainSnapshotFree(v.virDomainSnapshotCreateXML(dom, '<domainsnapshot><name>s</name></domainsnapshot>', 0));
      for (const free of [() => v.virDomainFree(dom), () => v.virStorageVolFree(vol), () => v.virStoragePoolFree(pool)]) free();

      const spared = new ScratchPool(); // this process is alive: its objects stay
      try {
        const report = sweepLeftovers(conn);
        assert.ok(report.domains.includes(`${stale}-guest`), JSON.stringify(report));
        assert.ok(report.pools.includes(`${stale}-pool`), JSON.stringify(report));
        assert.ok(report.dirs.includes(dir), JSON.stringify(report));
        const all = listTestObjects(conn);
        assert.ok(!all.domains.includes(`${stale}-guest`) && !all.pools.includes(`${stale}-pool`), JSON.stringify(all));
        assert.deepEqual(listTestObjects(conn, 'mine'), { domains: [], pools: [spared.name] });
        assert.equal(existsSync(dir), false);
        assert.equal(existsSync(spared.dir), true);
      } finally {
        spared.cleanup();
      }
    } finally {
      sweepLeftovers(conn);
    }
    assert.deepEqual(listTestObjects(conn, 'mine'), { domains: [], pools: [] });
    assert.deepEqual(listTestDirs('mine'), []);
  });
});
