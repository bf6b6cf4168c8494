// The domain, snapshot, pool, vol and net commands run in this process against one test:///default,
// which stays the same driver state while a connection holds it: so a command can see what an
// earlier one did. Their usage errors: usage-errors.test.ts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Connection, SnapshotDeleteMode, type Domain } from '../../src/sdk/index.js';
import { runDomain } from '../../src/cli/domain-commands.js';
import { deleteMode, overlayDisks, runSnapshot } from '../../src/cli/snapshot-commands.js';
import { runVol } from '../../src/cli/storage-commands.js';
import { runNet } from '../../src/cli/network-commands.js';
import { UsageError } from '../../src/cli/args.js';
import { isLibvirtError } from '../../src/ffi/index.js';
import * as v from '../../generated/index.js';
import { qemuImg, volumeChain, type VolumeChain } from '../support/volume-chain.js';
import { runOn, tableRows, type Command, type CommandRun } from '../support/cli-run.js';

const URI = 'test:///default';

/** One command in this process on test:///default. */
const run = (command: Command, ...argv: string[]): Promise<CommandRun> => runOn(URI, command, ...argv);

const usageError = (pattern: RegExp) => (e: unknown): boolean => e instanceof UsageError && pattern.test(e.message);

describe('tsvirt domain, snapshot, pool, vol and net (in this process)', function () {
  this.timeout(60_000);
  let holder: Connection;
  let dom: Domain;
  before(async () => {
    holder = await Connection.open(URI);
    dom = await holder.lookupDomain('test');
  });
  after(async () => {
    dom.free();
    await holder.close();
  });

  const snapshotNames = async (): Promise<string[]> => [...(await dom.snapshotTree()).nodes.keys()].sort();

  describe('snapshot delete', () => {
    beforeEach(async () => {
      assert.equal((await run(runSnapshot, 'create', 'test', 'parent')).status, 0);
      assert.equal((await run(runSnapshot, 'create', 'test', 'child')).status, 0);
    });
    afterEach(async () => {
      for (const root of (await dom.snapshotTree()).roots) await (await dom.lookupSnapshot(root)).delete(SnapshotDeleteMode.withChildren);
    });

    it('combines --metadata-only with --children or --children-only instead of dropping it', () => {
      assert.equal(deleteMode({ children: true, 'metadata-only': true }), SnapshotDeleteMode.withChildren | SnapshotDeleteMode.metadataOnly);
      assert.equal(deleteMode({ 'children-only': true, 'metadata-only': true }), SnapshotDeleteMode.childrenOnly | SnapshotDeleteMode.metadataOnly);
      assert.equal(deleteMode({ 'metadata-only': true }), SnapshotDeleteMode.metadataOnly);
      assert.equal(deleteMode({}), SnapshotDeleteMode.self);
      assert.throws(() => deleteMode({ children: true, 'children-only': true }), usageError(/exclude each other/));
    });

    it('passes --metadata-only on to libvirt with --children: the test driver refuses it, and nothing is deleted', async () => {
      // The test driver keeps no disk data, so it refuses metadata-only deletes: its refusal shows the flag arrived.
      await assert.rejects(run(runSnapshot, 'delete', 'test', 'parent', '--children', '--metadata-only'), (e: unknown) => isLibvirtError(e));
      assert.deepEqual(await snapshotNames(), ['child', 'parent']);
      assert.equal((await run(runSnapshot, 'delete', 'test', 'parent', '--children-only')).status, 0);
      assert.deepEqual(await snapshotNames(), ['parent']);
    });

    it('lists by name, as the other lists do; --tree keeps each level oldest first', async () => {
      // Redefined with a creation time long before the others: last by name, the first root of the tree.
      const dx = await dom.getXMLDesc(0);
      (await dom.createSnapshot(`<domainsnapshot><name>z-oldest</name><state>running</state><creationTime>1700000000</creationTime>${dx}</domainsnapshot>`,
        v.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)).free();
      assert.equal((await run(runSnapshot, 'create', 'test', 'a')).status, 0);
      const listed = JSON.parse((await run(runSnapshot, 'list', 'test', '--json')).stdout) as { name: string; creationTime: number }[];
      assert.deepEqual(listed.map((n) => n.name), ['a', 'child', 'parent', 'z-oldest']);
      assert.equal(listed[3]?.creationTime, 1_700_000_000);
      // NAME, PARENT and CURRENT: no parent shows as -, as an empty cell in the other lists, and not current as no.
      const text = tableRows((await run(runSnapshot, 'list', 'test')).stdout).map(([name, , , parent, current]) => [name, parent, current]);
      assert.deepEqual(text, [['a', 'child', 'yes'], ['child', 'parent', 'no'], ['parent', '-', 'no'], ['z-oldest', '-', 'no']]);
      assert.deepEqual((JSON.parse((await run(runSnapshot, 'list', 'test', '--tree', '--json')).stdout) as { roots: string[] }).roots, ['z-oldest', 'parent']);
    });

    it('list --tree indents children under their parent, depth first, and marks the current one', async () => {
      const other = await holder.defineDomain((await dom.getXMLDesc(0)).replace(/<name>test<\/name>/, '<name>tree</name>').replace(/<uuid>.*<\/uuid>/, ''));
      try {
        const dx = await other.getXMLDesc(0);
        let time = 1_700_000_000;
        // r1 -> (a -> (a1, a2), b); r2 -> c, with c current; created out of order.
        for (const [name, parent] of [['r2'], ['r1'], ['b', 'r1'], ['a', 'r1'], ['a2', 'a'], ['a1', 'a'], ['c', 'r2']] as const) {
          const p = parent === undefined ? '' : `<parent><name>${parent}</name></parent>`;
          (await other.createSnapshot(`<domainsnapshot><name>${name}</name><state>shutoff</state><creationTime>${time++}</creationTime>${p}${dx}</domainsnapshot>`,
            v.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | (name === 'c' ? v.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT : 0))).free();
        }
        const out = (await run(runSnapshot, 'list', 'tree', '--tree')).stdout;
        assert.equal(out, ['r2', '  * c', 'r1', '  b', '  a', '    a2', '    a1', ''].join('\n'));
      } finally {
        await other.undefine(v.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA);
        other.free();
      }
    });
  });

  describe('vol', () => {
    after(async () => {
      const pool = await holder.lookupStoragePool('default-pool');
      for (const v of await pool.listAllVolumes()) {
        await v.delete(0);
        v.free();
      }
      pool.free();
    });

    it('info --json gives the type as number and name, as vol list does', async () => {
      assert.equal((await run(runVol, 'create', 'default-pool', 'typed.img', '--capacity', '1M', '--format', 'raw')).status, 0);
      const info = JSON.parse((await run(runVol, 'info', 'default-pool', 'typed.img', '--json')).stdout) as { type: unknown };
      const listed = JSON.parse((await run(runVol, 'list', 'default-pool', '--json')).stdout) as { name: string; type: unknown }[];
      assert.deepEqual(info.type, { code: 0, name: 'file' });
      assert.deepEqual(listed.find((v) => v.name === 'typed.img')?.type, info.type);
    });

    it('snapshots --json exits 1 when the image cannot be read, and says why', async () => {
      // The test driver's volumes have no file behind them.
      assert.equal((await run(runVol, 'create', 'default-pool', 'ghost.qcow2', '--capacity', '1M')).status, 0);
      const text = await run(runVol, 'snapshots', 'default-pool', 'ghost.qcow2');
      const json = await run(runVol, 'snapshots', 'default-pool', 'ghost.qcow2', '--json');
      assert.equal(text.status, 1);
      assert.equal(json.status, 1);
      assert.match((JSON.parse(json.stdout) as { error: string }).error, /ENOENT|no such file/i);
    });
  });

  it('snapshot create --overlay DISK=FILE gives each named disk its overlay, for a disk-only snapshot only', () => {
    assert.deepEqual(overlayDisks({ 'disk-only': true, overlay: ['vda=/var/a.qcow2', 'vdb=/var/b=c.qcow2'] }), [
      { name: 'vda', snapshot: 'external', source: { file: '/var/a.qcow2' } },
      { name: 'vdb', snapshot: 'external', source: { file: '/var/b=c.qcow2' } },
    ]);
    assert.deepEqual(overlayDisks({ 'disk-only': true }), []);
    assert.throws(() => overlayDisks({ overlay: ['vda=/var/a.qcow2'] }), usageError(/--overlay applies to a --disk-only snapshot/));
    assert.throws(() => overlayDisks({ 'disk-only': true, overlay: ['vda=a.qcow2'] }), usageError(/expected DISK=\/absolute\/path, got vda=a\.qcow2/));
    assert.throws(() => overlayDisks({ 'disk-only': true, overlay: ['/var/a.qcow2'] }), usageError(/expected DISK=/));
    assert.throws(() => overlayDisks({ 'disk-only': true, overlay: ['vda=/a', 'vda=/b'] }), usageError(/disk vda named twice/));
  });

  describe('domain', () => {
    it('takes a domain by name, UUID or ID, and says what it looked up when none matches', async () => {
      for (const key of ['test', dom.uuid, String(await dom.getID())]) {
        const r = await run(runDomain, 'info', key, '--json');
        assert.equal(r.status, 0, `${key}: ${r.stderr}`);
        assert.equal((JSON.parse(r.stdout) as { name: string }).name, 'test', key);
      }
      await assert.rejects(run(runDomain, 'info', 'nope'), (e: unknown) => isLibvirtError(e) && e.codeName === 'VIR_ERR_NO_DOMAIN' && /'nope'/.test(e.message));
      await assert.rejects(run(runDomain, 'info', '99999999999'), (e: unknown) => isLibvirtError(e) && e.codeName === 'VIR_ERR_NO_DOMAIN');
    });

    it('xml prints the live XML, or the persistent definition with --inactive', async () => {
      const live = await run(runDomain, 'xml', 'test');
      assert.equal(live.status, 0, live.stderr);
      assert.equal(live.stdout, await dom.getXml());
      const inactive = await run(runDomain, 'xml', 'test', '--inactive', '--json');
      assert.deepEqual(JSON.parse(inactive.stdout), { domain: 'test', xml: await dom.getXml(v.VIR_DOMAIN_XML_INACTIVE) });
      assert.doesNotMatch(inactive.stdout, /id='1'/, 'the definition has no running id');
      await assert.rejects(run(runDomain, 'info', 'test', '--inactive'), usageError(/domain info takes no --inactive/));
    });
  });

  describe('net', () => {
    it('lists networks and shows one, as a table and as JSON', async () => {
      const table = await run(runNet, 'list');
      assert.match(table.stdout, /^NAME +STATE +AUTOSTART +PERSISTENT +BRIDGE$/m);
      assert.match(table.stdout, /^default +active +no +yes +virbr0$/m);
      using net = await holder.networkLookupByName('default');
      assert.deepEqual(JSON.parse((await run(runNet, 'info', 'default', '--json')).stdout),
        { name: 'default', uuid: net.getUUIDString(), active: true, persistent: true, autostart: false, bridge: 'virbr0' });
    });

    it('stops, starts and marks a network autostarted, as the connection then sees', async () => {
      using net = await holder.networkLookupByName('default');
      try {
        assert.deepEqual(JSON.parse((await run(runNet, 'destroy', 'default', '--json')).stdout), { kind: 'network', name: 'default', action: 'destroy' });
        assert.equal(await net.isActive(), 0);
        assert.equal((await run(runNet, 'start', 'default')).stdout, 'network default: started\n');
        assert.equal(await net.isActive(), 1);
        assert.equal((await run(runNet, 'autostart', 'default')).stdout, 'network default: autostart enabled\n');
        assert.equal(await net.getAutostart(), 1);
        assert.deepEqual(JSON.parse((await run(runNet, 'autostart', 'default', '--disable', '--json')).stdout),
          { kind: 'network', name: 'default', action: 'autostart', autostart: false });
        assert.equal(await net.getAutostart(), 0);
      } finally {
        if (await net.isActive() === 0) await net.create();
        await net.setAutostart(0);
      }
    });

    it('reports a network that does not exist with libvirt\'s error', async () => {
      await assert.rejects(run(runNet, 'info', 'nope'), (e: unknown) => isLibvirtError(e) && e.codeName === 'VIR_ERR_NO_NETWORK');
      await assert.rejects(run(runNet, 'info', 'default', '--disable'), usageError(/net info takes no --disable/));
    });
  });

});

