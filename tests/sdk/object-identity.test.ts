// What console.log and JSON.stringify show of SDK objects: their kind, name and UUID (a
// connection's URI) from local reads, and `<freed>` / `<closed>` once released, with nothing
// read from the released handle.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import * as generated from '../../generated/index.js';
import { Connection, type Domain } from '../../src/sdk/index.js';
import { localReads } from '../../src/sdk/method-names.js';
import { identityReads, localOnlyHere } from '../../src/sdk/object-identity.js';
import { closeTestDomain, openTestDomain } from '../support/test-domain.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('SDK objects in console.log and JSON (test:///default)', function () {
  this.timeout(60_000);
  let conn: Connection;
  let dom: Domain;
  before(async () => ({ conn, dom } = await openTestDomain()));
  after(() => closeTestDomain(conn, dom));

  it('reads identities only with functions that never leave the process', () => {
    for (const [kind, fields] of Object.entries(identityReads)) {
      for (const fn of Object.values(fields)) {
        assert.equal(typeof (generated as Record<string, unknown>)[fn], 'function', `${kind}: ${fn}`);
        assert.ok(localReads.has(fn) || fn in localOnlyHere, `${kind}: ${fn} is not a local read`);
      }
    }
  });

  it('shows a domain by name and UUID, in console.log and in JSON', () => {
    assert.equal(inspect(dom), `Domain { name: 'test', uuid: '${dom.uuid}' }`);
    assert.match(dom.uuid, UUID);
    assert.equal(JSON.stringify(dom), JSON.stringify({ name: 'test', uuid: dom.uuid }));
    assert.equal(JSON.stringify({ domain: dom }), `{"domain":{"name":"test","uuid":"${dom.uuid}"}}`);
    assert.equal(inspect(conn), "Connection { uri: 'test:///default' }");
    assert.equal(JSON.stringify(conn), '{"uri":"test:///default"}');
  });

  it('shows each kind the test driver has by its own identity', async () => {
    using pool = await conn.lookupStoragePool('default-pool');
    using net = await conn.networkLookupByName('default');
    using iface = await conn.interfaceLookupByName('eth1');
    using device = await conn.nodeDeviceLookupByName('computer');
    using snapshot = await dom.createSnapshot({ name: 'identity-snap', disks: [] });
    try {
      assert.equal(inspect(pool), `StoragePool { name: 'default-pool', uuid: '${pool.getUUIDString()}' }`);
      assert.equal(inspect(net), `Network { name: 'default', uuid: '${net.getUUIDString()}' }`);
      assert.equal(inspect(iface), "Interface { name: 'eth1' }");
      assert.equal(inspect(device), "NodeDevice { name: 'computer' }");
      assert.equal(inspect(snapshot), "DomainSnapshot { name: 'identity-snap' }");
      assert.equal(JSON.stringify([pool, snapshot]), JSON.stringify([{ name: 'default-pool', uuid: pool.getUUIDString() }, { name: 'identity-snap' }]));
      // Nested, as in an event or a listing.
      assert.match(inspect({ pools: [pool] }, { breakLength: Infinity }), /^\{ pools: \[ StoragePool \{ name: 'default-pool', uuid: '[0-9a-f-]{36}' \} \] \}$/);
    } finally {
      await snapshot.delete(0);
    }
  });

  it('shows a freed object and a closed connection as such, reading nothing from the handle', async () => {
    const other = await Connection.open('test:///default');
    const d = await other.lookupDomain('test');
    await other.close();
    // The domain keeps its connection: it is still readable, and shown.
    assert.equal(inspect(d), `Domain { name: 'test', uuid: '${dom.uuid}' }`);
    assert.equal(inspect(other), 'Connection <closed>');
    assert.equal(JSON.stringify(other), 'null');
    d.free();
    // A read would reach freed memory (the SDK releases without the generated layer's bookkeeping).
    assert.equal(inspect(d), 'Domain <freed>');
    assert.equal(JSON.stringify({ domain: d }), '{"domain":null}');
  });
});
