// <device> documents of host devices: what libvirt 9.0's daemon wrote on a QEMU host (nodedev-*),
// what the test driver writes (test-nodedev-*), documents in the shape libvirt's formatter writes
// for devices neither has (doc-nodedev-*: mdev, USB, SR-IOV PCI, SCSI), round trips, refusals.
import assert from 'node:assert/strict';
import * as v from '../../../generated/index.js';
import { buildNodeDeviceXml, parseNodeDeviceXml, type NodeDeviceCapability, type NodeDeviceDescription } from '../../../src/sdk/xml/index.js';
import { assertRoundTrip, assertSameXml, fixture, xmlError } from './support.js';

const FIXTURES = [
  'nodedev-system.xml', 'nodedev-pci.xml', 'nodedev-pci-virtio.xml', 'nodedev-net.xml', 'nodedev-net-lo.xml', 'nodedev-storage.xml',
  'test-nodedev-computer.xml', 'test-nodedev-scsi-host.xml', 'test-nodedev-vhba.xml',
  'doc-nodedev-mdev.xml', 'doc-nodedev-usb-device.xml', 'doc-nodedev-pci-sriov.xml', 'doc-nodedev-scsi-storage.xml', 'doc-nodedev-scsi.xml',
];

/** The one capability of a device parsed from fixture `name`. */
function onlyCapability(name: string): NodeDeviceCapability {
  const { capabilities } = parseNodeDeviceXml(fixture(name));
  assert.equal(capabilities.length, 1, name);
  return capabilities[0] as NodeDeviceCapability;
}

const names = (children: NonNullable<NodeDeviceDescription['extra']>['children']): unknown[] =>
  (children ?? []).map((c) => [c.index, 'name' in c.node ? `${c.node.name}${c.node.attributes.type === undefined ? '' : `:${c.node.attributes.type}`}` : 'text']);