describe('tsvirt vol snapshots through a backing chain (test:/// node file)', function () {
  this.timeout(30_000);
  let chain: VolumeChain;
  before(async () => { chain = await volumeChain(); });
  after(async () => chain?.cleanup());

  it('names the backing file that holds a snapshot, and warns when the chain stops early', async () => {
    const base = join(chain.dir, 'base.qcow2');
    const text = await runOn(chain.uri, runVol, 'snapshots', 'p', 'top.qcow2');
    assert.equal(text.status, 0, text.stderr);
    const [header, , row, more] = text.stdout.trimEnd().split('\n');
    assert.match(header ?? '', /\bFILE\b/);
    // Each connection to a node file has a driver state of its own: libvirt's 'early' (made
    // on chain.conn) is not seen here, so the image's 'early' is image-only, in the backing file.
    assert.match(row ?? '', new RegExp(`^early +image-only .*${base.replace(/[.]/g, '\\.')}`));
    assert.equal(more, undefined);
    assert.equal(text.stderr, '');
    // base.qcow2 now names a backing file that is not there: the layers above are still listed.
    qemuImg('rebase', '-u', '-b', 'gone.qcow2', '-F', 'qcow2', base);
    const json = await runOn(chain.uri, runVol, 'snapshots', 'p', 'top.qcow2', '--json');
    const out = JSON.parse(json.stdout) as { layers: { path: string }[]; chainError: string; snapshots: { name: string }[] };
    assert.equal(json.status, 0);
    assert.deepEqual(out.layers.map((l) => l.path), [join(chain.dir, 'top.qcow2'), base]);
    assert.match(out.chainError, /gone\.qcow2/);
    const warned = await runOn(chain.uri, runVol, 'snapshots', 'p', 'top.qcow2');
    assert.match(warned.stderr, /warning: .*backing chain read only 2 image\(s\) deep: .*gone\.qcow2/);
  });
});
