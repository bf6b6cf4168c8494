// Host <interface> documents (virInterfaceGetXMLDesc / virInterfaceDefineXML): a host's ethernet
// device, bridge, bond or VLAN as netcf or udev sees it; not a guest's <interface> device, which
// is domain XML (InterfaceDescription in domain-devices-xml.ts).
import { buildXmlElement, parseXmlElement, type XmlElement } from './xml-codec.js';
import { XmlDocumentError } from './xml-errors.js';
import { countAttr, defined, ElementReader, ElementWriter, parseCount, required, requiredCountAttr, withExtra, type Mutable, type XmlExtra } from './xml-element.js';
import { checkBoolean, checkFields, checkInteger, checkVariant, fieldsOf, INT_MAX, itemsAt, requireText } from './xml-checks.js';
import { readNetLink, writeNetLink, type NetLink, type NetLinkState } from './net-link-xml.js';
import { checkChoice, ON_OFF, parseChoice, parseSwitch, switchWord, YES_NO } from './xml-choices.js';
import type { OptionalLists } from './optional-lists.js';

export type HostInterfaceType = 'ethernet' | 'bridge' | 'bond' | 'vlan';
/** When the host brings the interface up (`<start mode=…>`). */
export type HostInterfaceStartMode = 'onboot' | 'hotplug' | 'none';
/** Operational state as the kernel reports it (`<link state=…>`). */
export type HostInterfaceLinkState = NetLinkState;
export type HostInterfaceBondMode = 'balance-rr' | 'active-backup' | 'balance-xor' | 'broadcast' | '802.3ad' | 'balance-tlb' | 'balance-alb';

/** `<link speed=… state=…>`, as a net node device has it too. */
export type HostInterfaceLink = NetLink;

export interface HostInterfaceIp {
  readonly address: string;
  /** libvirt leaves out a prefix of 0. */
  readonly prefix?: number;
  readonly extra?: XmlExtra;
}

export interface HostInterfaceProtocol {
  readonly family: 'ipv4' | 'ipv6';
  /** IPv6 stateless autoconfiguration (`<autoconf/>`); libvirt reads it for ipv6 only. */
  readonly autoconf?: boolean;
  /** Addresses by DHCP; `peerdns`: take the DNS servers it offers. */
  readonly dhcp?: { readonly peerdns?: boolean; readonly extra?: XmlExtra };
  /** Static addresses; absent when there are none (addresses by DHCP or autoconfiguration only). */
  readonly ips?: readonly HostInterfaceIp[];
  /** The default route's gateway (`<route gateway=…>`); libvirt reads the first route only. */
  readonly gateway?: string;
  readonly extra?: XmlExtra;
}

export interface HostInterfaceBridge {
  /** Spanning tree (`stp='on'|'off'`). */
  readonly stp?: boolean;
  /** Forward delay in seconds, as written: a decimal such as '0.01' (libvirt keeps it as text). */
  readonly delay?: string;
  /** The bridge's ports: ethernet, bond or VLAN interfaces. */
  readonly interfaces: readonly BridgeMemberDescription[];
  readonly extra?: XmlExtra;
}

export interface HostInterfaceBond {
  readonly mode?: HostInterfaceBondMode;
  /** MII link monitoring: every `freq` ms; delays in ms (libvirt leaves out 0). */
  readonly miimon?: { readonly freq: number; readonly downdelay?: number; readonly updelay?: number; readonly carrier?: 'ioctl' | 'netif'; readonly extra?: XmlExtra };
  /** ARP monitoring of an IPv4 `target` every `interval` ms; libvirt reads it only without `miimon`. */
  readonly arpmon?: { readonly interval: number; readonly target: string; readonly validate?: 'active' | 'backup' | 'all'; readonly extra?: XmlExtra };
  /** The bond's members: ethernet interfaces (the first is the primary of an active-backup bond). */
  readonly interfaces: readonly BondMemberDescription[];
  readonly extra?: XmlExtra;
}

export interface HostInterfaceVlan {
  /** The VLAN ID, 0-4095. */
  readonly tag: number;
  /** The device the VLAN runs on (`<interface name=…>` inside `<vlan>`). */
  readonly device: string;
  readonly extra?: XmlExtra;
}

interface HostInterfaceCommon {
  readonly name: string;
  /** Start mode, MTU and protocols are read on the interface defined, not on a bridge's or bond's member. */
  readonly startMode?: HostInterfaceStartMode;
  /** Bytes. */
  readonly mtu?: number;
  /** Absent: no addressing (as on every member). */
  readonly protocols?: readonly HostInterfaceProtocol[];
  readonly extra?: XmlExtra;
}

