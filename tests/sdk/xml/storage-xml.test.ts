// <pool> and <volume> documents: libvirt's own output, round trips, and objects built from typed
// descriptions that the test driver accepts.
import assert from 'node:assert/strict';
import * as v from '../../../generated/index.js';
import {
  buildPoolXml,
  buildVolumeXml,
  parsePoolXml,
  parseVolumeXml,
  sizeToBytes,
  type StoragePoolDescription,
  type StorageVolumeDescription,
} from '../../../src/sdk/xml/index.js';
import { assertRoundTrip, fixture, xmlError } from './support.js';

describe('sdk/xml storage', () => {
  it('parses the test driver pool', () => {
    const p = parsePoolXml(fixture('test-pool-default.xml'));
    assert.deepEqual([p.type, p.name, p.uuid], ['dir', 'default-pool', 'dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566']);
    assert.deepEqual(p.capacity, { value: 107374182400n, unit: 'bytes' });
    assert.equal(sizeToBytes(p.available ?? { value: 0n }, 'bytes'), 100n * 1024n ** 3n);
    assert.deepEqual(p.source, { hosts: [], devices: [] });
    assert.deepEqual(p.target, { path: '/default-pool' });
  });

  it('parses a qcow2 volume created by the test driver', () => {
    const vol = parseVolumeXml(fixture('test-volume-qcow2.xml'));
    assert.deepEqual([vol.type, vol.name, vol.key], ['file', 'disk1.qcow2', '/default-pool/disk1.qcow2']);
    assert.equal(sizeToBytes(vol.capacity, 'bytes'), 1024n ** 3n);
    assert.deepEqual(vol.target, { path: '/default-pool/disk1.qcow2', format: { type: 'qcow2' } });
  });

  it('parses pool sources, permissions and volume backing stores', () => {
    const pool = parsePoolXml(`<pool type='logical'><name>vg0</name><source><device path='/dev/sdb1'/><device path='/dev/sdc1'/><name>vg0</name><format type='lvm2'/></source>
      <target><path>/dev/vg0</path><permissions><mode>0755</mode><owner>0</owner><group>6</group></permissions></target></pool>`);
    assert.deepEqual(pool.source, { hosts: [], devices: ['/dev/sdb1', '/dev/sdc1'], name: 'vg0', format: 'lvm2' });
    assert.deepEqual(pool.target?.permissions, { mode: '0755', owner: 0, group: 6 });
    const vol = parseVolumeXml(`<volume><name>top.qcow2</name><capacity unit='G'>10</capacity><backingStore><path>/img/base.qcow2</path><format type='qcow2'/></backingStore></volume>`);
    assert.deepEqual(vol.backingStore, { path: '/img/base.qcow2', format: { type: 'qcow2' } });
    assert.equal(sizeToBytes(vol.capacity, 'bytes'), 10n * 1024n ** 3n);
  });

  it('round-trips pool and volume XML without losing anything', () => {
    // An empty <source> only held indentation whitespace, which is not content.
    const normalised = (xml: string): string => xml.replace(/<source>\s*<\/source>/, '<source/>');
    assertRoundTrip(fixture('test-pool-default.xml'), parsePoolXml, buildPoolXml, 'pool', { normalised });
    assertRoundTrip(fixture('test-volume-qcow2.xml'), parseVolumeXml, buildVolumeXml, 'volume');
  });

  it('rejects incomplete typed objects with the path of the bad field', () => {
    const vol: StorageVolumeDescription = { name: 'v', capacity: { value: 1n } };
    assert.throws(() => buildVolumeXml({ ...vol, name: '' }), xmlError('missing-field', '/volume/name'));
    assert.throws(() => buildVolumeXml({ name: 'v' } as StorageVolumeDescription), xmlError('missing-field', '/volume/capacity'));
    assert.throws(() => buildVolumeXml({ ...vol, capacity: { value: 1n, unit: 'XiB' } }), xmlError('invalid-value', '/volume/capacity/@unit'));
    assert.throws(() => buildPoolXml({ type: 'dir', name: 'p', source: { hosts: [{ name: '' }], devices: [] } }), xmlError('missing-field', '/pool/source/host/@name'));
    assert.throws(() => buildPoolXml({ type: '', name: 'p' }), xmlError('missing-field', '/pool/@type'));
  });

  describe('against the test driver', () => {
    let conn: v.virConnectPtr;
    let pool: v.virStoragePoolPtr;
    before(() => {
      conn = v.virConnectOpen('test:///default');
      pool = v.virStoragePoolLookupByName(conn, 'default-pool');
    });
    after(() => {
      v.virStoragePoolFree(pool);
      v.virConnectClose(conn);
    });

    it('creates a qcow2 volume from a typed object and reads it back', () => {
      const doc: StorageVolumeDescription = { name: 'xml-built.qcow2', capacity: { value: 64n, unit: 'MiB' }, target: { format: { type: 'qcow2' } } };
      const vol = v.virStorageVolCreateXML(pool, buildVolumeXml(doc), 0);
      try {
        const back = parseVolumeXml(v.virStorageVolGetXMLDesc(vol, 0));
        assert.equal(back.name, 'xml-built.qcow2');
        assert.equal(sizeToBytes(back.capacity, 'bytes'), 64n * 1024n * 1024n);
        assert.deepEqual(back.target?.format, { type: 'qcow2' });
        assert.equal(back.target?.path, '/default-pool/xml-built.qcow2');
      } finally {
        v.virStorageVolDelete(vol, 0);
        v.virStorageVolFree(vol);
      }
    });

    it('defines a dir pool from a typed object and reads it back', () => {
      const doc: StoragePoolDescription = { type: 'dir', name: 'xml-built-pool', target: { path: '/xml-built-pool' } };
      const p = v.virStoragePoolDefineXML(conn, buildPoolXml(doc), 0);
      try {
        const back = parsePoolXml(v.virStoragePoolGetXMLDesc(p, 0));
        assert.deepEqual([back.type, back.name, back.target?.path], ['dir', 'xml-built-pool', '/xml-built-pool']);
        assert.match(back.uuid ?? '', /^[0-9a-f-]{36}$/);
      } finally {
        v.virStoragePoolUndefine(p);
        v.virStoragePoolFree(p);
      }
    });
  });
});
