// The SDK against a real libvirtd with the QEMU driver: a TCG guest on a qcow2 volume of a dir
// pool, an offline and a live snapshot, the qcow2 introspection (image read offline) beside
// libvirt's list with the right VM-state sizes, revert, delete, clone, resize, wipe. The
// scratch harness removes every guest, volume, pool and directory, also when a test fails.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inspect } from 'node:util';
import { Connection, NWFilter, Secret, SnapshotDeleteMode, volumeSnapshots, type Domain, type DiskSnapshots, type SecretLifecycleEvent, type NWFilterDescription } from '../../src/sdk/index.js';
import { DAEMON_URI, ScratchPool, listTestObjects, openDaemon, uniqueName, withScratchPool } from '../support/daemon.js';
import type { ScratchGuest, ScratchVolume } from '../support/daemon.js';
import * as v from '../../generated/index.js';
import { isLibvirtError } from '../../src/ffi/index.js';
import { runNwfilter, runSecret } from '../../src/cli/host-commands.js';
import { runOn } from '../support/cli-run.js';

const root = resolve(import.meta.dirname, '../..');

/** VM state sizes by snapshot name, from `qemu-img info -U --output=json` (the reference). */
function qemuVmStateSizes(path: string): Map<string, number> {
  const info = JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', path], { encoding: 'utf8' })) as { snapshots?: { name: string; 'vm-state-size': number }[] };
  return new Map((info.snapshots ?? []).map((s) => [s.name, s['vm-state-size']]));
}

const byName = (d: DiskSnapshots): Map<string, DiskSnapshots['snapshots'][number]> => new Map(d.snapshots.map((s) => [s.name, s]));