export interface EthernetInterfaceDescription extends HostInterfaceCommon {
  readonly type: 'ethernet';
  readonly link?: HostInterfaceLink;
  readonly mac?: string;
}
export interface BridgeInterfaceDescription extends HostInterfaceCommon {
  readonly type: 'bridge';
  readonly bridge: HostInterfaceBridge;
}
export interface BondInterfaceDescription extends HostInterfaceCommon {
  readonly type: 'bond';
  readonly link?: HostInterfaceLink;
  readonly bond: HostInterfaceBond;
}
export interface VlanInterfaceDescription extends HostInterfaceCommon {
  readonly type: 'vlan';
  readonly link?: HostInterfaceLink;
  readonly vlan: HostInterfaceVlan;
}

/** A host interface by its `type`; bridges and bonds hold their members as descriptions too. */
export type HostInterfaceDescription = EthernetInterfaceDescription | BridgeInterfaceDescription | BondInterfaceDescription | VlanInterfaceDescription;

/**
 * An interface as a member of a bridge or bond: without start mode, MTU and addressing, which
 * libvirt reads on the defined interface only (a member takes that interface's).
 */
type Member<T extends HostInterfaceCommon> = Omit<T, 'startMode' | 'mtu' | 'protocols'>;
/** A bond's member: ethernet only (virInterfaceDefParseXML refuses any other type). */
export type BondMemberDescription = Member<EthernetInterfaceDescription>;
/** A bridge's port: ethernet, bond or VLAN; not another bridge. */
export type BridgeMemberDescription = BondMemberDescription | Member<BondInterfaceDescription> | Member<VlanInterfaceDescription>;
/** What the readers and writers below take: a defined interface or a member at any depth. */
type AnyInterface = HostInterfaceDescription | BridgeMemberDescription;

/** libvirt's words for each enum-valued attribute (interface_conf.c and virnetdev.c refuse others). */
const TYPES: readonly HostInterfaceType[] = ['ethernet', 'bridge', 'bond', 'vlan'];
const START_MODES: readonly HostInterfaceStartMode[] = ['onboot', 'hotplug', 'none'];
const FAMILIES: readonly HostInterfaceProtocol['family'][] = ['ipv4', 'ipv6'];
const BOND_MODES: readonly HostInterfaceBondMode[] = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'];
const MII_CARRIERS = ['ioctl', 'netif'] as const;
// The schema also lists 'none', which the parser refuses.
const ARP_VALIDATES = ['active', 'backup', 'all'] as const;

/** The member types an interface holds: virInterfaceDefParseXML refuses any other (ethernet and VLAN hold none). */
const MEMBER_TYPES: Readonly<Record<'bridge' | 'bond', readonly HostInterfaceType[]>> = {
  bridge: ['ethernet', 'bond', 'vlan'],
  bond: ['ethernet'],
};
type Parent = keyof typeof MEMBER_TYPES;

/** libvirt refuses a larger MTU ("interface mtu value is improper"). */
const MAX_MTU = 100_000;

export function parseInterfaceXml(xml: string): HostInterfaceDescription {
  return readInterface(new ElementReader(parseXmlElement(xml, 'interface'), '/interface'));
}

function readInterface(r: ElementReader, parent?: Parent): HostInterfaceDescription {
  const type = parseChoice(r.requiredAttr('type'), parent === undefined ? TYPES : MEMBER_TYPES[parent], `${r.path}/@type`) as HostInterfaceType;
  const name = r.requiredAttr('name');
  const common: Mutable<HostInterfaceCommon> = parent === undefined ? { name, ...readTopLevel(r) } : { name };
  const link = type === 'bridge' ? undefined : readNetLink(r.child('link'));
  switch (type) {
    case 'ethernet':
      return withExtra(defined<EthernetInterfaceDescription>({ type, ...common, link, mac: r.leafAttr('mac', 'address') }), r);
    case 'bridge':
      return withExtra({ type, ...common, bridge: readBridge(required(r.child('bridge'), `${r.path}/bridge`)) }, r);
    case 'bond':
      return withExtra(defined<BondInterfaceDescription>({ type, ...common, link, bond: readBond(required(r.child('bond'), `${r.path}/bond`)) }), r);
    case 'vlan':
      return withExtra(defined<VlanInterfaceDescription>({ type, ...common, link, vlan: readVlan(required(r.child('vlan'), `${r.path}/vlan`)) }), r);
  }
}

