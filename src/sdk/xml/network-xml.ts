// <network> documents (virNetworkGetXMLDesc / virNetworkDefineXMLFlags / virNetworkCreateXMLFlags).
// DNS, routes, port groups, QoS and forward interface pools are kept in `extra` at their level.
import { buildXmlElement, parseXmlElement, type XmlElement } from './xml-codec.js';
import { XmlDocumentError } from './xml-errors.js';
import { countAttr, defined, ElementReader, ElementWriter, parseCount, required, requiredCountAttr, withExtra, type Mutable, type XmlExtra } from './xml-element.js';
import { checkFields, checkInteger, fieldsOf, itemsAt, requireText, UINT_MAX } from './xml-checks.js';
import { ON_OFF, parseSwitch, switchWord } from './xml-choices.js';
import type { OptionalLists } from './optional-lists.js';

export type NetworkForwardMode = 'nat' | 'route' | 'open' | 'bridge' | 'private' | 'vepa' | 'passthrough' | 'hostdev' | (string & {});

export interface NetworkForward {
  /** Absent means 'nat', as in libvirt (which always writes the mode back). */
  readonly mode?: NetworkForwardMode;
  /**
   * The host device traffic leaves by. libvirt also lists it as the first `<interface>`, kept in
   * `extra`, and refuses a `dev` that differs from it: a changed `dev` needs that entry changed too.
   */
  readonly dev?: string;
  /** `<nat>`: the source port range NAT may use; address ranges and IPv6 NAT stay in `extra`. */
  readonly nat?: { readonly ports?: { readonly start: number; readonly end: number }; readonly extra?: XmlExtra };
  readonly extra?: XmlExtra;
}

export interface NetworkBridge {
  /** libvirt picks a free `virbrN` when absent. */
  readonly name?: string;
  /** Spanning tree (`stp='on'|'off'`). */
  readonly stp?: boolean;
  /** Forward delay in seconds. */
  readonly delay?: number;
  readonly extra?: XmlExtra;
}

export interface NetworkDhcp {
  readonly ranges: readonly { readonly start: string; readonly end: string; readonly extra?: XmlExtra }[];
  /** Static leases; an IPv6 host's `id` stays in its `extra`. */
  readonly hosts: readonly { readonly mac?: string; readonly name?: string; readonly ip?: string; readonly extra?: XmlExtra }[];
  readonly extra?: XmlExtra;
}

export interface NetworkIp {
  /** 'ipv4' (libvirt's default) or 'ipv6'. */
  readonly family?: 'ipv4' | 'ipv6' | (string & {});
  readonly address?: string;
  /** IPv4 only; libvirt refuses a netmask together with a prefix. */
  readonly netmask?: string;
  readonly prefix?: number;
  readonly dhcp?: NetworkDhcp;
  readonly extra?: XmlExtra;
}

export interface NetworkDescription {
  readonly name: string;
  readonly uuid?: string;
  /** Absent: an isolated network (guests reach each other and the host only). */
  readonly forward?: NetworkForward;
  readonly bridge?: NetworkBridge;
  /** `<mtu size=…>` of the bridge, in bytes. */
  readonly mtu?: number;
  /** The bridge's MAC address (`<mac address=…>`). */
  readonly mac?: string;
  /** DNS domain of the network's DHCP clients (`<domain name=…>`); `localOnly` stays in `extra`. */
  readonly domainName?: string;
  readonly ips: readonly NetworkIp[];
  readonly extra?: XmlExtra;
}

export function parseNetworkXml(xml: string): NetworkDescription {
  const r = new ElementReader(parseXmlElement(xml, 'network'), '/network');
  const name = required(r.leafText('name'), '/network/name');
  const net: Partial<Mutable<NetworkDescription>> = defined({ name, uuid: r.leafText('uuid') });
  const forward = r.child('forward');
  if (forward) net.forward = readForward(forward);
  const bridge = r.child('bridge');
  if (bridge) net.bridge = readBridge(bridge);
  Object.assign(net, defined({ mtu: parseCount(r.leafAttr('mtu', 'size'), `${r.path}/mtu/@size`), mac: r.leafAttr('mac', 'address'), domainName: r.leafAttr('domain', 'name') }));
  net.ips = r.children('ip').map(readIp);
  return withExtra(net as NetworkDescription, r);
}