describe('sdk/xml node device', () => {
  it('parses the test driver computer: the system capability', () => {
    assert.deepEqual(parseNodeDeviceXml(fixture('test-nodedev-computer.xml')), {
      name: 'computer',
      capabilities: [{
        type: 'system',
        hardware: { vendor: 'Libvirt', version: 'Test driver', serial: '123456', uuid: '11111111-2222-3333-4444-555555555555' },
        firmware: { vendor: 'Libvirt', version: 'Test Driver', releaseDate: '01/22/2007' },
      }],
    });
    // A QEMU guest's host reports an all-zero UUID and no firmware details.
    assert.deepEqual(onlyCapability('nodedev-system.xml'), { type: 'system', hardware: { uuid: '00000000-0000-0000-0000-000000000000' }, firmware: {} });
  });

  it('parses PCI functions: address, ids, driver, IOMMU group, NUMA node; SR-IOV and PCIe details kept', () => {
    const virtio = parseNodeDeviceXml(fixture('nodedev-pci-virtio.xml'));
    assert.deepEqual([virtio.name, virtio.path, virtio.parent, virtio.driver], ['pci_0000_00_03_0', '/sys/devices/pci0000:00/0000:00:03.0', 'computer', 'virtio-pci']);
    assert.deepEqual(virtio.capabilities, [{ type: 'pci', class: '0x020000', domain: 0, bus: 0, slot: 3, function: 0, product: { id: '0x1041' }, vendor: { id: '0x1af4' } }]);
    const bridge = onlyCapability('nodedev-pci.xml');
    assert.deepEqual(names(bridge.extra?.children), [[7, 'pci-express']]);

    const pf = onlyCapability('doc-nodedev-pci-sriov.xml');
    assert.equal(pf.type, 'pci');
    if (pf.type !== 'pci') return;
    assert.deepEqual([pf.product, pf.vendor], [{ id: '0x10c9', name: '82576 Gigabit Network Connection' }, { id: '0x8086', name: 'Intel Corporation' }]);
    assert.deepEqual([pf.iommuGroup, pf.numaNode], [12, 0]);
    // The nested SR-IOV capability and <pci-express> in their places; the group's members with the group.
    assert.deepEqual(names(pf.extra?.children), [[7, 'capability:virt_functions'], [10, 'pci-express']]);
    assert.equal(pf.extra?.leaves?.iommuGroup?.children?.length, 2);
  });

  it('parses network interfaces: MAC, link, offload features, 802.3 sub-capability', () => {
    assert.deepEqual(onlyCapability('nodedev-net.xml'), {
      type: 'net', interface: 'eth0', address: '02:fc:00:00:00:01', link: { state: 'up', speed: 4294967295 },
      features: ['rx', 'tx', 'sg', 'tso', 'gso', 'gro'], subtype: '80203',
    });
    const lo = onlyCapability('nodedev-net-lo.xml');
    assert.deepEqual(lo.type === 'net' && [lo.link, lo.features.length], [{ state: 'unknown' }, 6]);
  });

  it('parses block devices with 64-bit sizes as bigint, and their /dev nodes and links', () => {
    const vda = parseNodeDeviceXml(fixture('nodedev-storage.xml'));
    assert.deepEqual([vda.devnode, vda.devlinks, vda.parent], ['/dev/vda', undefined, 'pci_0000_00_02_0']);
    assert.deepEqual(vda.capabilities, [{
      type: 'storage', block: '/dev/vda', driveType: 'disk', vendor: '0x1af4', size: 274877906944n, logicalBlockSize: 512n, numBlocks: 536870912n,
    }]);
    const sda = parseNodeDeviceXml(fixture('doc-nodedev-scsi-storage.xml'));
    assert.deepEqual(sda.devlinks, ['/dev/disk/by-id/ata-WDC_WD1003FZEX_WD-WCC3F1234567', '/dev/disk/by-path/pci-0000:00:1f.2-ata-1']);
    const disk = sda.capabilities[0];
    assert.deepEqual(disk?.type === 'storage' && [disk.bus, disk.model, disk.serial, disk.size], ['ata', 'WDC WD1003FZEX-0', 'WDC_WD1003FZEX_WD-WCC3F1234567', 1000204886016n]);
    assert.deepEqual(onlyCapability('doc-nodedev-scsi.xml'), { type: 'scsi', host: 0, bus: 0, target: 0, lun: 0, deviceType: 'disk' });
  });

  it('parses fibre channel SCSI hosts (the test driver HBA and its vHBA)', () => {
    assert.deepEqual(onlyCapability('test-nodedev-scsi-host.xml'), {
      type: 'scsi_host', host: 1, uniqueId: 0,
      fcHost: { wwnn: '2000000012341234', wwpn: '1000000012341234', fabricWwn: '2000000043214321' },
      vportOps: { maxVports: 0, vports: 0 },
    });
    const vhba = parseNodeDeviceXml(fixture('test-nodedev-vhba.xml'));
    assert.equal(vhba.parent, 'scsi_host1');
    assert.deepEqual(vhba.capabilities[0]?.type === 'scsi_host' && vhba.capabilities[0].vportOps, undefined);
  });

  it('parses USB devices and mediated devices', () => {
    const usb = parseNodeDeviceXml(fixture('doc-nodedev-usb-device.xml'));
    assert.deepEqual([usb.devnode, usb.parent, usb.driver], ['/dev/bus/usb/001/003', 'usb_usb1', 'usb']);
    assert.deepEqual(usb.capabilities, [{ type: 'usb_device', bus: 1, device: 3, product: { id: '0x0001', name: '1.1 root hub' }, vendor: { id: '0x1d6b', name: 'Linux Foundation' } }]);
    assert.deepEqual(onlyCapability('doc-nodedev-mdev.xml'), {
      type: 'mdev', typeId: 'i915-GVTg_V5_8', uuid: '4b20d080-1b54-4048-85b3-a6a62d165c01', iommuGroup: 12,
      attributes: [{ name: 'example-attribute-1', value: 'attribute-value-1' }, { name: 'example-attribute-2', value: 'attribute-value-2' }],
    });
  });

  it('keeps capabilities of other types, and parts of known ones, in extra at their places', () => {
    const xml = `<device><name>mixed</name><parent fabric_wwn='2000000043214321'/>
      <capability type='drm'><type>render</type></capability>
      <capability type='pci'><domain>0</domain><bus>1</bus><slot>0</slot><function>0</function><product id='0x1'/><vendor id='0x2'/></capability>
      <capability type='usb'><number>0</number><class>3</class></capability>
      <capability type='net'><interface>wlan0</interface><feature name='rx' future='1'/><capability type='80211'/><capability type='later'/></capability></device>`;
    const dev = parseNodeDeviceXml(xml);
    assert.deepEqual(dev.capabilities.map((c) => c.type), ['pci', 'net']);
    assert.deepEqual(names(dev.extra?.children), [[2, 'capability:drm'], [4, 'capability:usb']]);
    assert.deepEqual(dev.extra?.leaves?.parent, { attributes: { fabric_wwn: '2000000043214321' } });
    const net = dev.capabilities[1];
    assert.deepEqual(net?.type === 'net' && [net.features, net.subtype, names(net.extra?.children)], [['rx'], '80211', [[3, 'capability:later']]]);
    assertSameXml(buildNodeDeviceXml(dev), xml, 'device');
  });

  it('round-trips every device libvirt wrote without losing anything', () => {
    for (const name of FIXTURES) {
      // The empty <firmware> libvirt writes holds only a line break, which is not content.
      const normalised = (xml: string): string => xml.replace(/<firmware>\s*<\/firmware>/g, '<firmware/>');
      assertRoundTrip(fixture(name), parseNodeDeviceXml, buildNodeDeviceXml, 'device', { normalised, label: name });
    }
  });

  it('refuses values libvirt never writes, with the path of the bad field', () => {
    const pci = (inner: string): string => `<device><name>d</name><capability type='pci'>${inner}</capability></device>`;
    const ids = `<product id='0x1'/><vendor id='0x2'/>`;
    assert.throws(() => parseNodeDeviceXml(pci(`<domain>x</domain><bus>0</bus><slot>0</slot><function>0</function>${ids}`)), xmlError('invalid-value', '/device/capability/domain'));
    assert.throws(() => parseNodeDeviceXml(pci(`<domain>0</domain><bus>0</bus><slot>0</slot><function>0</function><vendor id='0x2'/>`)), xmlError('missing-field', '/device/capability/product'));
    assert.throws(() => parseNodeDeviceXml(pci(`<domain>0</domain><bus>0</bus><function>0</function>${ids}`)), xmlError('missing-field', '/device/capability/slot'));
    assert.throws(() => parseNodeDeviceXml(pci(`<domain>0</domain><bus>0</bus><slot>0</slot><function>0</function><product/><vendor id='0x2'/>`)), xmlError('missing-field', '/device/capability/product/@id'));
    const twoCaps = `<device><capability type='system'/><capability type='usb_device'><bus>1</bus><device>-</device><product id='1'/><vendor id='2'/></capability></device>`;
    assert.throws(() => parseNodeDeviceXml(twoCaps), xmlError('invalid-value', '/device/capability[2]/device'));
    const storage = `<device><capability type='storage'><block>/dev/sda</block><size>18446744073709551616</size></capability></device>`;
    assert.throws(() => parseNodeDeviceXml(storage), xmlError('invalid-value', '/device/capability/size'));
    assert.throws(() => parseNodeDeviceXml(`<device><capability type='storage'/></device>`), xmlError('missing-field', '/device/capability/block'));
    assert.throws(() => parseNodeDeviceXml(`<device><capability type='net'><interface>e</interface><feature name='rx'/><feature/></capability></device>`), xmlError('missing-field', '/device/capability/feature[2]/@name'));
    // The same <link> as a host interface's, read by the same code in libvirt: a state it has no word for is refused.
    assert.throws(() => parseNodeDeviceXml(`<device><capability type='net'><interface>e</interface><link state='sleeping'/></capability></device>`), xmlError('invalid-value', '/device/capability/link/@state'));
    // A net device is Ethernet (80203) or wireless (80211): libvirt refuses any other sub-capability.
    assert.throws(() => parseNodeDeviceXml(`<device><capability type='net'><interface>e</interface><capability type='8023'/></capability></device>`), xmlError('invalid-value', '/device/capability/capability/@type'));
    assert.throws(() => parseNodeDeviceXml(`<device><capability type='mdev'><uuid>u</uuid></capability></device>`), xmlError('missing-field', '/device/capability/type'));
    assert.throws(() => parseNodeDeviceXml(`<device><capability type='mdev'><type id='t'/><iommuGroup/></capability></device>`), xmlError('missing-field', '/device/capability/iommuGroup/@number'));
    assert.throws(() => parseNodeDeviceXml(`<device><devnode type='dev'>/dev/a</devnode><devnode type='block'>/dev/b</devnode></device>`), xmlError('invalid-value', '/device/devnode[2]/@type'));
    assert.throws(() => parseNodeDeviceXml(`<device><parent wwnn='2000000012341234'/></device>`), xmlError('missing-field', '/device/parent/@wwpn'));
    const fc = `<capability type='fc_host'><wwnn>2000000012341234</wwnn></capability><capability type='vport_ops'><max_vports>x</max_vports></capability>`;
    assert.throws(() => parseNodeDeviceXml(`<device><capability type='scsi_host'><host>1</host>${fc}</capability></device>`), xmlError('invalid-value', '/device/capability/capability[2]/max_vports'));
    assert.throws(() => parseNodeDeviceXml('<network><name>n</name></network>'), xmlError('unexpected-root', '/network'));
  });

  it('builders refuse unknown fields, types and bad numbers with the path of the bad field', () => {
    const vhba: NodeDeviceDescription = { parent: 'scsi_host1', capabilities: [{ type: 'scsi_host', fcHost: {} }] };
    const pci = { type: 'pci', domain: 0, bus: 0, slot: 0, function: 0, product: { id: '0x1' }, vendor: { id: '0x2' } };
    const refused = (doc: unknown, code: 'invalid-value' | 'missing-field', path: string): void => {
      assert.throws(() => buildNodeDeviceXml(doc as NodeDeviceDescription), xmlError(code, path));
    };
    refused({ ...vhba, parentName: 'x' }, 'invalid-value', '/device');
    refused({ ...vhba, capabilities: [] }, 'missing-field', '/device/capability');
    refused({ ...vhba, capabilities: [{ type: 'usb' }] }, 'invalid-value', '/device/capability/@type');
    refused({ ...vhba, capabilities: [pci, {}] }, 'missing-field', '/device/capability[2]/@type');
    refused({ ...vhba, capabilities: [{ ...pci, slot: 32 }] }, 'invalid-value', '/device/capability/slot');
    refused({ ...vhba, capabilities: [{ ...pci, function: undefined }] }, 'missing-field', '/device/capability/function');
    refused({ ...vhba, capabilities: [{ ...pci, product: undefined }] }, 'missing-field', '/device/capability/product');
    refused({ ...vhba, capabilities: [{ ...pci, vendor: { id: '' } }] }, 'missing-field', '/device/capability/vendor/@id');
    refused({ ...vhba, capabilities: [{ ...pci, iommu: 3 }] }, 'invalid-value', '/device/capability');
    refused({ ...vhba, capabilities: [{ ...pci, numaNode: -1 }] }, 'invalid-value', '/device/capability/numa/@node');
    refused({ ...vhba, capabilities: [{ type: 'storage', block: '/dev/sda', size: 1024 }] }, 'invalid-value', '/device/capability/size');
    refused({ ...vhba, capabilities: [{ type: 'net', interface: 'eth0', features: 'rx' }] }, 'invalid-value', '/device/capability/feature');
    refused({ ...vhba, capabilities: [{ type: 'net', interface: 'eth0', features: [], link: { speed: 1.5 } }] }, 'invalid-value', '/device/capability/link/@speed');
    refused({ ...vhba, capabilities: [{ type: 'net', interface: 'eth0', features: [], link: { state: 'sleeping' } }] }, 'invalid-value', '/device/capability/link/@state');
    refused({ ...vhba, capabilities: [{ type: 'net', interface: 'eth0', features: [], subtype: '8023' }] }, 'invalid-value', '/device/capability/capability/@type');
    refused({ ...vhba, capabilities: [{ type: 'mdev', typeId: 't', attributes: [{ name: 'a', value: '1' }, { name: 'b' }] }] }, 'missing-field', '/device/capability/attr[2]/@value');
    // Nested capabilities and dev nodes by position among their siblings, as the parser reports them.
    refused({ ...vhba, capabilities: [{ type: 'scsi_host', fcHost: { wwnn: '20:00:00:00' } }] }, 'invalid-value', '/device/capability/capability/wwnn');
    refused({ ...vhba, capabilities: [{ type: 'scsi_host', vportOps: { maxVports: -1 } }] }, 'invalid-value', '/device/capability/capability/max_vports');
    refused({ ...vhba, capabilities: [{ type: 'scsi_host', fcHost: { wwnn: '20:00:00:00' }, vportOps: {} }] }, 'invalid-value', '/device/capability/capability[1]/wwnn');
    refused({ ...vhba, capabilities: [{ type: 'scsi_host', fcHost: {}, vportOps: { maxVports: -1 } }] }, 'invalid-value', '/device/capability/capability[2]/max_vports');
    refused({ ...vhba, parent: undefined, parentWwn: { wwnn: '2000000012341234' } }, 'missing-field', '/device/parent/@wwpn');
    refused({ ...vhba, devlinks: [''] }, 'missing-field', '/device/devnode');
    refused({ ...vhba, devnode: '/dev/sda', devlinks: ['/dev/disk/by-id/x', ''] }, 'missing-field', '/device/devnode[3]');
    refused({ ...vhba, devnode: '/dev/sda', devlinks: ['/dev/disk/by-id/x', 7] }, 'invalid-value', '/device/devnode[3]');
  });

  it('builds a vHBA from a description alone, in the shape libvirt reads', () => {
    const xml = buildNodeDeviceXml({
      parentWwn: { wwnn: '2000000012341234', wwpn: '1000000012341234' },
      capabilities: [{ type: 'scsi_host', fcHost: { wwnn: '2001001b32a9da4e', wwpn: '2101001b32a9da4e' } }],
    });
    assertSameXml(xml, `<device><parent wwnn='2000000012341234' wwpn='1000000012341234'/><capability type='scsi_host'>
      <capability type='fc_host'><wwnn>2001001b32a9da4e</wwnn><wwpn>2101001b32a9da4e</wwpn></capability></capability></device>`, 'device');
  });

  it('a device to create is written without the lists libvirt reports (links, mdev attributes), and reads back the same', () => {
    const devices: NodeDeviceDescription[] = [
      { parent: 'scsi_host1', capabilities: [{ type: 'scsi_host', fcHost: { wwnn: '2000000012341299', wwpn: '1000000012341299' } }] },
      { parent: 'pci_0000_00_02_0', capabilities: [{ type: 'mdev', typeId: 'i915-GVTg_V5_8', uuid: '4b20d080-1b54-4048-85b3-a6a62d165c01' }] },
      { parent: 'pci_0000_00_02_0', capabilities: [{ type: 'mdev', typeId: 'i915-GVTg_V5_8', attributes: [{ name: 'a', value: '1' }] }] },
      { name: 'block_vda', devnode: '/dev/vda', devlinks: ['/dev/disk/by-path/virtio-pci-0000:00:02.0'], capabilities: [{ type: 'storage', block: '/dev/vda' }] },
    ];
    for (const doc of devices) assert.deepEqual(parseNodeDeviceXml(buildNodeDeviceXml(doc)), doc);
    assert.deepEqual(parseNodeDeviceXml(buildNodeDeviceXml({ ...devices[0] as NodeDeviceDescription, devlinks: [] })), devices[0], 'none given as empty reads back as absent');
  });

  describe('against the test driver', () => {
    let conn: v.virConnectPtr;
    before(() => { conn = v.virConnectOpen('test:///default'); });
    after(() => { v.virConnectClose(conn); });

    it('round-trips every device the driver lists', () => {
      const devices = v.virConnectListAllNodeDevices(conn, 0);
      try {
        assert.ok(devices.length >= 4);
        for (const dev of devices) {
          const xml = v.virNodeDeviceGetXMLDesc(dev, 0);
          assertSameXml(buildNodeDeviceXml(parseNodeDeviceXml(xml)), xml, 'device');
        }
      } finally {
        for (const dev of devices) v.virNodeDeviceFree(dev);
      }
    });

    it('creates a vHBA from a typed description and reads it back', () => {
      const doc: NodeDeviceDescription = {
        parent: 'scsi_host1', capabilities: [{ type: 'scsi_host', fcHost: { wwnn: '2000000055556666', wwpn: '1000000055556666' } }],
      };
      const dev = v.virNodeDeviceCreateXML(conn, buildNodeDeviceXml(doc), 0);
      try {
        const back = parseNodeDeviceXml(v.virNodeDeviceGetXMLDesc(dev, 0));
        assert.equal(back.parent, 'scsi_host1');
        const host = back.capabilities[0];
        assert.deepEqual(host?.type === 'scsi_host' && [host.fcHost?.wwnn, host.fcHost?.wwpn], ['2000000055556666', '1000000055556666']);
      } finally {
        v.virNodeDeviceDestroy(dev);
        v.virNodeDeviceFree(dev);
      }
    });
  });
});