/** What libvirt reads on the interface defined only. */
function readTopLevel(r: ElementReader): Omit<HostInterfaceCommon, 'name'> {
  const protocols = r.children('protocol').map(readProtocol);
  return defined<Omit<HostInterfaceCommon, 'name'>>({
    startMode: parseChoice(r.leafAttr('start', 'mode'), START_MODES, `${r.path}/start/@mode`),
    mtu: parseCount(r.leafAttr('mtu', 'size'), `${r.path}/mtu/@size`),
    protocols: protocols.length > 0 ? protocols : undefined,
  });
}

function readProtocol(p: ElementReader): HostInterfaceProtocol {
  const family = parseChoice(p.requiredAttr('family'), FAMILIES, `${p.path}/@family`) as HostInterfaceProtocol['family'];
  const dhcp = p.child('dhcp');
  const ips = p.children('ip').map((ip) => withExtra(defined<HostInterfaceIp>({ address: ip.requiredAttr('address'), prefix: countAttr(ip, 'prefix') }), ip));
  return withExtra(
    defined<HostInterfaceProtocol>({
      family,
      // Left for `extra` on ipv4, where libvirt does not read it.
      autoconf: family === 'ipv6' && p.flag('autoconf') ? true : undefined,
      dhcp: dhcp ? withExtra(defined({ peerdns: parseSwitch(dhcp.attr('peerdns'), `${dhcp.path}/@peerdns`, YES_NO) }), dhcp) : undefined,
      ips: ips.length > 0 ? ips : undefined,
      gateway: p.leafAttr('route', 'gateway'),
    }),
    p,
  );
}

function readBridge(b: ElementReader): HostInterfaceBridge {
  const stp = parseSwitch(b.attr('stp'), `${b.path}/@stp`, ON_OFF);
  // A member is read without the defined interface's fields (they stay in its extra): the narrower type holds.
  const interfaces = b.children('interface').map((m) => readInterface(m, 'bridge') as BridgeMemberDescription);
  return withExtra(defined<HostInterfaceBridge>({ stp, delay: b.attr('delay'), interfaces }), b);
}

function readBond(b: ElementReader): HostInterfaceBond {
  const mii = b.child('miimon');
  const arp = b.child('arpmon');
  const miimon = mii && withExtra(defined<NonNullable<HostInterfaceBond['miimon']>>({
    freq: requiredCountAttr(mii, 'freq'), downdelay: countAttr(mii, 'downdelay'), updelay: countAttr(mii, 'updelay'),
    carrier: parseChoice(mii.attr('carrier'), MII_CARRIERS, `${mii.path}/@carrier`),
  }), mii);
  const arpmon = arp && withExtra(defined<NonNullable<HostInterfaceBond['arpmon']>>({
    interval: requiredCountAttr(arp, 'interval'), target: arp.requiredAttr('target'),
    validate: parseChoice(arp.attr('validate'), ARP_VALIDATES, `${arp.path}/@validate`),
  }), arp);
  const mode = parseChoice(b.attr('mode'), BOND_MODES, `${b.path}/@mode`);
  const interfaces = b.children('interface').map((m) => readInterface(m, 'bond') as BondMemberDescription);
  return withExtra(defined<HostInterfaceBond>({ mode, miimon, arpmon, interfaces }), b);
}

function readVlan(v: ElementReader): HostInterfaceVlan {
  const tag = requiredCountAttr(v, 'tag');
  const device = v.leafAttr('interface', 'name');
  if (device === undefined) throw new XmlDocumentError('missing-field', `${v.path}/interface/@name`, 'a VLAN names the device it runs on');
  return withExtra({ tag, device }, v);
}

