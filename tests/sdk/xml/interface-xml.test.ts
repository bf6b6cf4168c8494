// Host <interface> documents: interfaces libvirt 9.0's daemon (udev backend) wrote, bridges,
// bonds and VLANs the test driver wrote back after defining them, round trips, refusals, and
// interfaces defined on the test driver from typed descriptions.
import assert from 'node:assert/strict';
import * as v from '../../../generated/index.js';
import { buildInterfaceXml, parseInterfaceXml, type HostInterfaceDescription } from '../../../src/sdk/xml/index.js';
import { assertRoundTrip, assertSameXml, fixture, xmlError } from './support.js';

const FIXTURES = [
  'interface-eth0.xml',
  'interface-lo.xml',
  ...['eth1', 'ethernet-static', 'bridge', 'bridge-empty', 'bond', 'vlan'].map((n) => `test-interface-${n}.xml`),
];

/**
 * libvirt writes a member or bridge without children with a line break inside; that is layout,
 * not content, and comes back as an empty element.
 */
const emptied = (xml: string): string => xml.replace(/(<(interface|bridge)\b[^>]*)>\s*<\/\2>/g, '$1/>');

describe('sdk/xml host interface', () => {
  it("parses the daemon's ethernet interfaces", () => {
    assert.deepEqual(parseInterfaceXml(fixture('interface-eth0.xml')), {
      type: 'ethernet',
      name: 'eth0',
      mtu: 1400,
      link: { speed: 4294967295, state: 'up' },
      mac: '02:fc:00:00:00:01',
    });
    const lo = parseInterfaceXml(fixture('interface-lo.xml'));
    assert.ok(lo.type === 'ethernet');
    assert.deepEqual([lo.mtu, lo.link], [65536, { state: 'unknown' }]);
  });

  it('parses a bridge with DHCP, IPv6 autoconfiguration and ethernet, VLAN and bond ports', () => {
    const br = parseInterfaceXml(fixture('test-interface-bridge.xml'));
    assert.ok(br.type === 'bridge');
    assert.deepEqual([br.name, br.startMode, br.mtu], ['br0', 'onboot', 1500]);
    assert.deepEqual(br.protocols, [{ family: 'ipv4', dhcp: { peerdns: false } }, { family: 'ipv6', autoconf: true }]);
    assert.deepEqual([br.bridge.stp, br.bridge.delay], [false, '0.01']);
    assert.deepEqual(br.bridge.interfaces, [
      { type: 'ethernet', name: 'eth2', mac: '52:54:00:aa:bb:01' },
      { type: 'vlan', name: 'eth3.7', vlan: { tag: 7, device: 'eth3' } },
      {
        type: 'bond',
        name: 'bond1',
        bond: { mode: 'active-backup', miimon: { freq: 100, updelay: 10, carrier: 'ioctl' }, interfaces: [{ type: 'ethernet', name: 'eth4' }, { type: 'ethernet', name: 'eth5' }] },
      },
    ]);
    assert.deepEqual(parseInterfaceXml(fixture('test-interface-bridge-empty.xml')), { type: 'bridge', name: 'br9', bridge: { interfaces: [] } });
  });

  it('parses a bond with static addresses, routes and ARP monitoring, and a VLAN', () => {
    const bond = parseInterfaceXml(fixture('test-interface-bond.xml'));
    assert.ok(bond.type === 'bond');
    assert.deepEqual(bond.protocols, [
      { family: 'ipv4', ips: [{ address: '192.168.50.7', prefix: 24 }, { address: '192.168.51.7' }], gateway: '192.168.50.1' },
      { family: 'ipv6', dhcp: {}, ips: [{ address: 'fd00:50::7', prefix: 64 }], gateway: 'fd00:50::1' },
    ]);
    assert.deepEqual([bond.link, bond.bond.mode, bond.bond.miimon], [{ speed: 1000, state: 'up' }, '802.3ad', undefined]);
    assert.deepEqual(bond.bond.arpmon, { interval: 100, target: '192.168.50.1', validate: 'backup' });
    assert.deepEqual(bond.bond.interfaces[0], { type: 'ethernet', name: 'eth6', link: { speed: 1000, state: 'down' }, mac: '52:54:00:aa:bb:06' });
    assert.deepEqual(parseInterfaceXml(fixture('test-interface-vlan.xml')), {
      type: 'vlan', name: 'eth0.42', startMode: 'none', protocols: [{ family: 'ipv4', dhcp: { peerdns: true } }], vlan: { tag: 42, device: 'eth0' },
    });
  });

  it('round-trips every interface libvirt wrote without losing anything', () => {
    for (const name of FIXTURES) {
      assertRoundTrip(fixture(name), parseInterfaceXml, buildInterfaceXml, 'interface', { normalised: emptied, label: name });
    }
  });

  it('keeps what it does not model, a member\'s start mode and an ipv4 <autoconf/> included', () => {
    const xml = `<interface type='bridge' name='br1'><protocol family='ipv4'><autoconf/><route gateway='10.0.0.1'/><route gateway='10.0.0.2'/></protocol>
      <bridge><interface type='ethernet' name='e0'><start mode='onboot'/></interface></bridge></interface>`;
    const parsed = parseInterfaceXml(xml);
    assert.ok(parsed.type === 'bridge');
    assert.equal(parsed.bridge.interfaces[0]?.extra?.children?.length, 1);
    assert.deepEqual(parsed.protocols?.[0]?.extra?.children?.map((c) => c.index), [0, 2]);
    assertSameXml(buildInterfaceXml(parsed), xml, 'interface');
  });

  it('refuses values libvirt never writes, with the path of the bad field', () => {
    const refused = (xml: string, code: 'invalid-value' | 'missing-field', path: string): void => {
      assert.throws(() => parseInterfaceXml(xml), xmlError(code, path));
    };
    refused(`<interface type='wifi' name='w0'/>`, 'invalid-value', '/interface/@type');
    refused(`<interface type='ethernet'/>`, 'missing-field', '/interface/@name');
    refused(`<interface type='bridge' name='b'/>`, 'missing-field', '/interface/bridge');
    refused(`<interface type='ethernet' name='e'><start mode='auto'/></interface>`, 'invalid-value', '/interface/start/@mode');
    refused(`<interface type='ethernet' name='e'><link state='sleeping'/></interface>`, 'invalid-value', '/interface/link/@state');
    refused(`<interface type='ethernet' name='e'><mtu size='big'/></interface>`, 'invalid-value', '/interface/mtu/@size');
    refused(`<interface type='ethernet' name='e'><protocol family='ipx'/></interface>`, 'invalid-value', '/interface/protocol/@family');
    refused(`<interface type='ethernet' name='e'><protocol family='ipv4'/><protocol family='ipv6'><dhcp peerdns='on'/></protocol></interface>`, 'invalid-value', '/interface/protocol[2]/dhcp/@peerdns');
    refused(`<interface type='bridge' name='b'><bridge stp='yes'/></interface>`, 'invalid-value', '/interface/bridge/@stp');
    const bond = (inner: string): string => `<interface type='bond' name='b'><bond>${inner}</bond></interface>`;
    refused(bond(`<interface type='ethernet' name='e0'/><interface type='vlan' name='v'/>`), 'invalid-value', '/interface/bond/interface[2]/@type');
    refused(bond(`<miimon updelay='5'/>`), 'missing-field', '/interface/bond/miimon/@freq');
    refused(bond(`<arpmon interval='5' target='10.0.0.1' validate='none'/>`), 'invalid-value', '/interface/bond/arpmon/@validate');
    refused(`<interface type='bond' name='b'><bond mode='fastest'/></interface>`, 'invalid-value', '/interface/bond/@mode');
    refused(`<interface type='bridge' name='b'><bridge><interface type='bridge' name='b2'/></bridge></interface>`, 'invalid-value', '/interface/bridge/interface/@type');
    refused(`<interface type='vlan' name='v'><vlan tag='7'/></interface>`, 'missing-field', '/interface/vlan/interface/@name');
    refused(`<interface type='vlan' name='v'><vlan tag='x'><interface name='e'/></vlan></interface>`, 'invalid-value', '/interface/vlan/@tag');
  });

  it('builders refuse unknown fields, misplaced fields and bad values with the path of the bad field', () => {
    const eth: HostInterfaceDescription = { type: 'ethernet', name: 'e0' };
    const bridge = (extra: object): unknown => ({ type: 'bridge', name: 'br', bridge: { interfaces: [eth, { ...eth, ...extra }] } });
    const refused = (doc: unknown, code: 'invalid-value' | 'missing-field', path: string): void => {
      assert.throws(() => buildInterfaceXml(doc as HostInterfaceDescription), xmlError(code, path));
    };
    refused({ ...eth, type: 'wifi' }, 'invalid-value', '/interface/@type');
    refused({ name: 'e0' }, 'missing-field', '/interface/@type');
    refused({ ...eth, name: '' }, 'missing-field', '/interface/@name');
    refused({ ...eth, macAddress: 'x' }, 'invalid-value', '/interface');
    refused({ type: 'bridge', name: 'br', mac: '52:54:00:00:00:01', bridge: { interfaces: [] } }, 'invalid-value', '/interface');
    refused({ type: 'bridge', name: 'br' }, 'invalid-value', '/interface/bridge');
    refused({ ...eth, startMode: 'auto' }, 'invalid-value', '/interface/start/@mode');
    refused({ ...eth, mtu: 100_001 }, 'invalid-value', '/interface/mtu/@size');
    refused({ ...eth, link: { state: 'sleeping' } }, 'invalid-value', '/interface/link/@state');
    refused({ ...eth, protocols: [{ family: 'ipv4', ips: [{ address: '10.0.0.1', prefix: 33 }] }] }, 'invalid-value', '/interface/protocol/ip/@prefix');
    refused({ ...eth, protocols: [{ family: 'ipv6' }, { family: 'ipv4', autoconf: true }] }, 'invalid-value', '/interface/protocol[2]/autoconf');
    refused({ ...eth, protocols: [{ family: 'ipv4', dhcp: { peerdns: 'no' } }] }, 'invalid-value', '/interface/protocol/dhcp/@peerdns');
    refused({ ...eth, protocols: [{ dhcp: {} }] }, 'missing-field', '/interface/protocol/@family');
    refused(bridge({ mtu: 1500 }), 'invalid-value', '/interface/bridge/interface[2]');
    refused(bridge({ type: 'bridge', bridge: { interfaces: [] } }), 'invalid-value', '/interface/bridge/interface[2]/@type');
    refused({ type: 'bridge', name: 'br', bridge: { delay: 0.5, interfaces: [] } }, 'invalid-value', '/interface/bridge/@delay');
    refused({ type: 'bridge', name: 'br', bridge: { stp: 'on', interfaces: [] } }, 'invalid-value', '/interface/bridge/@stp');
    const bond = (b: object): unknown => ({ type: 'bond', name: 'bond0', bond: { interfaces: [eth], ...b } });
    refused(bond({ mode: 'fastest' }), 'invalid-value', '/interface/bond/@mode');
    refused(bond({ miimon: { freq: 100 }, arpmon: { interval: 100, target: '10.0.0.1' } }), 'invalid-value', '/interface/bond/arpmon');
    refused(bond({ miimon: { updelay: 10 } }), 'missing-field', '/interface/bond/miimon/@freq');
    refused(bond({ arpmon: { interval: 100 } }), 'missing-field', '/interface/bond/arpmon/@target');
    refused(bond({ interfaces: [eth, { type: 'vlan', name: 'v', vlan: { tag: 1, device: 'e0' } }] }), 'invalid-value', '/interface/bond/interface[2]/@type');
    refused({ type: 'vlan', name: 'v', vlan: { tag: 4096, device: 'e0' } }, 'invalid-value', '/interface/vlan/@tag');
    refused({ type: 'vlan', name: 'v', vlan: { tag: 5 } }, 'missing-field', '/interface/vlan/interface/@name');
  });

  it('types a member as libvirt reads one: no bridge inside a bridge, ethernet only in a bond, no addressing', () => {
    // Checked by the compiler, never run: each refused description is one libvirt refuses or
    // would define without the refused part. The builder refuses them at run time too (above).
    const typeOnly = (): HostInterfaceDescription[] => [
      { type: 'bridge', name: 'br', bridge: { interfaces: [{ type: 'ethernet', name: 'e0', mac: '52:54:00:00:00:01' }, { type: 'vlan', name: 'e1.5', vlan: { tag: 5, device: 'e1' } }] } },
      // @ts-expect-error a bridge is not a bridge's port
      { type: 'bridge', name: 'br', bridge: { interfaces: [{ type: 'bridge', name: 'br2', bridge: { interfaces: [] } }] } },
      // @ts-expect-error a bond's members are ethernet interfaces
      { type: 'bond', name: 'b', bond: { interfaces: [{ type: 'vlan', name: 'e1.5', vlan: { tag: 5, device: 'e1' } }] } },
      // @ts-expect-error a member takes the defined interface's MTU
      { type: 'bond', name: 'b', bond: { interfaces: [{ type: 'ethernet', name: 'e0', mtu: 9000 }] } },
      // @ts-expect-error ... and its addressing
      { type: 'bridge', name: 'br', bridge: { interfaces: [{ type: 'ethernet', name: 'e0', protocols: [{ family: 'ipv4', dhcp: {} }] }] } },
    ];
    assert.equal(typeof typeOnly, 'function');
    // What the parser gives narrows on `type` like a defined interface.
    const br = parseInterfaceXml(fixture('test-interface-bridge.xml'));
    assert.ok(br.type === 'bridge');
    const bond = br.bridge.interfaces.find((m) => m.type === 'bond');
    assert.deepEqual(bond?.type === 'bond' && bond.bond.interfaces.map((m) => m.name), ['eth4', 'eth5']);
  });

  it('builds interfaces from descriptions alone, in the shape libvirt writes', () => {
    const xml = buildInterfaceXml({
      type: 'vlan', name: 'eth0.9', startMode: 'onboot', protocols: [{ family: 'ipv6', autoconf: true, dhcp: { peerdns: false }, gateway: 'fd00::1' }], vlan: { tag: 9, device: 'eth0' },
    });
    assertSameXml(xml, `<interface type='vlan' name='eth0.9'><start mode='onboot'/><protocol family='ipv6'><autoconf/><dhcp peerdns='no'/><route gateway='fd00::1'/></protocol>
      <vlan tag='9'><interface name='eth0'/></vlan></interface>`, 'interface');
  });

  describe('against the test driver', () => {
    let conn: v.virConnectPtr;
    before(() => { conn = v.virConnectOpen('test:///default'); });
    after(() => { v.virConnectClose(conn); });

    /** What libvirt reports for an interface defined from `doc`; the interface is removed after. */
    const definedBack = (doc: HostInterfaceDescription): HostInterfaceDescription => {
      const iface = v.virInterfaceDefineXML(conn, buildInterfaceXml(doc), 0);
      try {
        return parseInterfaceXml(v.virInterfaceGetXMLDesc(iface, 0));
      } finally {
        v.virInterfaceUndefine(iface);
        v.virInterfaceFree(iface);
      }
    };

    it('defines a bridge over a bond and a VLAN from a typed object and reads back what was given', () => {
      const doc: HostInterfaceDescription = {
        type: 'bridge',
        name: 'xmlbr0',
        startMode: 'onboot',
        mtu: 1500,
        protocols: [{ family: 'ipv4', ips: [{ address: '10.60.0.1', prefix: 24 }], gateway: '10.60.0.254' }],
        bridge: {
          stp: true,
          delay: '2',
          interfaces: [
            { type: 'bond', name: 'xmlbond0', bond: { mode: 'balance-alb', miimon: { freq: 50, downdelay: 100, carrier: 'netif' }, interfaces: [{ type: 'ethernet', name: 'xmleth0', mac: '52:54:00:60:00:01' }, { type: 'ethernet', name: 'xmleth1' }] } },
            { type: 'vlan', name: 'xmleth2.60', vlan: { tag: 60, device: 'xmleth2' } },
          ],
        },
      };
      assert.deepEqual(definedBack(doc), doc);
    });

    it('defines an ethernet interface and a bond with ARP monitoring from typed objects', () => {
      const eth: HostInterfaceDescription = { type: 'ethernet', name: 'xmleth9', startMode: 'hotplug', mtu: 9000, protocols: [{ family: 'ipv4', dhcp: { peerdns: true } }], mac: '52:54:00:60:00:09' };
      assert.deepEqual(definedBack(eth), eth);
      const bond: HostInterfaceDescription = {
        type: 'bond', name: 'xmlbond1', bond: { mode: 'active-backup', arpmon: { interval: 200, target: '10.61.0.1', validate: 'all' }, interfaces: [{ type: 'ethernet', name: 'xmleth3' }] },
      };
      assert.deepEqual(definedBack(bond), bond);
    });
  });
});