function readForward(f: ElementReader): NetworkForward {
  const nat = f.child('nat');
  return withExtra(defined<NetworkForward>({ mode: f.attr('mode'), dev: f.attr('dev'), nat: nat ? readNat(nat) : undefined }), f);
}

function readNat(n: ElementReader): NonNullable<NetworkForward['nat']> {
  const ports = n.readLeaf('port', (p) => ({ start: requiredCountAttr(p, 'start'), end: requiredCountAttr(p, 'end') }));
  return withExtra(defined<NonNullable<NetworkForward['nat']>>({ ports }), n);
}

function readBridge(b: ElementReader): NetworkBridge {
  const stp = parseSwitch(b.attr('stp'), `${b.path}/@stp`, ON_OFF);
  return withExtra(defined<NetworkBridge>({ name: b.attr('name'), stp, delay: countAttr(b, 'delay') }), b);
}

function readIp(ip: ElementReader): NetworkIp {
  const dhcp = ip.child('dhcp');
  const fields = defined<NetworkIp>({
    family: ip.attr('family'),
    address: ip.attr('address'),
    netmask: ip.attr('netmask'),
    prefix: countAttr(ip, 'prefix'),
    dhcp: dhcp ? readDhcp(dhcp) : undefined,
  });
  return withExtra(fields, ip);
}

function readDhcp(d: ElementReader): NetworkDhcp {
  const ranges = d.children('range').map((r) => withExtra({ start: r.requiredAttr('start'), end: r.requiredAttr('end') }, r));
  const hosts = d.children('host').map((h) => withExtra(defined<NetworkDhcp['hosts'][number]>({ mac: h.attr('mac'), name: h.attr('name'), ip: h.attr('ip') }), h));
  return withExtra({ ranges, hosts }, d);
}

const NETWORK_FIELDS = fieldsOf<NetworkDescription>({
  name: true, uuid: true, forward: true, bridge: true, mtu: true, mac: true, domainName: true, ips: true, extra: true,
});
const FORWARD_FIELDS = fieldsOf<NetworkForward>({ mode: true, dev: true, nat: true, extra: true });
const NAT_FIELDS = fieldsOf<NonNullable<NetworkForward['nat']>>({ ports: true, extra: true });
const PORTS_FIELDS = fieldsOf<NonNullable<NonNullable<NetworkForward['nat']>['ports']>>({ start: true, end: true });
const BRIDGE_FIELDS = fieldsOf<NetworkBridge>({ name: true, stp: true, delay: true, extra: true });
const IP_FIELDS = fieldsOf<NetworkIp>({ family: true, address: true, netmask: true, prefix: true, dhcp: true, extra: true });
const DHCP_FIELDS = fieldsOf<NetworkDhcp>({ ranges: true, hosts: true, extra: true });
const RANGE_FIELDS = fieldsOf<NetworkDhcp['ranges'][number]>({ start: true, end: true, extra: true });
const HOST_FIELDS = fieldsOf<NetworkDhcp['hosts'][number]>({ mac: true, name: true, ip: true, extra: true });

