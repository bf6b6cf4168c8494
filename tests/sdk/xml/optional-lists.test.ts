// Lists a description requires may be left out when building (OptionalLists): the calls below
// must type-check (tsc checks tests), an absent list builds the same XML as an empty one, and
// parse results keep their lists. The @ts-expect-error lines fail the type check if the input
// type ever stops checking what it should.
import assert from 'node:assert/strict';
import {
  buildDomainXml, buildInterfaceXml, buildNetworkXml, buildNodeDeviceXml, buildNWFilterXml, buildPoolXml, buildSnapshotXml,
  parseDomainXml, parseNetworkXml, parseSnapshotXml,
  type DiskDescription, type NetworkIp, type OptionalLists, type DomainDescription, type SnapshotDiskDescription,
} from '../../../src/sdk/xml/index.js';
import { Connection } from '../../../src/sdk/index.js';
import { assertSameXml, fixture } from './support.js';

const memory = { value: 64n, unit: 'MiB' };
/** A domain with no list given at any level. */
const bareDomain = { type: 'test', name: 'lists-bare', memory, os: { type: 'hvm' }, devices: {} } as const;

/** Each row: a description with lists left out, and the same with those lists empty. */
const ROWS: readonly { label: string; build: () => string; empty: () => string }[] = [
  {
    label: 'snapshot disks',
    build: () => buildSnapshotXml({ name: 'a' }),
    empty: () => buildSnapshotXml({ name: 'a', disks: [] }),
  },
  {
    label: 'domain devices, boot order and features',
    build: () => buildDomainXml({ ...bareDomain, features: {} }),
    empty: () => buildDomainXml({
      ...bareDomain, os: { type: 'hvm', boot: [] }, features: { enabled: [] },
      devices: { disks: [], interfaces: [], serials: [], consoles: [], graphics: [] },
    }),
  },
  {
    label: 'the lists of a snapshot\'s domain',
    build: () => buildSnapshotXml({ name: 'a', domain: bareDomain }),
    empty: () => buildSnapshotXml({ name: 'a', disks: [], domain: { ...bareDomain, os: { type: 'hvm', boot: [] }, devices: { disks: [], interfaces: [], serials: [], consoles: [], graphics: [] } } }),
  },
  {
    label: 'DHCP ranges and hosts',
    build: () => buildNetworkXml({ name: 'n', ips: [{ address: '10.0.0.1', prefix: 24, dhcp: {} }] }),
    empty: () => buildNetworkXml({ name: 'n', ips: [{ address: '10.0.0.1', prefix: 24, dhcp: { ranges: [], hosts: [] } }] }),
  },
  {
    label: 'network IPs',
    build: () => buildNetworkXml({ name: 'n' }),
    empty: () => buildNetworkXml({ name: 'n', ips: [] }),
  },
  {
    label: 'pool source hosts and devices',
    build: () => buildPoolXml({ type: 'logical', name: 'p', source: { name: 'vg0' } }),
    empty: () => buildPoolXml({ type: 'logical', name: 'p', source: { name: 'vg0', hosts: [], devices: [] } }),
  },
  {
    label: 'bridge and bond members, at two levels',
    build: () => buildInterfaceXml({ type: 'bridge', name: 'br0', bridge: { interfaces: [{ type: 'bond', name: 'bond0', bond: {} }] } }),
    empty: () => buildInterfaceXml({ type: 'bridge', name: 'br0', bridge: { interfaces: [{ type: 'bond', name: 'bond0', bond: { interfaces: [] } }] } }),
  },
  {
    label: 'a net capability\'s features',
    build: () => buildNodeDeviceXml({ parent: 'computer', capabilities: [{ type: 'net', interface: 'eth0' }] }),
    empty: () => buildNodeDeviceXml({ parent: 'computer', capabilities: [{ type: 'net', interface: 'eth0', features: [] }] }),
  },
  {
    label: 'filter entries',
    build: () => buildNWFilterXml({ name: 'f', chain: 'ipv4' }),
    empty: () => buildNWFilterXml({ name: 'f', chain: 'ipv4', entries: [] }),
  },
];