const COMMON = { name: true, startMode: true, mtu: true, protocols: true, extra: true, type: true } as const;
/** The fields of each type: a field of another type (`mac` on a bridge) would be left out without a word. */
const FIELDS: Readonly<Record<HostInterfaceType, readonly string[]>> = {
  ethernet: fieldsOf<EthernetInterfaceDescription>({ ...COMMON, link: true, mac: true }),
  bridge: fieldsOf<BridgeInterfaceDescription>({ ...COMMON, bridge: true }),
  bond: fieldsOf<BondInterfaceDescription>({ ...COMMON, link: true, bond: true }),
  vlan: fieldsOf<VlanInterfaceDescription>({ ...COMMON, link: true, vlan: true }),
};
const TOP_LEVEL_ONLY = ['startMode', 'mtu', 'protocols'] as const;
const PROTOCOL_FIELDS = fieldsOf<HostInterfaceProtocol>({ family: true, autoconf: true, dhcp: true, ips: true, gateway: true, extra: true });
const DHCP_FIELDS = fieldsOf<NonNullable<HostInterfaceProtocol['dhcp']>>({ peerdns: true, extra: true });
const IP_FIELDS = fieldsOf<HostInterfaceIp>({ address: true, prefix: true, extra: true });
const BRIDGE_FIELDS = fieldsOf<HostInterfaceBridge>({ stp: true, delay: true, interfaces: true, extra: true });
const BOND_FIELDS = fieldsOf<HostInterfaceBond>({ mode: true, miimon: true, arpmon: true, interfaces: true, extra: true });
const MIIMON_FIELDS = fieldsOf<NonNullable<HostInterfaceBond['miimon']>>({ freq: true, downdelay: true, updelay: true, carrier: true, extra: true });
const ARPMON_FIELDS = fieldsOf<NonNullable<HostInterfaceBond['arpmon']>>({ interval: true, target: true, validate: true, extra: true });
const VLAN_FIELDS = fieldsOf<HostInterfaceVlan>({ tag: true, device: true, extra: true });

// Written in libvirt's own element order (virInterfaceDefDevFormat) so that unchanged documents come back identical.
export function buildInterfaceXml(doc: OptionalLists<HostInterfaceDescription>): string {
  return buildXmlElement(writeInterface(doc, '/interface'));
}

function writeInterface(doc: OptionalLists<AnyInterface>, path: string, parent?: Parent): XmlElement {
  checkVariant(doc, 'type', FIELDS, path, parent === undefined ? TYPES : MEMBER_TYPES[parent]);
  const w = new ElementWriter('interface', doc.extra).attrs({ type: doc.type, name: requireText(doc.name, `${path}/@name`) });
  // The type of a member lacks these fields; untyped code may still give them, which is refused.
  if (parent === undefined) writeTopLevel(w, doc as HostInterfaceCommon, path);
  else refuseTopLevelOnly(doc as HostInterfaceCommon, path);
  if (doc.type !== 'bridge') w.child(writeNetLink(doc.link, `${path}/link`));
  switch (doc.type) {
    case 'ethernet':
      if (doc.mac !== undefined) w.leaf('mac', { address: requireText(doc.mac, `${path}/mac/@address`) });
      break;
    case 'bridge':
      w.child(writeBridge(doc.bridge, `${path}/bridge`));
      break;
    case 'bond':
      w.child(writeBond(doc.bond, `${path}/bond`));
      break;
    case 'vlan':
      w.child(writeVlan(doc.vlan, `${path}/vlan`));
      break;
  }
  return w.finish();
}

function writeTopLevel(w: ElementWriter, doc: HostInterfaceCommon, path: string): void {
  checkChoice(doc.startMode, START_MODES, `${path}/start/@mode`);
  checkInteger(doc.mtu, 1, MAX_MTU, `${path}/mtu/@size`);
  if (doc.startMode !== undefined) w.leaf('start', { mode: doc.startMode });
  if (doc.mtu !== undefined) w.leaf('mtu', { size: doc.mtu });
  itemsAt(doc.protocols, `${path}/protocol`, 'objects').forEach(([p, at]) => w.child(writeProtocol(p, at)));
}

/** libvirt drops these on a member without a word: the member takes the defined interface's. */
function refuseTopLevelOnly(doc: HostInterfaceCommon, path: string): void {
  const given = TOP_LEVEL_ONLY.filter((f) => doc[f] !== undefined);
  if (given.length > 0) throw new XmlDocumentError('invalid-value', path, `${given.join(', ')}: libvirt reads these on the defined interface only, not on a member`);
}

