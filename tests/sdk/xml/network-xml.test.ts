// <network> documents: libvirt's own output (the test driver's default network and networks
// defined on it), round trips, builder refusals, and networks made from typed descriptions.
import assert from 'node:assert/strict';
import * as v from '../../../generated/index.js';
import { buildNetworkXml, parseNetworkXml, type NetworkDescription } from '../../../src/sdk/xml/index.js';
import { assertRoundTrip, assertSameXml, fixture, xmlError } from './support.js';

const FIXTURES = ['default', 'nat-dhcp', 'isolated', 'bridge', 'route'].map((n) => `test-network-${n}.xml`);

describe('sdk/xml network', () => {
  it('parses the test driver default network', () => {
    const net = parseNetworkXml(fixture('test-network-default.xml'));
    assert.deepEqual(net, {
      name: 'default',
      uuid: 'dd8fe884-6c02-601e-7551-cca97df1c5df',
      forward: { mode: 'nat' },
      bridge: { name: 'virbr0', stp: true, delay: 0 },
      ips: [{ address: '192.168.122.1', netmask: '255.255.255.0', dhcp: { ranges: [{ start: '192.168.122.2', end: '192.168.122.254' }], hosts: [] } }],
    });
  });

  it('parses a NAT network with a port range, static hosts, IPv6, and keeps what it does not model', () => {
    const net = parseNetworkXml(fixture('test-network-nat-dhcp.xml'));
    assert.deepEqual(net.forward, { mode: 'nat', nat: { ports: { start: 1024, end: 65535 } } });
    assert.deepEqual([net.mtu, net.mac, net.domainName], [9000, '52:54:00:0a:0b:0c', 'example.test']);
    const [v4, v6] = net.ips;
    assert.deepEqual(v4?.dhcp?.hosts, [{ mac: '52:54:00:6c:3c:01', name: 'vm1', ip: '192.168.100.10' }]);
    assert.deepEqual(v6, { family: 'ipv6', address: 'fd00:100::1', prefix: 64, dhcp: { ranges: [{ start: 'fd00:100::100', end: 'fd00:100::1ff' }], hosts: [] } });
    // <metadata> and <dns> in their places among the modeled elements; localOnly on <domain>.
    assert.deepEqual(net.extra?.children?.map((c) => [c.index, 'name' in c.node ? c.node.name : '']), [[2, 'metadata'], [8, 'dns']]);
    assert.deepEqual(net.extra?.leaves, { domain: { attributes: { localOnly: 'yes' } } });
  });

  it('parses isolated, bridged and routed networks', () => {
    const isolated = parseNetworkXml(fixture('test-network-isolated.xml'));
    assert.equal(isolated.forward, undefined);
    assert.deepEqual([isolated.bridge, isolated.ips], [{ name: 'virbr11', stp: false, delay: 0 }, [{ address: '10.20.30.1', prefix: 24 }]]);
    const bridged = parseNetworkXml(fixture('test-network-bridge.xml'));
    assert.deepEqual([bridged.forward, bridged.bridge, bridged.ips], [{ mode: 'bridge' }, { name: 'br0' }, []]);
    const routed = parseNetworkXml(fixture('test-network-route.xml'));
    assert.deepEqual([routed.forward?.mode, routed.forward?.dev, routed.bridge?.delay], ['route', 'eth1', 2]);
    assert.equal(routed.forward?.extra?.children?.length, 1, 'the <interface> libvirt adds is kept');
  });

  it('round-trips every network libvirt wrote without losing anything', () => {
    for (const name of FIXTURES) {
      // An <ip> without DHCP only held indentation whitespace, which is not content.
      const normalised = (xml: string): string => xml.replace(/(<ip [^>]*)>\s*<\/ip>/g, '$1/>');
      assertRoundTrip(fixture(name), parseNetworkXml, buildNetworkXml, 'network', { normalised, label: name });
    }
  });

  it('refuses values libvirt never writes, with the path of the bad field', () => {
    const stp = (value: string): string => `<network><name>n</name><bridge stp='${value}'/></network>`;
    assert.throws(() => parseNetworkXml(stp('yes')), xmlError('invalid-value', '/network/bridge/@stp'));
    assert.throws(() => parseNetworkXml(`<network><name>n</name><ip prefix='x'/><ip/></network>`), xmlError('invalid-value', '/network/ip[1]/@prefix'));
    assert.throws(() => parseNetworkXml(`<network><forward><nat><port end='9'/></nat></forward><name>n</name></network>`), xmlError('missing-field', '/network/forward/nat/port/@start'));
    assert.throws(() => parseNetworkXml('<network/>'), xmlError('missing-field', '/network/name'));
  });

  it('builders refuse unknown fields, bad booleans and bad numbers with the path of the bad field', () => {
    const net: NetworkDescription = { name: 'n', ips: [] };
    const refused = (doc: unknown, code: 'invalid-value' | 'missing-field', path: string): void => {
      assert.throws(() => buildNetworkXml(doc as NetworkDescription), xmlError(code, path));
    };
    refused({ ...net, name: '' }, 'missing-field', '/network/name');
    refused({ ...net, bridgeName: 'br0' }, 'invalid-value', '/network');
    refused({ ...net, bridge: { name: 'br0', stp: 'yes' } }, 'invalid-value', '/network/bridge/@stp');
    refused({ ...net, bridge: { delay: -1 } }, 'invalid-value', '/network/bridge/@delay');
    refused({ ...net, bridge: { name: 'br0', stpp: true } }, 'invalid-value', '/network/bridge');
    refused({ ...net, mtu: 1.5 }, 'invalid-value', '/network/mtu/@size');
    refused({ ...net, mtu: 0 }, 'invalid-value', '/network/mtu/@size');
    refused({ ...net, forward: { mode: '' } }, 'missing-field', '/network/forward/@mode');
    refused({ ...net, forward: { mode: 'nat', nat: { ports: { start: 1024, end: 70000 } } } }, 'invalid-value', '/network/forward/nat/port/@end');
    refused({ ...net, forward: { mode: 'nat', nat: { ports: { end: 2000 } } } }, 'missing-field', '/network/forward/nat/port/@start');
    refused({ ...net, forward: { mode: 'nat', nat: { port: { start: 1, end: 2 } } } }, 'invalid-value', '/network/forward/nat');
    refused({ ...net, ips: [{ address: '10.0.0.1', prefix: 129 }] }, 'invalid-value', '/network/ip/@prefix');
    refused({ ...net, ips: [{}, { address: '10.0.0.1', prefix: 24, netmask: '255.255.255.0' }] }, 'invalid-value', '/network/ip[2]/@prefix');
    refused({ ...net, ips: [{ address: '10.0.0.1', mask: '255.0.0.0' }] }, 'invalid-value', '/network/ip');
    refused({ ...net, ips: { address: '10.0.0.1' } }, 'invalid-value', '/network/ip');
    refused({ ...net, ips: [{ dhcp: { ranges: [{ start: '10.0.0.2' }], hosts: [] } }] }, 'missing-field', '/network/ip/dhcp/range/@end');
    refused({ ...net, ips: [{ dhcp: { ranges: [], hosts: [{ mac: 'x' }, { mac: 'y', address: '10.0.0.9' }] } }] }, 'invalid-value', '/network/ip/dhcp/host[2]');
  });

  it('builds a network from a description alone, in the shape libvirt writes', () => {
    const xml = buildNetworkXml({
      name: 'lab',
      forward: { mode: 'nat', nat: { ports: { start: 1024, end: 65535 } } },
      bridge: { name: 'virbr9', stp: true, delay: 0 },
      ips: [{ address: '10.9.0.1', prefix: 24, dhcp: { ranges: [{ start: '10.9.0.100', end: '10.9.0.199' }], hosts: [{ mac: '52:54:00:00:00:01', ip: '10.9.0.10' }] } }],
    });
    assertSameXml(xml, `<network><name>lab</name><forward mode='nat'><nat><port start='1024' end='65535'/></nat></forward>
      <bridge name='virbr9' stp='on' delay='0'/><ip address='10.9.0.1' prefix='24'><dhcp><range start='10.9.0.100' end='10.9.0.199'/>
      <host mac='52:54:00:00:00:01' ip='10.9.0.10'/></dhcp></ip></network>`, 'network');
  });

  describe('against the test driver', () => {
    let conn: v.virConnectPtr;
    before(() => { conn = v.virConnectOpen('test:///default'); });
    after(() => { v.virConnectClose(conn); });

    /** Runs `check` on what libvirt reports for a network made by `make`, then removes it. */
    const readBack = (make: () => v.virNetworkPtr, check: (back: NetworkDescription) => void): void => {
      const net = make();
      try {
        check(parseNetworkXml(v.virNetworkGetXMLDesc(net, 0)));
      } finally {
        // Read first: a transient network is gone once destroyed.
        const persistent = v.virNetworkIsPersistent(net) === 1;
        if (v.virNetworkIsActive(net) === 1) v.virNetworkDestroy(net);
        if (persistent) v.virNetworkUndefine(net);
        v.virNetworkFree(net);
      }
    };

    it('defines a NAT network with DHCP from a typed object and reads it back', () => {
      const doc: NetworkDescription = {
        name: 'xml-built-nat',
        forward: { mode: 'nat', nat: { ports: { start: 2000, end: 3000 } } },
        bridge: { name: 'virbr40', stp: false },
        mtu: 1400,
        domainName: 'built.test',
        ips: [{ address: '192.168.140.1', netmask: '255.255.255.0', dhcp: { ranges: [{ start: '192.168.140.10', end: '192.168.140.20' }], hosts: [{ mac: '52:54:00:40:00:01', name: 'db', ip: '192.168.140.5' }] } }],
      };
      readBack(() => v.virNetworkDefineXMLFlags(conn, buildNetworkXml(doc), 0), (back) => {
        const { uuid, ...rest } = back;
        assert.match(uuid ?? '', /^[0-9a-f-]{36}$/);
        // libvirt fills in the forward delay; everything given comes back as given.
        assert.deepEqual(rest, { ...doc, bridge: { ...doc.bridge, delay: 0 } });
      });
    });

    it('creates transient isolated and bridge-forward networks from typed objects', () => {
      const isolated: NetworkDescription = { name: 'xml-built-isolated', bridge: { name: 'virbr41' }, ips: [{ address: '10.41.0.1', prefix: 24 }] };
      readBack(() => v.virNetworkCreateXMLFlags(conn, buildNetworkXml(isolated), 0), (back) => {
        assert.equal(back.forward, undefined);
        assert.deepEqual([back.bridge, back.ips], [{ name: 'virbr41', stp: true, delay: 0 }, isolated.ips]);
      });
      const bridged: NetworkDescription = { name: 'xml-built-bridge', forward: { mode: 'bridge' }, bridge: { name: 'br-built' }, ips: [] };
      readBack(() => v.virNetworkCreateXMLFlags(conn, buildNetworkXml(bridged), 0), (back) => {
        assert.deepEqual([back.forward, back.bridge, back.ips], [{ mode: 'bridge' }, { name: 'br-built' }, []]);
      });
    });
  });
});