describe('SDK on a real libvirtd (qemu:///system, TCG guests)', function () {
  this.timeout(180_000);
  let scratch: ScratchPool;
  let disk: ScratchVolume;
  let guest: ScratchGuest;
  let conn: Connection;
  let dom: Domain;

  before(async () => {
    scratch = new ScratchPool(DAEMON_URI);
    disk = scratch.createVolume({ format: 'qcow2', capacityMiB: 64 });
    guest = scratch.defineGuest({ disk });
    conn = await Connection.open(DAEMON_URI);
    dom = await conn.lookupDomain(guest.name);
  });

  after(async () => {
    dom?.free();
    await conn?.close();
    scratch?.cleanup();
    const c = openDaemon();
    try {
      const left = listTestObjects(c, 'mine');
      assert.deepEqual(left, { domains: [], pools: [] }, 'nothing of this run is left on the daemon');
    } finally {
      v.virConnectClose(c);
    }
  });

  it('takes an offline and a live snapshot and sees both inside the qcow2 image with the right VM-state sizes', async () => {
    assert.equal((await dom.getState()).state.name, 'shutoff');
    const offline = await dom.createSnapshot({ name: 'offline', description: 'guest shut off', disks: [] });
    offline.free();
    await dom.start();
    assert.equal((await dom.getInfo()).state.name, 'running');
    const live = await dom.createSnapshot({ name: 'live', disks: [] });
    const desc = await live.getDescription();
    assert.equal(desc.state, 'running');
    assert.equal(desc.parent, 'offline');
    assert.equal(desc.memory?.snapshot, 'internal');
    live.free();

    const tree = await dom.snapshotTree();
    assert.deepEqual(tree.roots, ['offline']);
    assert.deepEqual(tree.nodes.get('offline')?.children, ['live']);
    assert.equal(tree.current, 'live');

    const [vda] = await dom.diskSnapshots();
    assert.ok(vda);
    assert.equal(vda.disk, 'vda');
    assert.equal(vda.path, disk.path);
    const snaps = byName(vda);
    const reference = qemuVmStateSizes(disk.path);
    assert.equal(snaps.get('offline')?.where, 'both');
    assert.equal(snaps.get('live')?.where, 'both');
    assert.equal(snaps.get('offline')?.image?.vmStateSize, 0, 'an offline snapshot has no VM state');
    assert.ok((snaps.get('live')?.image?.vmStateSize ?? 0) > 0, 'a live snapshot saved the VM state');
    assert.equal(snaps.get('live')?.image?.vmStateSize, reference.get('live'));
    assert.equal(snaps.get('offline')?.image?.vmStateSize, reference.get('offline'));
    assert.deepEqual(snaps.get('live')?.image?.problems, []);
  });

  it('shows what exists on one side only: image data without metadata, metadata without image data', async () => {
    await dom.destroy();
    // Drop libvirt's metadata of "offline" but keep its data in the image.
    using off = await dom.lookupSnapshot('offline');
    await off.delete(SnapshotDeleteMode.metadataOnly);
    // And a snapshot made behind libvirt's back, straight in the image.
    execFileSync('qemu-img', ['snapshot', '-c', 'made-by-qemu-img', disk.path]);
    const snaps = byName((await dom.diskSnapshots())[0] as DiskSnapshots);
    assert.equal(snaps.get('offline')?.where, 'image-only');
    assert.equal(snaps.get('made-by-qemu-img')?.where, 'image-only');
    assert.equal(snaps.get('live')?.where, 'both');
    // Remove the live snapshot's data from the image: libvirt's metadata is then orphaned.
    execFileSync('qemu-img', ['snapshot', '-d', 'live', disk.path]);
    assert.equal(byName((await dom.diskSnapshots())[0] as DiskSnapshots).get('live')?.where, 'libvirt-only');
    using live = await dom.lookupSnapshot('live');
    await live.delete(SnapshotDeleteMode.metadataOnly);
    execFileSync('qemu-img', ['snapshot', '-d', 'offline', disk.path]);
    execFileSync('qemu-img', ['snapshot', '-d', 'made-by-qemu-img', disk.path]);
    assert.deepEqual((await dom.diskSnapshots())[0]?.snapshots, []);
  });

  it('reverts to an offline snapshot and to a live one, and deletes with children', async () => {
    const a = await dom.createSnapshot({ name: 'a', disks: [] }); // guest is shut off: offline
    await dom.start();
    const b = await dom.createSnapshot({ name: 'b', disks: [] }); // live, with memory
    await a.revert();
    assert.equal((await dom.getState()).state.name, 'shutoff');
    await b.revert();
    assert.equal((await dom.getState()).state.name, 'running', 'a live snapshot brings the guest back running');
    await a.delete(SnapshotDeleteMode.withChildren);
    assert.deepEqual((await dom.snapshotTree()).nodes.size, 0);
    assert.deepEqual(qemuVmStateSizes(disk.path).size, 0, 'the image data went too');
    a.free();
    b.free();
    await dom.destroy();
  });

  it('gives the new name after a rename through the same object, and keeps it when a rename fails', () =>
    withScratchPool(async (own) => {
      // A pool of its own: the other tests list this file's pool.
      const other = own.defineGuest({ disk: own.createVolume() });
      const newName = uniqueName('renamed');
      own.recordGuestName(newName);
      const d = await conn.lookupDomain(other.name);
      // A second object on the same handle: a snapshot's domain is its domain's own handle.
      const snapshot = await d.createSnapshot({ name: 'before-rename', disks: [] });
      const shared = snapshot.getDomain();
      await snapshot.delete(); // QEMU renames no domain that has snapshots
      snapshot.free();
      try {
        assert.equal(shared.handle, d.handle);
        assert.equal(d.name, other.name); // read, and kept by the object
        assert.equal(shared.name, other.name);
        await d.rename(newName);
        assert.equal(d.name, newName);
        assert.equal(shared.name, newName);
        await assert.rejects(d.rename(guest.name), (e: unknown) => isLibvirtError(e) && e.codeName === 'VIR_ERR_OPERATION_INVALID');
        assert.equal(d.name, newName);
        const found = await conn.lookupDomain(newName);
        assert.equal(found.uuid, d.uuid);
        found.free();
      } finally {
        shared.free();
        d.free();
      }
    }));

  it('reads nothing of a handle while a rename runs on it: name, console.log and JSON give the old name until it is over', () =>
    withScratchPool(async (own) => {
      const other = own.defineGuest({ disk: own.createVolume() });
      const newName = uniqueName('renaming');
      own.recordGuestName(newName);
      const d = await conn.lookupDomain(other.name);
      const shared = await conn.lookupDomain(other.name);
      try {
        const renaming = d.rename(newName);
        // The main thread stays busy while the call thread renames: the remote driver then frees
        // the handle's name and writes the new one, which reading it during the call would race.
        const until = Date.now() + 500;
        while (Date.now() < until) { /* busy on purpose: the rename's answer waits behind this */ }
        assert.equal(d.name, other.name);
        assert.deepEqual(JSON.parse(JSON.stringify(d)), { name: other.name, uuid: d.uuid });
        assert.match(inspect(d), new RegExp(`name: '${other.name}'`));
        await renaming;
        assert.equal(d.name, newName);
        assert.deepEqual(JSON.parse(JSON.stringify(d)), { name: newName, uuid: d.uuid });
        assert.equal(shared.name, other.name, 'another handle keeps its own copy');
      } finally {
        shared.free();
        d.free();
      }
    }));

  it('clones, resizes and wipes volumes, and lists the pool', async () => {
    const pool = await conn.lookupStoragePool(scratch.name);
    try {
      const source = await pool.lookupVolume(disk.name);
      const clone = await pool.cloneVolume({ name: `${disk.name}-clone`, capacity: { value: 64n, unit: 'MiB' }, target: { format: { type: 'qcow2' } } }, source);
      assert.equal((await clone.getInfo()).capacity, 64n * 1024n * 1024n);
      assert.equal((await clone.getDescription()).target?.format?.type, 'qcow2');
      await clone.resize(128n * 1024n * 1024n, 0);
      assert.equal((await clone.getInfo()).capacity, 128n * 1024n * 1024n);
      const raw = await pool.createVolume({ name: `${disk.name}-raw`, capacity: { value: 8n, unit: 'MiB' }, target: { format: { type: 'raw' } } });
      await raw.wipe(0);
      assert.equal((await raw.getInfo()).type.name, 'file');
      await pool.refresh(0);
      const names = (await pool.listAllVolumes()).map((x) => { const n = x.name; x.free(); return n; }).sort();
      assert.deepEqual(names, [disk.name, `${disk.name}-clone`, `${disk.name}-raw`].sort());
      for (const x of [clone, raw]) { await x.delete(0); x.free(); }
      source.free();
    } finally {
      pool.free();
    }
  });

  it('prints the image snapshot table beside libvirt\'s with tsvirt vol snapshots', async () => {
    await dom.createSnapshot({ name: 'cli', disks: [] });
    const r = spawnSync(process.execPath, [resolve(root, 'dist/src/cli/main.js'), 'vol', 'snapshots', scratch.name, disk.name, '--json', '--connect', DAEMON_URI], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { path: string; snapshots: { name: string; where: string; image: { vmStateSize: number } }[] };
    assert.equal(out.path, disk.path);
    assert.deepEqual(out.snapshots.map((s) => [s.name, s.where, s.image.vmStateSize]), [['cli', 'both', 0]]);
    using s = await dom.lookupSnapshot('cli');
    await s.delete();
  });

  it('finds a pool-volume disk\'s image, and after an external snapshot the internal one below the overlay', async () => {
    const vdisk = scratch.createVolume({ format: 'qcow2', capacityMiB: 64 });
    const vguest = scratch.defineGuest({ disk: vdisk, asVolume: true });
    using vdom = await conn.lookupDomain(vguest.name);
    assert.equal((await vdom.getDescription()).devices.disks[0]?.type, 'volume');
    (await vdom.createSnapshot({ name: 'before', disks: [] })).free();
    const [first] = await vdom.diskSnapshots();
    assert.equal(first?.path, vdisk.path, 'the path comes from the pool');
    assert.deepEqual(first?.snapshots.map((s) => [s.name, s.where, s.image?.layer]), [['before', 'both', 0]]);

    await vdom.start();
    const overlay = `${scratch.dir}/voverlay-${process.pid}.qcow2`;
    // libvirt cannot name an overlay for a pool volume's disk: the CLI takes one per disk.
    const created = spawnSync(process.execPath, [resolve(root, 'dist/src/cli/main.js'), 'snapshot', 'create', vguest.name, 'after', '--disk-only',
      '--overlay', `vda=${overlay}`, '--connect', DAEMON_URI], { encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    try {
      const [vda] = await vdom.diskSnapshots();
      assert.equal(vda?.path, overlay);
      assert.deepEqual(vda?.layers.map((l) => l.path), [overlay, vdisk.path]);
      const found = byName(vda as DiskSnapshots);
      assert.deepEqual([found.get('before')?.where, found.get('before')?.image?.layer, found.get('before')?.image?.imagePath], ['both', 1, vdisk.path]);
      assert.equal(found.get('before')?.image?.vmStateSize, qemuVmStateSizes(vdisk.path).get('before'));
      assert.deepEqual(found.get('after')?.external, { overlay, layer: 0 });
      // From the volume's side: the guest's snapshots are found through the overlay above it.
      using pool = await conn.lookupStoragePool(scratch.name);
      using vol = await pool.lookupVolume(vdisk.name);
      const fromVolume = byName(await volumeSnapshots(vol, [vdom]));
      assert.deepEqual([fromVolume.get('before')?.where, fromVolume.get('after')?.external], ['both', { overlay, layer: null }]);
    } finally {
      await vdom.destroy();
      for (const name of ['after', 'before']) {
        using s = await vdom.lookupSnapshot(name);
        await s.delete(SnapshotDeleteMode.metadataOnly);
      }
    }
  });

  // Last: afterwards the guest's disk is the overlay, not the volume.
  it('takes a disk-only (external) snapshot of a running guest: an overlay, no VM state', async () => {
    await dom.start();
    const overlay = `${scratch.dir}/overlay-${process.pid}.qcow2`;
    const snap = await dom.createSnapshot({ name: 'disk-only', disks: [{ name: 'vda', snapshot: 'external', source: { file: overlay } }] },
      v.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | v.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC);
    try {
      const desc = await snap.getDescription();
      assert.equal(desc.state, 'disk-snapshot');
      assert.equal(desc.memory?.snapshot, 'no');
      const disks = (await dom.getDescription()).devices.disks;
      assert.equal(disks[0]?.source?.file, overlay, 'the guest now writes to the overlay');
      // External snapshots live in other files: reported as external, with the overlay they made.
      const [vda] = await dom.diskSnapshots();
      assert.equal(vda?.path, overlay);
      assert.deepEqual(vda?.layers.map((l) => l.path), [overlay, disk.path]);
      const ext = byName(vda as DiskSnapshots).get('disk-only');
      assert.deepEqual([ext?.where, ext?.external], ['external', { overlay, layer: 0 }]);
    } finally {
      await dom.destroy();
      await snap.delete(SnapshotDeleteMode.metadataOnly);
      snap.free();
    }
  });

  it('sizes vCPU, pinning and memory queries of a running guest itself, from the host and the guest', async () => {
    await dom.start();
    try {
      const hostCpus = (await conn.nodeGetCPUMap()).result;
      const mapLen = Math.ceil(hostCpus / 8);
      const { info, cpumaps } = await dom.getVcpus();
      assert.deepEqual(info.map((i) => [i.number, i.state.name]), [[0, 'running']], 'the guest has one vCPU');
      assert.ok(info[0] !== undefined && info[0].cpu >= 0 && info[0].cpu < hostCpus);
      assert.equal(cpumaps.length, mapLen);
      const pins = await dom.getVcpuPinInfo();
      assert.deepEqual([pins.result, pins.cpumaps.length], [1, mapLen]);
      assert.equal((await dom.getEmulatorPinInfo()).cpumap.length, mapLen);
      const stats = await dom.memoryStats();
      assert.ok(stats.some((s) => s.tag.name === 'rss' && s.val > 0n), JSON.stringify(stats.map((s) => s.tag.name)));
      assert.deepEqual(await dom.getDiskErrors(), { errors: [], result: 0 });
    } finally {
      await dom.destroy();
    }
  });

  it('reads a running guest\'s block job info: the struct beside the result, 0 for no job', async () => {
    await dom.start();
    try {
      // libvirt answers 1 with the job filled in, 0 when the disk has none: the result is the answer.
      const { info, result } = await dom.getBlockJobInfo('vda');
      assert.equal(result, 0, 'no block job runs on vda');
      assert.deepEqual([info.cur, info.end], [0n, 0n]);
    } finally {
      await dom.destroy();
    }
  });

  it('defines a secret from a typed description and reads the same description back', async () => {
    const usage = `${scratch.dir}/${uniqueName('typed-secret')}.img`;
    const secret = await conn.defineSecret({ private: true, description: 'a LUKS passphrase', usage: { type: 'volume', volume: usage } });
    try {
      const desc = await secret.getDescription();
      assert.deepEqual({ ...desc, uuid: undefined }, { ephemeral: false, private: true, uuid: undefined, description: 'a LUKS passphrase', usage: { type: 'volume', volume: usage } });
      assert.equal(desc.uuid, secret.getUUIDString());
      // A private secret's value is set, and then cannot be read back through the API.
      await secret.setValue(new TextEncoder().encode('s3cret'));
      await assert.rejects(secret.getValue(), (e: unknown) => isLibvirtError(e) && e.code === v.VIR_ERR_INVALID_SECRET);
    } finally {
      await secret.undefine();
      secret.free();
    }
  });

  it('defines network filters from typed descriptions, one referring to the other, and reads them back', async () => {
    const base = uniqueName('tsvirt-nwf-base');
    const top = uniqueName('tsvirt-nwf-top');
    const baseDesc: NWFilterDescription = {
      name: base, chain: 'ipv4', priority: -700,
      entries: [{ kind: 'rule', action: 'accept', direction: 'in', priority: 100, protocol: { name: 'tcp', attributes: { dstportstart: '22' } } }],
    };
    const topDesc: NWFilterDescription = {
      name: top, chain: 'root',
      entries: [
        { kind: 'filterref', filter: base, parameters: [{ name: 'IP', value: '10.0.0.1' }, { name: 'IP', value: '10.0.0.2' }] },
        { kind: 'rule', action: 'drop', direction: 'inout', priority: 500 },
      ],
    };
    const made: NWFilter[] = [];
    try {
      made.push(await conn.defineNWFilter(baseDesc));
      made.push(await conn.defineNWFilter(topDesc, v.VIR_NWFILTER_DEFINE_VALIDATE));
      const [b, t] = made as [NWFilter, NWFilter];
      assert.ok(b instanceof NWFilter);
      const withoutUuid = ({ uuid, ...rest }: NWFilterDescription): NWFilterDescription => { assert.match(uuid ?? '', /^[0-9a-f-]{36}$/); return rest; };
      assert.deepEqual(withoutUuid(await b.getDescription()), baseDesc);
      assert.deepEqual(withoutUuid(await t.getDescription()), topDesc);
      // A reference back from the base would make a loop: libvirt refuses it, and the base stays as it was.
      const loop: NWFilterDescription = { ...baseDesc, uuid: b.getUUIDString(), entries: [...baseDesc.entries, { kind: 'filterref', filter: top }] };
      await assert.rejects(conn.defineNWFilter(loop), (e: unknown) => isLibvirtError(e) && e.code === v.VIR_ERR_OPERATION_FAILED && /would introduce a loop/.test(e.message));
      assert.deepEqual(withoutUuid(await b.getDescription()), baseDesc);
    } finally {
      for (const f of made.reverse()) {
        await f.undefine();
        f.free();
      }
    }
    await assert.rejects(conn.nwFilterLookupByName(base), (e: unknown) => isLibvirtError(e) && e.code === v.VIR_ERR_NO_NWFILTER);
  });

  it('tsvirt nwfilter define, list, info and undefine', async () => {
    const name = uniqueName('tsvirt-nwf-cli');
    const file = `${scratch.dir}/${name}.xml`;
    writeFileSync(file, `<filter name='${name}' chain='ipv4'><filterref filter='${name}-missing'/><rule action='drop' direction='in'><tcp dstportstart='23'/></rule></filter>`);
    // libvirt takes a reference to a filter that does not exist yet (it is resolved when applied).
    assert.equal((await runOn(DAEMON_URI, runNwfilter, 'define', file)).stdout, `nwfilter ${name}: defined\n`);
    let undefined_ = false;
    try {
      const listed = JSON.parse((await runOn(DAEMON_URI, runNwfilter, 'list', '--json')).stdout) as { name: string; uuid: string }[];
      const mine = listed.find((f) => f.name === name);
      assert.ok(mine, JSON.stringify(listed));
      const info = JSON.parse((await runOn(DAEMON_URI, runNwfilter, 'info', name, '--json')).stdout) as Record<string, unknown>;
      assert.deepEqual(info, { name, uuid: mine.uuid, chain: 'ipv4', priority: -700, rules: 1, references: [`${name}-missing`] });
      await runOn(DAEMON_URI, runNwfilter, 'undefine', name);
      undefined_ = true;
      await assert.rejects(runOn(DAEMON_URI, runNwfilter, 'info', name), (e: unknown) => isLibvirtError(e) && e.code === v.VIR_ERR_NO_NWFILTER);
    } finally {
      if (!undefined_) await runOn(DAEMON_URI, runNwfilter, 'undefine', name);
    }
  });

  it('tsvirt secret define, list, info and undefine', async () => {
    const file = `${scratch.dir}/${uniqueName('secret')}.xml`;
    const usage = uniqueName('cli-secret');
    writeFileSync(file, `<secret ephemeral='no' private='yes'><description>from the CLI</description><usage type='ceph'><name>${usage}</name></usage></secret>`);
    const defined = JSON.parse((await runOn(DAEMON_URI, runSecret, 'define', file, '--json')).stdout) as { kind: string; name: string; action: string };
    assert.deepEqual([defined.kind, defined.action], ['secret', 'define']);
    let undefined_ = false;
    try {
      const listed = JSON.parse((await runOn(DAEMON_URI, runSecret, 'list', '--json')).stdout) as { uuid: string; usageType: string; usageId: string }[];
      assert.deepEqual(listed.filter((s) => s.uuid === defined.name), [{ uuid: defined.name, usageType: 'ceph', usageId: usage }]);
      const info = JSON.parse((await runOn(DAEMON_URI, runSecret, 'info', defined.name, '--json')).stdout) as Record<string, unknown>;
      assert.deepEqual(info, { uuid: defined.name, usageType: 'ceph', usageId: usage, ephemeral: false, private: true, description: 'from the CLI' });
      // A secret for no object: libvirt's usage ID is '', shown as none.
      using plain = await conn.defineSecret({ description: 'no usage' });
      try {
        const row = (JSON.parse((await runOn(DAEMON_URI, runSecret, 'list', '--json')).stdout) as { uuid: string }[]).find((r) => r.uuid === plain.getUUIDString());
        assert.deepEqual(row, { uuid: plain.getUUIDString(), usageType: 'none', usageId: null });
      } finally {
        await plain.undefine();
      }
      const gone = await runOn(DAEMON_URI, runSecret, 'undefine', defined.name);
      undefined_ = true;
      assert.equal(gone.stdout, `secret ${defined.name}: undefined\n`);
      await assert.rejects(runOn(DAEMON_URI, runSecret, 'info', defined.name), (e: unknown) => isLibvirtError(e) && e.code === v.VIR_ERR_NO_SECRET);
    } finally {
      if (!undefined_) await runOn(DAEMON_URI, runSecret, 'undefine', defined.name);
    }
  });

  it('defines a secret, sets and reads its value, and undefines it (Secret objects, in events too)', async () => {
    const usage = `${scratch.dir}/${uniqueName('secret')}.img`;
    const events: string[] = [];
    const listener = (e: SecretLifecycleEvent): void => {
      if (e.usageId === usage) events.push(`${e.event.name}:${e.secret instanceof Secret && e.secret.getUUIDString() === e.secretUuid}`);
      e.secret.free();
    };
    conn.on('secret:lifecycle', listener);
    await conn.eventsReady();
    const secret = await conn.secretDefineXML(`<secret ephemeral='no' private='no'><usage type='volume'><volume>${usage}</volume></usage></secret>`, 0);
    try {
      assert.ok(secret instanceof Secret);
      assert.equal(secret.getUsageType(), v.VIR_SECRET_USAGE_TYPE_VOLUME);
      assert.equal(secret.getUsageID(), usage);
      await secret.setValue(new TextEncoder().encode('correct horse'), 0);
      assert.equal(new TextDecoder().decode(await secret.getValue(0) as Uint8Array), 'correct horse');
      using found = await conn.secretLookupByUsage(v.VIR_SECRET_USAGE_TYPE_VOLUME, usage);
      assert.equal(found.getUUIDString(), secret.getUUIDString());
    } finally {
      await secret.undefine();
      secret.free();
    }
    await assert.rejects(conn.secretLookupByUsage(v.VIR_SECRET_USAGE_TYPE_VOLUME, usage), (e: unknown) => isLibvirtError(e) && e.code === v.VIR_ERR_NO_SECRET);
    const t0 = Date.now();
    while (events.length < 2 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    conn.off('secret:lifecycle', listener);
    assert.deepEqual(events, ['defined:true', 'undefined:true']);
  });
});
