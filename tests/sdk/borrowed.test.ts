// Handles libvirt lends (an object's connection, a snapshot's domain) become SDK objects with a
// reference of their own: freeing them releases only that reference.
import assert from 'node:assert/strict';
import { Connection } from '../../src/sdk/index.js';

describe('borrowed handles', () => {
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

  it("a snapshot's getDomain() is a Domain of its own", async () => {
    const conn = await Connection.open('test:///default');
    const dom = await conn.lookupDomain('test');
    const snap = await dom.createSnapshot({ name: 'borrowed', disks: [] });
    const owner = snap.getDomain();
    owner.free();
    assert.equal(dom.name, 'test', 'the original domain is still usable');
    await snap.delete();
    snap.free();
    dom.free();
    assert.equal(await conn.close(), 0);
  });
});