// Written in libvirt's own element order so that unchanged documents come back identical.
export function buildNetworkXml(doc: OptionalLists<NetworkDescription>): string {
  const path = '/network';
  checkFields(doc, NETWORK_FIELDS, path, true);
  checkInteger(doc.mtu, 1, UINT_MAX, `${path}/mtu/@size`);
  const w = new ElementWriter('network', doc.extra);
  w.leaf('name', {}, requireText(doc.name, `${path}/name`));
  if (doc.uuid !== undefined) w.leaf('uuid', {}, doc.uuid);
  w.child(writeForward(doc.forward, `${path}/forward`));
  w.child(writeBridge(doc.bridge, `${path}/bridge`));
  if (doc.mtu !== undefined) w.leaf('mtu', { size: doc.mtu });
  if (doc.mac !== undefined) w.leaf('mac', { address: doc.mac });
  if (doc.domainName !== undefined) w.leaf('domain', { name: doc.domainName });
  itemsAt(doc.ips, `${path}/ip`, 'objects').forEach(([ip, at]) => w.child(writeIp(ip, at)));
  return buildXmlElement(w.finish());
}

function writeForward(f: NetworkForward | undefined, path: string): XmlElement | undefined {
  if (f === undefined) return undefined;
  checkFields(f, FORWARD_FIELDS, path);
  const mode = f.mode === undefined ? undefined : requireText(f.mode, `${path}/@mode`);
  return new ElementWriter('forward', f.extra).attrs({ mode, dev: f.dev }).child(writeNat(f.nat, `${path}/nat`)).finish();
}

function writeNat(nat: NetworkForward['nat'], path: string): XmlElement | undefined {
  if (nat === undefined) return undefined;
  checkFields(nat, NAT_FIELDS, path);
  const w = new ElementWriter('nat', nat.extra);
  if (nat.ports === undefined) return w.finish();
  checkFields(nat.ports, PORTS_FIELDS, `${path}/port`);
  checkInteger(nat.ports.start, 0, 65535, `${path}/port/@start`, true);
  checkInteger(nat.ports.end, 0, 65535, `${path}/port/@end`, true);
  return w.leaf('port', { start: nat.ports.start, end: nat.ports.end }).finish();
}

function writeBridge(b: NetworkBridge | undefined, path: string): XmlElement | undefined {
  if (b === undefined) return undefined;
  checkFields(b, BRIDGE_FIELDS, path);
  // libvirt takes any stp but 'off' as on: a string such as 'no' would turn it on.
  const stp = switchWord(b.stp, `${path}/@stp`, ON_OFF);
  checkInteger(b.delay, 0, UINT_MAX, `${path}/@delay`);
  return new ElementWriter('bridge', b.extra).attrs({ name: b.name, stp, delay: b.delay }).finish();
}

function writeIp(ip: OptionalLists<NetworkIp>, path: string): XmlElement {
  checkFields(ip, IP_FIELDS, path);
  checkInteger(ip.prefix, 0, 128, `${path}/@prefix`);
  if (ip.netmask !== undefined && ip.prefix !== undefined) {
    throw new XmlDocumentError('invalid-value', `${path}/@prefix`, 'give a netmask or a prefix, not both (libvirt refuses both)');
  }
  const w = new ElementWriter('ip', ip.extra).attrs({ family: ip.family, address: ip.address, netmask: ip.netmask, prefix: ip.prefix });
  return w.child(writeDhcp(ip.dhcp, `${path}/dhcp`)).finish();
}

function writeDhcp(d: OptionalLists<NetworkDhcp> | undefined, path: string): XmlElement | undefined {
  if (d === undefined) return undefined;
  checkFields(d, DHCP_FIELDS, path);
  const w = new ElementWriter('dhcp', d.extra);
  itemsAt(d.ranges, `${path}/range`, 'objects').forEach(([r, at]) => {
    checkFields(r, RANGE_FIELDS, at);
    w.child(new ElementWriter('range', r.extra).attrs({ start: requireText(r.start, `${at}/@start`), end: requireText(r.end, `${at}/@end`) }).finish());
  });
  itemsAt(d.hosts, `${path}/host`, 'objects').forEach(([h, at]) => {
    checkFields(h, HOST_FIELDS, at);
    w.child(new ElementWriter('host', h.extra).attrs({ mac: h.mac, name: h.name, ip: h.ip }).finish());
  });
  return w.finish();
}