function writeProtocol(p: HostInterfaceProtocol, path: string): XmlElement {
  checkFields(p, PROTOCOL_FIELDS, path);
  checkChoice(p.family, FAMILIES, `${path}/@family`, true);
  checkBoolean(p.autoconf, `${path}/autoconf`);
  if (p.autoconf === true && p.family !== 'ipv6') throw new XmlDocumentError('invalid-value', `${path}/autoconf`, 'autoconfiguration is IPv6 only (libvirt ignores it for ipv4)');
  const w = new ElementWriter('protocol', p.extra).attr('family', p.family);
  if (p.autoconf === true) w.leaf('autoconf');
  if (p.dhcp !== undefined) {
    checkFields(p.dhcp, DHCP_FIELDS, `${path}/dhcp`);
    w.child(new ElementWriter('dhcp', p.dhcp.extra).attr('peerdns', switchWord(p.dhcp.peerdns, `${path}/dhcp/@peerdns`, YES_NO)).finish());
  }
  const maxPrefix = p.family === 'ipv4' ? 32 : 128;
  itemsAt(p.ips, `${path}/ip`, 'objects').forEach(([ip, at]) => {
    checkFields(ip, IP_FIELDS, at);
    checkInteger(ip.prefix, 0, maxPrefix, `${at}/@prefix`);
    w.child(new ElementWriter('ip', ip.extra).attrs({ address: requireText(ip.address, `${at}/@address`), prefix: ip.prefix }).finish());
  });
  if (p.gateway !== undefined) w.leaf('route', { gateway: requireText(p.gateway, `${path}/route/@gateway`) });
  return w.finish();
}

function writeMembers(w: ElementWriter, members: readonly OptionalLists<BridgeMemberDescription>[] | undefined, path: string, parent: Parent): void {
  itemsAt(members, `${path}/interface`, 'objects').forEach(([m, at]) => w.child(writeInterface(m, at, parent)));
}

function writeBridge(b: OptionalLists<HostInterfaceBridge>, path: string): XmlElement {
  checkFields(b, BRIDGE_FIELDS, path, true);
  const stp = switchWord(b.stp, `${path}/@stp`, ON_OFF);
  // The schema's timeval: a non-negative decimal number of seconds.
  if (b.delay !== undefined && (typeof b.delay !== 'string' || !/^\d+(\.\d+)?$/.test(b.delay))) {
    throw new XmlDocumentError('invalid-value', `${path}/@delay`, `must be a decimal number of seconds as a string, such as '0.01', got ${JSON.stringify(b.delay)}`);
  }
  const w = new ElementWriter('bridge', b.extra).attrs({ stp, delay: b.delay });
  writeMembers(w, b.interfaces, path, 'bridge');
  return w.finish();
}

function writeBond(b: OptionalLists<HostInterfaceBond>, path: string): XmlElement {
  checkFields(b, BOND_FIELDS, path, true);
  checkChoice(b.mode, BOND_MODES, `${path}/@mode`);
  if (b.miimon !== undefined && b.arpmon !== undefined) throw new XmlDocumentError('invalid-value', `${path}/arpmon`, 'give miimon or arpmon, not both (libvirt ignores arpmon next to miimon)');
  const w = new ElementWriter('bond', b.extra).attr('mode', b.mode);
  w.child(writeMiimon(b.miimon, `${path}/miimon`)).child(writeArpmon(b.arpmon, `${path}/arpmon`));
  writeMembers(w, b.interfaces, path, 'bond');
  return w.finish();
}

function writeMiimon(m: HostInterfaceBond['miimon'], path: string): XmlElement | undefined {
  if (m === undefined) return undefined;
  checkFields(m, MIIMON_FIELDS, path);
  checkInteger(m.freq, 0, INT_MAX, `${path}/@freq`, true);
  checkInteger(m.downdelay, 0, INT_MAX, `${path}/@downdelay`);
  checkInteger(m.updelay, 0, INT_MAX, `${path}/@updelay`);
  checkChoice(m.carrier, MII_CARRIERS, `${path}/@carrier`);
  return new ElementWriter('miimon', m.extra).attrs({ freq: m.freq, downdelay: m.downdelay, updelay: m.updelay, carrier: m.carrier }).finish();
}

function writeArpmon(a: HostInterfaceBond['arpmon'], path: string): XmlElement | undefined {
  if (a === undefined) return undefined;
  checkFields(a, ARPMON_FIELDS, path);
  checkInteger(a.interval, 0, INT_MAX, `${path}/@interval`, true);
  checkChoice(a.validate, ARP_VALIDATES, `${path}/@validate`);
  const target = requireText(a.target, `${path}/@target`);
  return new ElementWriter('arpmon', a.extra).attrs({ interval: a.interval, target, validate: a.validate }).finish();
}

function writeVlan(v: HostInterfaceVlan, path: string): XmlElement {
  checkFields(v, VLAN_FIELDS, path, true);
  checkInteger(v.tag, 0, 4095, `${path}/@tag`, true);
  return new ElementWriter('vlan', v.extra).attr('tag', v.tag).leaf('interface', { name: requireText(v.device, `${path}/interface/@name`) }).finish();
}