// Never called: each call must fail the type check, or tsc reports an unused directive.
export function refusedByTypes(): void {
  // @ts-expect-error memory is still required
  buildDomainXml({ type: 'test', name: 'x', os: { type: 'hvm' }, devices: {} });
  // @ts-expect-error a misspelt list is no list
  buildSnapshotXml({ name: 'x', disk: [] });
  // @ts-expect-error a list's items keep their types
  buildNetworkXml({ name: 'n', ips: [{ prefix: '24' }] });
  // @ts-expect-error a disk's target is required, in a list or not
  buildDomainXml({ ...bareDomain, devices: { disks: [{ type: 'file' }] } });
  // @ts-expect-error a bridge's member is no bridge
  buildInterfaceXml({ type: 'bridge', name: 'br0', bridge: { interfaces: [{ type: 'bridge', name: 'br1', bridge: {} }] } });
}

describe('sdk/xml lists left out when building', () => {
  for (const { label, build, empty } of ROWS) {
    it(`builds the same XML with ${label} left out as given empty`, () => {
      assert.equal(build(), empty());
    });
  }

  it('writes nothing for an absent list', () => {
    assertSameXml(buildSnapshotXml({ name: 'a' }), '<domainsnapshot><name>a</name></domainsnapshot>', 'domainsnapshot');
    assertSameXml(buildNetworkXml({ name: 'n' }), '<network><name>n</name></network>', 'network');
    const domain = `<domain type='test'><name>lists-bare</name><memory unit='MiB'>64</memory><os><type>hvm</type></os><devices/></domain>`;
    assertSameXml(buildDomainXml(bareDomain), domain, 'domain');
  });

  it('leaves parse results with their lists, and takes them back as input', () => {
    const domain = parseDomainXml(fixture('test-domain-active.xml'));
    const disks: readonly DiskDescription[] = domain.devices.disks;
    const boot: readonly string[] = domain.os.boot;
    const ips: readonly NetworkIp[] = parseNetworkXml('<network><name>n</name></network>').ips;
    const snapshotDisks: readonly SnapshotDiskDescription[] = parseSnapshotXml('<domainsnapshot><name>s</name></domainsnapshot>').disks;
    assert.deepEqual([disks.length, boot, ips, snapshotDisks], [1, ['hd'], [], []]);
    const input: OptionalLists<DomainDescription> = domain;
    assert.equal(buildDomainXml(input), buildDomainXml(domain));
  });
});

// Never called: the SDK's define and create methods take the same input types.
export async function acceptedByTypes(conn: Connection): Promise<void> {
  await conn.createDomain(bareDomain);
  await conn.defineStoragePool({ type: 'logical', name: 'p', source: { name: 'vg0' } });
  await conn.createNetwork({ name: 'n' });
  await conn.defineInterface({ type: 'bond', name: 'bond0', bond: {} });
  await conn.createNodeDevice({ parent: 'computer', capabilities: [{ type: 'net', interface: 'eth0' }] });
  await conn.defineNWFilter({ name: 'f' });
}

describe('SDK define and create methods without lists (test:///default)', () => {
  let conn: Connection;
  before(async () => { conn = await Connection.open('test:///default'); });
  after(async () => { await conn.close(); });

  it('defines a domain with devices: {} and os: { type: \'hvm\' }, and snapshots it by name alone', async () => {
    const dom = await conn.defineDomain({ type: 'test', name: 'lists-absent', memory, os: { type: 'hvm' }, devices: {} });
    try {
      assert.deepEqual((await dom.getDescription()).devices.disks, []);
      const snap = await dom.createSnapshot({ name: 'by-name' });
      try {
        assert.equal((await snap.getDescription()).name, 'by-name');
      } finally {
        await snap.delete();
        snap.free();
      }
    } finally {
      await dom.undefine();
      dom.free();
    }
  });

  it('defines a network by name alone', async () => {
    const net = await conn.defineNetwork({ name: 'lists-absent' });
    try {
      assert.deepEqual((await net.getDescription()).ips, []);
    } finally {
      await net.undefine();
      net.free();
    }
  });
});
