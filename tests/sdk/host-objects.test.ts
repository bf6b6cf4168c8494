// Networks, host interfaces, node devices, secrets and network filters: objects of their own
// classes, with methods by the one rule, one owner each, and a clear error after free.
import assert from 'node:assert/strict';
import { Connection, Interface, Network, NodeDevice, isLibvirtError, type HostInterfaceDescription, type NetworkDescription, type NodeDeviceDescription } from '../../src/sdk/index.js';
import * as v from '../../generated/index.js';
import { badDescription } from '../support/bad-description.js';

const TEST_NETWORK = (name: string): string =>
  `<network><name>${name}</name><bridge name='${name}br'/><ip address='192.168.213.1' netmask='255.255.255.0'/></network>`;

const noSupport = (e: unknown): boolean => isLibvirtError(e) && e.code === v.VIR_ERR_NO_SUPPORT;

describe('networks, interfaces, node devices, secrets and nwfilters (test:///default)', function () {
  this.timeout(60_000);
  let conn: Connection;
  before(async () => { conn = await Connection.open('test:///default'); });
  after(async () => { await conn.close(); });

  it('lists and looks up networks as Network objects, with local reads and calls', async () => {
    // A trailing flags argument may be left out: 0, as libvirt's default.
    const nets = await conn.listAllNetworks();
    try {
      assert.deepEqual(nets.map((n) => n.constructor), [Network]);
      const [listed] = nets as [Network];
      assert.equal(listed.name, 'default');
      using net = await conn.networkLookupByName('default');
      assert.ok(net instanceof Network);
      assert.equal(net.getUUIDString(), listed.getUUIDString());
      assert.match(net.getUUIDString(), /^[0-9a-f]{8}-[0-9a-f]{4}-/);
      assert.equal(await net.isActive(), 1);
      assert.equal(await net.getBridgeName(), 'virbr0');
      assert.match(await net.getXMLDesc(), /<name>default<\/name>/);
      await assert.rejects(net.getXMLDesc(null as unknown as number), (e: unknown) => isLibvirtError(e) && e.code === v.VIR_ERR_INVALID_ARG && /argument flags must be an integer/.test(e.message));
      using byUuid = await conn.networkLookupByUUIDString(net.getUUIDString());
      assert.equal(byUuid.name, 'default');
    } finally {
      for (const n of nets) n.free();
    }
  });

  it('defines, starts, stops and undefines a network; its handle is released once and refused after', async () => {
    const name = `tsvirtnet${process.pid % 10000}`;
    const net = await conn.networkDefineXML(TEST_NETWORK(name));
    try {
      assert.equal(await net.isActive(), 0);
      assert.equal(await net.isPersistent(), 1);
      await net.create();
      assert.equal(await net.isActive(), 1);
      await net.setAutostart(1);
      assert.equal(await net.getAutostart(), 1);
      await net.destroy();
      assert.equal(await net.isActive(), 0);
    } finally {
      await net.undefine();
      net.free();
    }
    net.free(); // a second free does nothing
    assert.throws(() => net.getName(), (e: unknown) => isLibvirtError(e) && e.code === v.VIR_ERR_INVALID_ARG && /network was already freed/.test(e.message));
    await assert.rejects(conn.networkLookupByName(name), (e: unknown) => isLibvirtError(e) && e.code === v.VIR_ERR_NO_NETWORK);
  });

  it('reads a network as a typed description', async () => {
    using net = await conn.networkLookupByName('default');
    const desc = await net.getDescription();
    assert.deepEqual([desc.name, desc.uuid, desc.forward?.mode, desc.bridge?.name], ['default', net.getUUIDString(), 'nat', 'virbr0']);
    assert.deepEqual(desc.ips[0]?.dhcp?.ranges, [{ start: '192.168.122.2', end: '192.168.122.254' }]);
  });

  it('defines and creates networks from typed descriptions; the generic methods take XML as before', async () => {
    const described = (name: string, bridge: string): NetworkDescription => ({
      name, forward: { mode: 'route' }, bridge: { name: bridge }, ips: [{ address: '10.77.0.1', prefix: 24, dhcp: { ranges: [{ start: '10.77.0.50', end: '10.77.0.60' }], hosts: [] } }],
    });
    const defined = await conn.defineNetwork(described(`tsvirtdef${process.pid % 10000}`, 'virbr77'), v.VIR_NETWORK_DEFINE_VALIDATE);
    try {
      assert.ok(defined instanceof Network);
      assert.deepEqual([await defined.isActive(), await defined.isPersistent()], [0, 1]);
      const back = await defined.getDescription();
      assert.deepEqual([back.forward?.mode, back.bridge?.name, back.ips[0]?.dhcp?.ranges.length], ['route', 'virbr77', 1]);
    } finally {
      await defined.undefine();
      defined.free();
    }
    using created = await conn.createNetwork(described(`tsvirtnew${process.pid % 10000}`, 'virbr78'));
    assert.deepEqual([await created.isActive(), await created.isPersistent()], [1, 0]);
    assert.equal((await created.getDescription()).bridge?.name, 'virbr78');
    await created.destroy();
    using generic = await conn.networkCreateXMLFlags(TEST_NETWORK(`tsvirtgen${process.pid % 10000}`), 0);
    assert.equal((await generic.getDescription()).ips[0]?.netmask, '255.255.255.0');
    await generic.destroy();
  });

  it('a typed network description that does not build rejects the Promise and reaches no libvirt call', async () => {
    const networkNames = async (): Promise<string[]> => (await conn.listAllNetworks(0)).map((n) => { const name = n.name; n.free(); return name; });
    const existing = await networkNames();
    await assert.rejects(conn.defineNetwork({ name: 'tsvirtbad', ips: [], bridge: { stp: 'yes' } } as never), badDescription('/network/bridge/@stp'));
    await assert.rejects(conn.createNetwork({ name: 'tsvirtbad', ips: [], mtu: -1 }), badDescription('/network/mtu/@size'));
    assert.deepEqual(await networkNames(), existing);
  });

  it("a network's connection is a Connection of its own reference; a closed connection's network still works until freed", async () => {
    using net = await conn.networkLookupByName('default');
    const lent = net.getConnect();
    assert.ok(lent instanceof Connection);
    assert.equal(await lent.getURI(), 'test:///default');
    await lent.close();
    assert.equal(await net.isActive(), 1, 'closing the lent connection left the network usable');

    const other = await Connection.open('test:///default');
    const kept = await other.networkLookupByName('default');
    assert.ok(await other.close() > 0, 'the network still holds the connection');
    assert.equal(await kept.getBridgeName(), 'virbr0');
    kept.free();
  });

  it('lists host interfaces and node devices as objects of their classes', async () => {
    const ifaces = await conn.listAllInterfaces(0);
    const devices = await conn.listAllNodeDevices(0);
    try {
      assert.ok(ifaces.length > 0 && ifaces.every((i) => i instanceof Interface));
      const eth1 = ifaces.find((i) => i.name === 'eth1');
      assert.equal(eth1?.getMACString(), 'aa:bb:cc:dd:ee:ff');
      assert.ok(devices.every((d) => d instanceof NodeDevice));
      const names = devices.map((d) => d.name);
      assert.ok(names.includes('computer'), names.join(', '));
      const host = devices.find((d) => d.name === 'scsi_host1') as NodeDevice;
      assert.deepEqual(await host.listCaps(10), ['scsi_host']);
      // Without a count, as many as libvirt says there are.
      assert.deepEqual(await host.listCaps(), ['scsi_host']);
      assert.deepEqual(await devices.find((d) => d.name === 'computer')?.listCaps(), ['system']);
      assert.equal(await host.getParent(), 'computer');
    } finally {
      for (const o of [...ifaces, ...devices]) o.free();
    }
  });

  it('reads a host interface as a typed description', async () => {
    using eth1 = await conn.interfaceLookupByName('eth1');
    const desc = await eth1.getDescription();
    assert.ok(desc.type === 'ethernet');
    assert.deepEqual([desc.name, desc.mac, desc.mtu, desc.startMode], ['eth1', eth1.getMACString(), 1492, 'onboot']);
    assert.deepEqual(desc.protocols, [{ family: 'ipv4', ips: [{ address: '192.168.0.5', prefix: 24 }], gateway: '192.168.0.1' }]);
  });

  const ifaceNames = async (): Promise<string[]> => (await conn.listAllInterfaces(0)).map((i) => { const name = i.name; i.free(); return name; });

  it('defines host interfaces from typed descriptions and XML, reads them back and undefines them', async () => {
    const existing = await ifaceNames();
    const bond: HostInterfaceDescription = {
      type: 'bond',
      name: `tsvbond${process.pid % 10000}`,
      startMode: 'onboot',
      protocols: [{ family: 'ipv4', dhcp: { peerdns: false } }],
      bond: { mode: 'active-backup', miimon: { freq: 100 }, interfaces: [{ type: 'ethernet', name: 'tsveth0' }, { type: 'ethernet', name: 'tsveth1' }] },
    };
    const defined = await conn.defineInterface(bond, v.VIR_INTERFACE_DEFINE_VALIDATE);
    try {
      assert.ok(defined instanceof Interface);
      assert.equal(defined.name, bond.name);
      assert.deepEqual([await defined.isActive(), await defined.getDescription()], [0, bond]);
    } finally {
      await defined.undefine();
      defined.free();
    }
    const vlan = await conn.defineInterface(`<interface type='vlan' name='eth1.${process.pid % 4096}'><vlan tag='${process.pid % 4096}'><interface name='eth1'/></vlan></interface>`);
    try {
      const back = await vlan.getDescription();
      assert.deepEqual(back.type === 'vlan' && back.vlan, { tag: process.pid % 4096, device: 'eth1' });
    } finally {
      await vlan.undefine();
      vlan.free();
    }
    assert.deepEqual(await ifaceNames(), existing);
  });

  it('a typed interface or secret description that does not build rejects the Promise and reaches no libvirt call', async () => {
    const existing = await ifaceNames();
    // libvirt would define this bridge and drop the member's MTU without a word.
    const member = { type: 'ethernet', name: 'tsveth0', mtu: 1500 } as const;
    await assert.rejects(conn.defineInterface({ type: 'bridge', name: 'tsvbr0', bridge: { interfaces: [member] } }), badDescription('/interface/bridge/interface'));
    await assert.rejects(conn.defineInterface({ type: 'bond', name: 'tsvbond', bond: { interfaces: [] }, mac: 'x' } as never), badDescription('/interface'));
    assert.deepEqual(await ifaceNames(), existing);
    // The test driver has no secrets at all: a bad description must fail before libvirt says so.
    await assert.rejects(conn.defineSecret({ usage: { type: 'volume', name: '/x' } } as never), badDescription('/secret/usage'));
    await assert.rejects(conn.defineSecret({ private: 'yes' } as never), badDescription('/secret/@private'));
  });

  it('reads node devices as typed descriptions', async () => {
    using computer = await conn.nodeDeviceLookupByName('computer');
    const desc = await computer.getDescription();
    const [system] = desc.capabilities;
    assert.deepEqual([desc.name, desc.parent, system?.type], ['computer', undefined, 'system']);
    assert.equal(system?.type === 'system' && system.hardware?.uuid, '11111111-2222-3333-4444-555555555555');
    using hba = await conn.nodeDeviceLookupByName('scsi_host1');
    const [host] = (await hba.getDescription()).capabilities;
    assert.deepEqual(host?.type === 'scsi_host' && [host.host, host.fcHost?.wwnn, host.vportOps], [1, '2000000012341234', { maxVports: 0, vports: 0 }]);
  });

  it('creates a vHBA from a typed description and destroys it; the generic method takes XML as before', async () => {
    const vhba = (wwn: string, host?: number): NodeDeviceDescription => ({
      parent: 'scsi_host1', capabilities: [{ type: 'scsi_host', ...(host === undefined ? {} : { host }), fcHost: { wwnn: `20000000${wwn}`, wwpn: `10000000${wwn}` } }],
    });
    // libvirt's schema wants a name and a host number, which libvirt then replaces: VALIDATE refuses a description without.
    await assert.rejects(conn.createNodeDevice(vhba('77778888'), v.VIR_NODE_DEVICE_CREATE_XML_VALIDATE), (e: unknown) => isLibvirtError(e) && /failed to validate/.test(e.message));
    const created = await conn.createNodeDevice({ ...vhba('77778888', 0), name: 'new-vhba' }, v.VIR_NODE_DEVICE_CREATE_XML_VALIDATE);
    const name = created.name;
    try {
      assert.ok(created instanceof NodeDevice);
      const back = await created.getDescription();
      const [host] = back.capabilities;
      assert.match(name, /^scsi_host\d+$/, 'libvirt names the device');
      assert.deepEqual([back.name, back.parent, host?.type === 'scsi_host' && host.fcHost?.wwpn], [name, 'scsi_host1', '1000000077778888']);
      using found = await conn.nodeDeviceLookupByName(name);
      assert.equal((await found.getParent()), 'scsi_host1');
    } finally {
      await created.destroy();
      created.free();
    }
    await assert.rejects(conn.nodeDeviceLookupByName(name), (e: unknown) => isLibvirtError(e) && e.code === v.VIR_ERR_NO_NODE_DEVICE);
    const fcHost = '<capability type="fc_host"><wwnn>2000000077779999</wwnn><wwpn>1000000077779999</wwpn></capability>';
    using generic = await conn.nodeDeviceCreateXML(`<device><parent>scsi_host1</parent><capability type='scsi_host'>${fcHost}</capability></device>`, 0);
    try {
      assert.equal((await generic.getDescription()).parent, 'scsi_host1');
    } finally {
      await generic.destroy();
    }
  });

  it('node devices the test driver cannot make reject with its error; bad descriptions before any call', async () => {
    const deviceNames = async (): Promise<string[]> => (await conn.listAllNodeDevices(0)).map((d) => { const n = d.name; d.free(); return n; }).sort();
    const existing = await deviceNames();
    const mdev: NodeDeviceDescription = { parent: 'computer', capabilities: [{ type: 'mdev', typeId: 'i915-GVTg_V5_8' }] };
    // The test driver makes vHBAs only; and it has no persistent devices (virNodeDeviceDefineXML, libvirt 7.3).
    await assert.rejects(conn.createNodeDevice(mdev), (e: unknown) => isLibvirtError(e) && /not a fibre channel HBA/.test(e.message));
    await assert.rejects(conn.defineNodeDevice(mdev), (e: unknown) => noSupport(e) && isLibvirtError(e) && /virNodeDeviceDefineXML/.test(e.message));
    const badWwn: NodeDeviceDescription = { parent: 'scsi_host1', capabilities: [{ type: 'scsi_host', fcHost: { wwnn: '2000-0000' } }] };
    await assert.rejects(conn.createNodeDevice(badWwn), badDescription('/device/capability/capability/wwnn'));
    await assert.rejects(conn.createNodeDevice({ parent: 'scsi_host1', capabilities: [] }), badDescription('/device/capability'));
    assert.deepEqual(await deviceNames(), existing);
  });

  it('functions the driver lacks reject with its own error (secrets, nwfilters, DHCP leases)', async () => {
    // A typed secret builds and reaches the driver, which has no secrets.
    await assert.rejects(conn.defineSecret({ private: true, usage: { type: 'volume', volume: '/x' } }), noSupport);
    await assert.rejects(conn.secretDefineXML("<secret><usage type='volume'><volume>/x</volume></usage></secret>", 0), noSupport);
    await assert.rejects(conn.listAllNWFilters(0), noSupport);
    using net = await conn.networkLookupByName('default');
    await assert.rejects(net.getDHCPLeases(null, 0), noSupport);
  });
});
