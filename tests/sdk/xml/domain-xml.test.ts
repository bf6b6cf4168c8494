// <domain> documents: typed fields from libvirt's own XML, lossless round trips, and XML built
// from a typed object that the test driver accepts and reports back unchanged.
import assert from 'node:assert/strict';
import * as v from '../../../generated/index.js';
import { buildDomainXml, parseDomainXml, sizeToBytes, type DomainDescription } from '../../../src/sdk/xml/index.js';
import { assertRoundTrip, assertSameXml, fixture, xmlError } from './support.js';

const FIXTURES = ['test-domain-active.xml', 'test-domain-inactive.xml', 'qemu-domain.xml'];

describe('sdk/xml domain', () => {
  it('parses the test driver domain', () => {
    const d = parseDomainXml(fixture('test-domain-active.xml'));
    assert.equal(d.type, 'test');
    assert.equal(d.id, 1);
    assert.equal(d.name, 'test');
    assert.equal(d.uuid, '6695eb01-f6a4-8304-79aa-97f2502e193f');
    assert.deepEqual(d.memory, { value: 8388608n, unit: 'KiB' });
    assert.equal(sizeToBytes(d.memory, 'KiB'), 8n * 1024n ** 3n);
    assert.deepEqual(d.vcpu, { count: 2, placement: 'static' });
    assert.deepEqual(d.os, { type: 'hvm', arch: 'i686', boot: ['hd'] });
    assert.deepEqual([d.onPoweroff, d.onReboot, d.onCrash], ['destroy', 'restart', 'destroy']);
    const [disk] = d.devices.disks;
    assert.deepEqual([disk?.type, disk?.device, disk?.source?.file, disk?.target], ['file', 'disk', '/guest/diskimage1', { dev: 'vda', bus: 'virtio' }]);
    const [nic] = d.devices.interfaces;
    assert.deepEqual([nic?.type, nic?.mac, nic?.source, nic?.targetDev], ['network', 'aa:bb:cc:dd:ee:ff', { network: 'default' }, 'testnet0']);
    assert.equal(parseDomainXml(fixture('test-domain-inactive.xml')).id, undefined);
  });

  it('parses a QEMU domain: qcow2 virtio disk, cdrom, network interface, VNC, serial console', () => {
    const d = parseDomainXml(fixture('qemu-domain.xml'));
    assert.deepEqual([d.type, d.name, d.title, d.description], ['qemu', 'web01', 'Web server & cache', 'Front-end node <rack 4>']);
    assert.deepEqual(d.os, { type: 'hvm', arch: 'x86_64', machine: 'pc-q35-8.2', boot: ['hd', 'cdrom'] });
    assert.deepEqual(d.vcpu?.current, 1);
    assert.deepEqual(d.features?.enabled, ['acpi', 'apic']);
    assert.equal(d.clock?.offset, 'utc');
    assert.equal(d.devices.emulator, '/usr/bin/qemu-system-x86_64');
    const [vda, sda] = d.devices.disks;
    assert.deepEqual(vda?.driver && { ...vda.driver, extra: undefined }, { name: 'qemu', type: 'qcow2', cache: 'none', extra: undefined });
    assert.equal(vda?.source?.file, '/var/lib/libvirt/images/web01.qcow2');
    assert.deepEqual([vda?.target.dev, vda?.target.bus, vda?.bootOrder, vda?.readonly], ['vda', 'virtio', 1, undefined]);
    assert.deepEqual([sda?.device, sda?.target.bus, sda?.readonly], ['cdrom', 'sata', true]);
    const [nic] = d.devices.interfaces;
    assert.deepEqual([nic?.mac, nic?.source?.network, nic?.source?.bridge, nic?.model, nic?.targetDev], ['52:54:00:6b:3c:58', 'default', 'virbr0', 'virtio', 'vnet2']);
    assert.deepEqual(d.devices.graphics.map(({ extra: _, ...g }) => g), [{ type: 'vnc', port: 5900, autoport: true, listen: '127.0.0.1' }]);
    assert.deepEqual(d.devices.serials[0]?.target && { ...d.devices.serials[0].target, extra: undefined }, { type: 'isa-serial', port: 0, extra: undefined });
    assert.equal(d.devices.consoles[0]?.target?.type, 'serial');
  });

  for (const name of FIXTURES) {
    it(`round-trips ${name} without losing anything`, () => {
      assertRoundTrip(fixture(name), parseDomainXml, buildDomainXml, 'domain');
    });
  }

  it('keeps unmodeled XML in place after typed edits', () => {
    const d = parseDomainXml(fixture('qemu-domain.xml'));
    const edited: DomainDescription = { ...d, name: 'web02', memory: { value: 4n, unit: 'GiB' }, os: { ...d.os, boot: ['network'] } };
    const xml = buildDomainXml(edited);
    assert.match(xml, /<name>web02<\/name>/);
    assert.match(xml, /<memory unit="GiB">4<\/memory>/);
    assert.match(xml, /<app:tag>frontend<\/app:tag>/);
    assert.match(xml, /<seclabel type="dynamic" model="dac" relabel="yes">/);
    assert.deepEqual(parseDomainXml(xml).os.boot, ['network']);
  });

  it('rejects incomplete typed objects with the path of the bad field', () => {
    const d = parseDomainXml(fixture('test-domain-inactive.xml'));
    assert.throws(() => buildDomainXml({ ...d, name: '' }), xmlError('missing-field', '/domain/name'));
    assert.throws(() => buildDomainXml({ ...d, memory: { value: -1n } }), xmlError('invalid-value', '/domain/memory'));
    const disks = [...d.devices.disks, { type: 'file', target: { dev: '' } }];
    assert.throws(() => buildDomainXml({ ...d, devices: { ...d.devices, disks } }), xmlError('missing-field', '/domain/devices/disk[2]/target/@dev'));
    assert.throws(() => parseDomainXml(`<domain type='kvm'><memory>1</memory><os><type>hvm</type></os><devices/></domain>`), xmlError('missing-field', '/domain/name'));
    // libvirt refuses an autoport other than yes or no; read as "not yes", 'on' would have been false.
    const vnc = (autoport: string): string => `<domain type='kvm'><name>x</name><memory>1</memory><os><type>hvm</type></os><devices><graphics type='vnc' autoport='${autoport}'/></devices></domain>`;
    assert.throws(() => parseDomainXml(vnc('on')), xmlError('invalid-value', '/domain/devices/graphics/@autoport'));
    assert.deepEqual(parseDomainXml(vnc('no')).devices.graphics.map((g) => g.autoport), [false]);
  });

  describe('against the test driver', () => {
    let conn: v.virConnectPtr;
    before(() => {
      conn = v.virConnectOpen('test:///default');
    });
    after(() => {
      v.virConnectClose(conn);
    });

    it('defines a domain built from a typed object and reads the same fields back', () => {
      const doc: DomainDescription = {
        type: 'test',
        name: 'xml-built',
        title: 'built & typed',
        description: 'a <typed> domain',
        memory: { value: 512n, unit: 'MiB' },
        vcpu: { count: 2 },
        os: { type: 'hvm', boot: ['hd', 'cdrom'] },
        onCrash: 'restart',
        devices: {
          disks: [{ type: 'file', device: 'disk', source: { file: '/guest/built.img' }, target: { dev: 'vda', bus: 'virtio' } }],
          interfaces: [{ type: 'network', mac: '52:54:00:12:34:56', source: { network: 'default' } }],
          graphics: [],
          serials: [],
          consoles: [],
        },
      };
      const dom = v.virDomainDefineXML(conn, buildDomainXml(doc));
      try {
        const back = parseDomainXml(v.virDomainGetXMLDesc(dom, v.VIR_DOMAIN_XML_INACTIVE));
        assert.deepEqual([back.type, back.name, back.title, back.description, back.onCrash], ['test', 'xml-built', 'built & typed', 'a <typed> domain', 'restart']);
        assert.equal(sizeToBytes(back.memory, 'KiB'), 512n * 1024n * 1024n);
        assert.equal(back.vcpu?.count, 2);
        assert.deepEqual(back.os.boot, ['hd', 'cdrom']);
        assert.deepEqual(back.devices.disks.map((x) => [x.type, x.source?.file, x.target.dev, x.target.bus]), [['file', '/guest/built.img', 'vda', 'virtio']]);
        assert.deepEqual(back.devices.interfaces.map((x) => [x.mac, x.source?.network]), [['52:54:00:12:34:56', 'default']]);
        assert.match(back.uuid ?? '', /^[0-9a-f-]{36}$/);
      } finally {
        v.virDomainUndefine(dom);
        v.virDomainFree(dom);
      }
    });

    it('keeps foreign <metadata> text as libvirt does: mixed content and blank text unchanged', () => {
      const metadata = `<metadata><app1:foo xmlns:app1="http://example.com/app1/">mixed <b>bold</b> text &amp; more</app1:foo>`
        + `<app2:bar xmlns:app2="http://example.com/app2/">   </app2:bar></metadata>`;
      const base = `<domain type='test'><name>xml-metadata</name><description>   </description>${metadata}<memory>1024</memory><os><type>hvm</type></os><devices/></domain>`;
      const dom = v.virDomainDefineXML(conn, base);
      try {
        const xml = v.virDomainGetXMLDesc(dom, v.VIR_DOMAIN_XML_INACTIVE);
        const built = buildDomainXml(parseDomainXml(xml));
        assert.match(built, /<app1:foo xmlns:app1="http:\/\/example.com\/app1\/">mixed <b>bold<\/b> text &amp; more<\/app1:foo>/);
        assert.match(built, /<app2:bar xmlns:app2="http:\/\/example.com\/app2\/">   <\/app2:bar>/);
        assert.equal(parseDomainXml(built).description, '   ');
        const again = v.virDomainDefineXML(conn, built);
        assert.equal(v.virDomainGetXMLDesc(again, v.VIR_DOMAIN_XML_INACTIVE), xml, 'libvirt stores the same document');
        v.virDomainFree(again);
      } finally {
        v.virDomainUndefine(dom);
        v.virDomainFree(dom);
      }
    });

    it('round-trips what libvirt reports through a redefine', () => {
      const dom = v.virDomainLookupByName(conn, 'test');
      try {
        const xml = v.virDomainGetXMLDesc(dom, v.VIR_DOMAIN_XML_INACTIVE);
        const again = v.virDomainDefineXML(conn, buildDomainXml(parseDomainXml(xml)));
        assertSameXml(v.virDomainGetXMLDesc(again, v.VIR_DOMAIN_XML_INACTIVE), xml, 'domain');
        v.virDomainFree(again);
      } finally {
        v.virDomainFree(dom);
      }
    });
  });
});
