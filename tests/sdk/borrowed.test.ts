// Handles libvirt lends (an object's connection, a snapshot's domain) become SDK objects with a
// reference of their own: freeing them releases only that reference.
import assert from 'node:assert/strict';
import * as v from '../../generated/index.js';
import { functionSpec, liveHandleCount } from '../../src/ffi/index.js';
import { Connection, type NodeDevice } from '../../src/sdk/index.js';
import { closesAnswered, isLingering, lingeringConnectionOf } from '../../src/sdk/engine/closing-connections.js';

describe('borrowed handles', () => {
  it('the generated layer marks the lent results from the overrides and does not count them as owned', () => {
    const lent = ['virDomainGetConnect', 'virDomainSnapshotGetDomain', 'virStorageVolGetConnect', 'virNetworkPortGetNetwork'];
    for (const fn of lent) assert.equal(functionSpec(fn)?.ret.borrowed, true, fn);
    assert.equal(functionSpec('virDomainLookupByName')?.ret.borrowed, undefined);
    const conn = v.virConnectOpen('test:///default');
    const dom = v.virDomainLookupByName(conn, 'test');
    const before = liveHandleCount();
    assert.equal(v.virDomainGetConnect(dom), conn);
    assert.equal(liveHandleCount(), before, 'no reference was handed over');
    v.virDomainFree(dom);
    v.virConnectClose(conn);
  });


  it('getConnect() returns a Connection of its own: closing it leaves the original open', async () => {
    const conn = await Connection.open('test:///default');
    const dom = await conn.lookupDomain('test');
    for (let i = 0; i < 3; i++) {
      const lent = dom.getConnect();
      assert.equal(await lent.getType(), 'TEST');
      assert.ok((await lent.close()) >= 1, 'the original connection and the domain still hold it');
    }
    assert.equal(await conn.getType(), 'TEST');
    dom.free();
    assert.equal(await conn.close(), 0, 'every reference taken was released once, no more');
  });

  it('closing a lent connection leaves the original open: its objects still release on the calling thread', async () => {
    const conn = await Connection.open('test:///default');
    const dom = await conn.lookupDomain('test');
    const ptr = conn.handle;
    await dom.getConnect().close();
    assert.equal(lingeringConnectionOf('virDomainFree', dom.handle), undefined, 'conn still holds the connection');
    assert.equal(await conn.close(), 1, 'the domain still holds it');
    assert.equal(lingeringConnectionOf('virDomainFree', dom.handle), ptr, 'no Connection holds it now');
    dom.free();
    await closesAnswered(ptr);
    assert.equal(isLingering(ptr), false, "the domain's release dropped the last reference, and said so");
  });

  it('a node device (libvirt cannot tell its connection) that held a closed connection last ends its lingering when freed', async () => {
    for (const make of [
      (c: Connection) => c.nodeDeviceLookupByName('computer'),
      async (c: Connection) => { const all = await c.listAllNodeDevices(); for (const d of all.slice(1)) d.free(); return all[0] as NodeDevice; },
    ]) {
      const conn = await Connection.open('test:///default');
      const ptr = conn.handle;
      const dev = await make(conn);
      assert.equal(await conn.close(), 1, 'the device still holds the connection');
      assert.equal(isLingering(ptr), true);
      dev.free();
      await closesAnswered(ptr);
      assert.equal(isLingering(ptr), false, "the device's release dropped the last reference, and said so");
    }
  });

  it('close() counts the references that closes on call threads dropped before it', async () => {
    for (let i = 0; i < 20; i++) {
      const conn = await Connection.open('test:///default');
      const first = await conn.lookupDomain('test');
      const second = await conn.lookupDomain('test');
      assert.equal(await conn.close(), 1, 'the domains still hold it');
      first.free(); // no Connection holds the connection: its reference is dropped on a call thread
      const lent = second.getConnect();
      second.free(); // lent holds it: released here
      assert.equal(await lent.close(), 0, `round ${i}: the first domain's reference was dropped before the close`);
    }
  });

  it("a snapshot's getDomain() is a Domain of its own", async () => {
    const conn = await Connection.open('test:///default');
    const dom = await conn.lookupDomain('test');
    const snap = await dom.createSnapshot({ name: 'borrowed', disks: [] });
    try {
      const owner = snap.getDomain();
      owner.free();
      assert.equal(dom.name, 'test', 'the original domain is still usable');
    } finally {
      await snap.delete();
      snap.free();
      dom.free();
    }
    assert.equal(await conn.close(), 0);
  });
});
