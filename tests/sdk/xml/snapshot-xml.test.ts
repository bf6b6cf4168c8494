// <domainsnapshot> documents: libvirt's own output, a QEMU internal snapshot, and snapshots
// created on the test driver from typed objects.
import assert from 'node:assert/strict';
import * as v from '../../../generated/index.js';
import { buildSnapshotXml, parseSnapshotXml, type DomainSnapshotDescription } from '../../../src/sdk/xml/index.js';
import { assertRoundTrip, fixture, xmlError } from './support.js';

const FIXTURES = ['test-snapshot-s1.xml', 'test-snapshot-s2-child.xml', 'qemu-snapshot-internal.xml', 'test-snapshot-no-domain.xml'];

describe('sdk/xml snapshot', () => {
  it('parses test driver snapshots: state, creation time, memory, disks, parent, embedded domain', () => {
    const s1 = parseSnapshotXml(fixture('test-snapshot-s1.xml'));
    assert.deepEqual([s1.name, s1.description, s1.state, s1.parent], ['s1', 'd', 'running', undefined]);
    assert.equal(typeof s1.creationTime, 'number');
    assert.ok(new Date((s1.creationTime ?? 0) * 1000).getUTCFullYear() >= 2024);
    assert.deepEqual(s1.memory, { snapshot: 'internal' });
    assert.deepEqual(s1.disks, [{ name: 'vda', snapshot: 'internal' }]);
    assert.equal(s1.domain?.name, 'test');
    const s2 = parseSnapshotXml(fixture('test-snapshot-s2-child.xml'));
    assert.deepEqual([s2.name, s2.parent, s2.description], ['s2', 's1', undefined]);
  });

  it('parses a snapshot that carries only its domain\'s UUID (no definition)', () => {
    const s = parseSnapshotXml(fixture('test-snapshot-no-domain.xml'));
    assert.deepEqual([s.name, s.parent, s.domain, s.creationTime], ['s1', undefined, undefined, 1700000000]);
    assert.match(s.domainUuid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('parses a QEMU internal snapshot with memory and a skipped disk', () => {
    const s = parseSnapshotXml(fixture('qemu-snapshot-internal.xml'));
    assert.deepEqual([s.name, s.parent, s.state, s.creationTime, s.active], ['before-upgrade', 'fresh-install', 'running', 1717406230, true]);
    assert.deepEqual(s.memory, { snapshot: 'internal' });
    assert.deepEqual(s.disks.map((d) => [d.name, d.snapshot]), [['vda', 'internal'], ['sda', 'no']]);
    assert.equal(s.domain?.type, 'qemu');
    assert.equal(s.domain?.devices.disks[0]?.driver?.type, 'qcow2');
    assert.ok(s.extra?.children?.some((c) => 'name' in c.node && c.node.name === 'cookie'));
  });

  for (const name of FIXTURES) {
    it(`round-trips ${name} without losing anything`, () => {
      assertRoundTrip(fixture(name), parseSnapshotXml, buildSnapshotXml, 'domainsnapshot');
    });
  }

  it('builds external disk entries and rejects bad input', () => {
    const doc: DomainSnapshotDescription = {
      name: 'ext',
      memory: { snapshot: 'external', file: '/snap/ext.mem' },
      disks: [{ name: 'vda', snapshot: 'external', type: 'file', driver: { type: 'qcow2' }, source: { file: '/snap/vda.ext' } }],
    };
    assert.deepEqual(parseSnapshotXml(buildSnapshotXml(doc)), doc);
    assert.throws(() => buildSnapshotXml({ ...doc, name: ' ' }), xmlError('missing-field', '/domainsnapshot/name'));
    assert.throws(() => buildSnapshotXml({ ...doc, creationTime: 1.5 }), xmlError('invalid-value', '/domainsnapshot/creationTime'));
    assert.throws(() => buildSnapshotXml({ ...doc, disks: [{ name: '' }] }), xmlError('missing-field', '/domainsnapshot/disks/disk/@name'));
    assert.throws(() => parseSnapshotXml('<domainsnapshot><description>x</description></domainsnapshot>'), xmlError('missing-field', '/domainsnapshot/name'));
  });

  describe('against the test driver', () => {
    let conn: v.virConnectPtr;
    let dom: v.virDomainPtr;
    before(() => {
      conn = v.virConnectOpen('test:///default');
      dom = v.virDomainLookupByName(conn, 'test');
    });
    after(() => {
      v.virDomainFree(dom);
      v.virConnectClose(conn);
    });

    it('creates a parent and a child snapshot from typed objects and reads them back', () => {
      const parentDoc: DomainSnapshotDescription = { name: 'xml-parent', description: 'built <typed> & escaped', disks: [] };
      const childDoc: DomainSnapshotDescription = { name: 'xml-child', memory: { snapshot: 'internal' }, disks: [{ name: 'vda', snapshot: 'internal' }] };
      const parent = v.virDomainSnapshotCreateXML(dom, buildSnapshotXml(parentDoc), 0);
      let child: v.virDomainSnapshotPtr | undefined;
      try {
        child = v.virDomainSnapshotCreateXML(dom, buildSnapshotXml(childDoc), 0);
        const p = parseSnapshotXml(v.virDomainSnapshotGetXMLDesc(parent, 0));
        assert.deepEqual([p.name, p.description, p.state, p.parent], ['xml-parent', 'built <typed> & escaped', 'running', undefined]);
        assert.ok(Math.abs((p.creationTime ?? 0) - Date.now() / 1000) < 3600);
        const c = parseSnapshotXml(v.virDomainSnapshotGetXMLDesc(child, 0));
        assert.deepEqual([c.name, c.parent, c.memory?.snapshot], ['xml-child', 'xml-parent', 'internal']);
        assert.deepEqual(c.disks.map((d) => [d.name, d.snapshot]), [['vda', 'internal']]);
        assert.equal(c.domain?.name, 'test');
      } finally {
        v.virDomainSnapshotDelete(parent, v.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN);
        if (child) v.virDomainSnapshotFree(child);
        v.virDomainSnapshotFree(parent);
      }
      assert.equal(v.virDomainSnapshotNum(dom, 0), 0);
    });
  });
});
