// <filter> documents (virNWFilterGetXMLDesc / virNWFilterDefineXML): a filter's rules and the
// filters it includes, one list in document order, which libvirt keeps and writes back as it is.
import { buildXmlElement, isXmlElement, parseXmlElement, type XmlElement } from './xml-codec.js';
import { elementPath, XmlDocumentError } from './xml-errors.js';
import { countAttr, defined, ElementReader, ElementWriter, withExtra, type XmlExtra } from './xml-element.js';
import { checkBoolean, checkFields, checkInteger, fieldsOf, listAt, requireText } from './xml-checks.js';
import { readFilterRef, writeFilterRef, type NWFilterReference } from './nwfilter-params-xml.js';
import { checkChoice, parseChoice } from './xml-choices.js';
import type { OptionalLists } from './optional-lists.js';

export type NWFilterAction = 'drop' | 'accept' | 'reject' | 'return' | 'continue';
export type NWFilterDirection = 'in' | 'out' | 'inout';
/** 'root', or a protocol's chain; a chain's name may extend one of these ('ipv4-ip', 'arp-xyz'). */
export type NWFilterChain = 'root' | 'mac' | 'stp' | 'vlan' | 'arp' | 'rarp' | 'ipv4' | 'ipv6' | (string & {});

const ACTIONS: readonly NWFilterAction[] = ['drop', 'accept', 'reject', 'return', 'continue'];
const DIRECTIONS: readonly NWFilterDirection[] = ['in', 'out', 'inout'];

/**
 * The protocol elements libvirt reads in a rule (virAttr in nwfilter_conf.c), with the layer that
 * filters each. An element of any other name is ignored by libvirt, and its rule then matches all
 * traffic: the builder refuses one.
 */
const PROTOCOLS = {
  mac: 'Ethernet (ebtables)',
  vlan: '802.1Q VLAN (ebtables)',
  stp: 'spanning tree (ebtables)',
  arp: 'ARP (ebtables)',
  rarp: 'RARP (ebtables)',
  ip: 'IPv4 (ebtables)',
  ipv6: 'IPv6 (ebtables)',
  tcp: 'TCP over IPv4 (iptables)',
  udp: 'UDP over IPv4 (iptables)',
  udplite: 'UDP-Lite over IPv4 (iptables)',
  sctp: 'SCTP over IPv4 (iptables)',
  esp: 'ESP over IPv4 (iptables)',
  ah: 'AH over IPv4 (iptables)',
  icmp: 'ICMP (iptables)',
  igmp: 'IGMP (iptables)',
  all: 'all IPv4 traffic (iptables)',
  'tcp-ipv6': 'TCP over IPv6 (ip6tables)',
  'udp-ipv6': 'UDP over IPv6 (ip6tables)',
  'udplite-ipv6': 'UDP-Lite over IPv6 (ip6tables)',
  'sctp-ipv6': 'SCTP over IPv6 (ip6tables)',
  'esp-ipv6': 'ESP over IPv6 (ip6tables)',
  'ah-ipv6': 'AH over IPv6 (ip6tables)',
  icmpv6: 'ICMPv6 (ip6tables)',
  'all-ipv6': 'all IPv6 traffic (ip6tables)',
} as const satisfies Record<string, string>;

export type NWFilterProtocolName = keyof typeof PROTOCOLS;

const isProtocol = (name: string): name is NWFilterProtocolName => Object.hasOwn(PROTOCOLS, name);

/** One protocol element's attributes. */
export interface NWFilterMatch {
  /**
   * As written, `match='no'` (negating the others) included. Strings, since any value may be a
   * variable (`$MAC`, `$IP[@1]`); which names a protocol takes is libvirt's to check.
   */
  readonly attributes: Readonly<Record<string, string>>;
  readonly extra?: XmlExtra;
}

/** What a rule matches: `<tcp dstportstart='80'/>` is `{ name: 'tcp', attributes: { dstportstart: '80' } }`. */
export interface NWFilterProtocol extends NWFilterMatch {
  readonly name: NWFilterProtocolName;
  /**
   * Further elements of the same protocol in the rule, in order. libvirt reads them all into the
   * one rule, and writes a rule with some attributes negated that way:
   * `<arp opcode='Reply'/><arp match='no' arpdstmacaddr='$MAC'/>` (ARP replies not to $MAC).
   * Its schema allows one element, so VIR_NWFILTER_DEFINE_VALIDATE refuses such a rule.
   */
  readonly more?: readonly NWFilterMatch[];
}

export interface NWFilterRule {
  readonly kind: 'rule';
  readonly action: NWFilterAction;
  readonly direction: NWFilterDirection;
  /** -1000..1000, lower first; libvirt writes 500 when none is given. */
  readonly priority?: number;
  /**
   * false turns connection-state matching off (`statematch='false'`). On is libvirt's default,
   * written as nothing: libvirt's schema allows no 'true'.
   */
  readonly statematch?: boolean;
  /** Absent: the rule matches all traffic (`<rule …/>`). */
  readonly protocol?: NWFilterProtocol;
  readonly extra?: XmlExtra;
}

/** `<filterref>`: the referenced filter's rules and references apply here. */
export interface NWFilterReferenceEntry extends NWFilterReference {
  readonly kind: 'filterref';
}

export type NWFilterEntry = NWFilterRule | NWFilterReferenceEntry;

export interface NWFilterDescription {
  readonly name: string;
  readonly uuid?: string;
  /** libvirt writes 'root' when none is given. */
  readonly chain?: NWFilterChain;
  /**
   * The chain's priority, -1000..1000, lower first. libvirt writes it unless it is 0, and gives a
   * chain without one its protocol's default ('mac' -800, 'ipv4' -700, 'arp' -500, ...).
   */
  readonly priority?: number;
  /** Rules and references in document order. */
  readonly entries: readonly NWFilterEntry[];
  readonly extra?: XmlExtra;
}

const PRIORITY_MIN = -1000;
const PRIORITY_MAX = 1000;

export function parseNWFilterXml(xml: string): NWFilterDescription {
  const r = new ElementReader(parseXmlElement(xml, 'filter'), '/filter');
  const head = { name: r.requiredAttr('name'), chain: r.attr('chain'), priority: countAttr(r, 'priority') };
  const uuid = r.leafText('uuid');
  const entries = r.children('rule', 'filterref').map((e) => (e.element.name === 'rule' ? readRule(e) : { kind: 'filterref' as const, ...readFilterRef(e) }));
  return withExtra(defined<NWFilterDescription>({ ...head, uuid, entries }), r);
}

function readRule(r: ElementReader): NWFilterRule {
  const fields = {
    kind: 'rule' as const,
    action: parseChoice(r.requiredAttr('action'), ACTIONS, `${r.path}/@action`) as NWFilterAction,
    direction: parseChoice(r.requiredAttr('direction'), DIRECTIONS, `${r.path}/@direction`) as NWFilterDirection,
    priority: countAttr(r, 'priority'),
    statematch: readStatematch(r.attr('statematch'), `${r.path}/@statematch`),
    protocol: readProtocol(r),
  };
  return withExtra(defined<NWFilterRule>(fields), r);
}

/** libvirt turns state matching off with '0' or 'false' in any case, and writes 'false'; 'true' is its documented default. */
function readStatematch(value: string | undefined, path: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (/^(0|false)$/i.test(value)) return false;
  if (/^(1|true)$/i.test(value)) return true;
  throw new XmlDocumentError('invalid-value', path, `'${value}' is neither 'false' nor 'true'`);
}

/** The rule's protocol elements: one or more of one protocol; other children stay in the rule's `extra`. */
function readProtocol(rule: ElementReader): NWFilterProtocol | undefined {
  const names = rule.element.children.flatMap((n) => (isXmlElement(n) && isProtocol(n.name) ? [n.name] : []));
  const [name] = names;
  if (name === undefined) return undefined;
  const other = names.find((n) => n !== name);
  if (other !== undefined) {
    // libvirt would read the first protocol and ignore the other's element without a word.
    throw new XmlDocumentError('invalid-value', `${rule.path}/${other}`, `a rule matches one protocol: <${other}> after <${name}>`);
  }
  const [first, ...more] = rule.children(name).map(readMatch) as [NWFilterMatch, ...NWFilterMatch[]];
  return more.length > 0 ? { name, ...first, more } : { name, ...first };
}

function readMatch(p: ElementReader): NWFilterMatch {
  const attributes = Object.fromEntries(Object.keys(p.element.attributes).map((k) => [k, p.attr(k) as string]));
  return withExtra({ attributes }, p);
}

const FILTER_FIELDS = fieldsOf<NWFilterDescription>({ name: true, uuid: true, chain: true, priority: true, entries: true, extra: true });
const RULE_FIELDS = fieldsOf<NWFilterRule>({ kind: true, action: true, direction: true, priority: true, statematch: true, protocol: true, extra: true });
const PROTOCOL_FIELDS = fieldsOf<NWFilterProtocol>({ name: true, attributes: true, more: true, extra: true });
const MATCH_FIELDS = fieldsOf<NWFilterMatch>({ attributes: true, extra: true });

// Written in libvirt's own order (name, chain, priority; uuid; the entries) so that unchanged
// documents come back identical.
export function buildNWFilterXml(doc: OptionalLists<NWFilterDescription>): string {
  const path = '/filter';
  checkFields(doc, FILTER_FIELDS, path, true);
  const chain = doc.chain === undefined ? undefined : requireText(doc.chain, `${path}/@chain`);
  checkInteger(doc.priority, PRIORITY_MIN, PRIORITY_MAX, `${path}/@priority`);
  const w = new ElementWriter('filter', doc.extra).attrs({ name: requireText(doc.name, `${path}/@name`), chain, priority: doc.priority });
  if (doc.uuid !== undefined) w.leaf('uuid', {}, doc.uuid);
  writeEntries(w, listAt(doc.entries, `${path}/entries`, 'objects'), path);
  return buildXmlElement(w.finish());
}

function writeEntries(w: ElementWriter, entries: readonly NWFilterEntry[], path: string): void {
  entries.forEach((entry, i) => {
    const kind: unknown = entry.kind;
    if (kind !== 'rule' && kind !== 'filterref') {
      throw new XmlDocumentError('invalid-value', path, `entries[${i + 1}]: kind must be 'rule' or 'filterref', got ${JSON.stringify(kind) ?? 'nothing'}`);
    }
  });
  // Rules and references interleave, but each is numbered among its own kind, as the parser numbers them.
  const count = { rule: 0, filterref: 0 };
  for (const entry of entries) count[entry.kind] += 1;
  const seen = { rule: 0, filterref: 0 };
  for (const entry of entries) {
    const at = elementPath(path, entry.kind, seen[entry.kind]++, count[entry.kind]);
    if (entry.kind === 'rule') w.child(writeRule(entry, at));
    else w.child(writeFilterRef(withoutKind(entry), at));
  }
}

function withoutKind(entry: NWFilterReferenceEntry): NWFilterReference {
  const { kind: _kind, ...ref } = entry;
  return ref;
}

function writeRule(rule: NWFilterRule, path: string): XmlElement {
  checkFields(rule, RULE_FIELDS, path);
  // libvirt replaces a priority out of range (or not an integer) by 500 without a word.
  checkInteger(rule.priority, PRIORITY_MIN, PRIORITY_MAX, `${path}/@priority`);
  // A string such as 'no' would be written, and libvirt reads anything but '0' and 'false' as on.
  checkBoolean(rule.statematch, `${path}/@statematch`);
  checkChoice(rule.action, ACTIONS, `${path}/@action`, true);
  checkChoice(rule.direction, DIRECTIONS, `${path}/@direction`, true);
  const w = new ElementWriter('rule', rule.extra).attrs({
    action: rule.action,
    direction: rule.direction,
    priority: rule.priority,
    statematch: rule.statematch === false ? 'false' : undefined,
  });
  for (const element of writeProtocol(rule.protocol, path)) w.child(element);
  return w.finish();
}

function writeProtocol(p: NWFilterProtocol | undefined, rulePath: string): XmlElement[] {
  if (p === undefined) return [];
  checkFields(p, PROTOCOL_FIELDS, `${rulePath}/protocol`);
  if (typeof p.name !== 'string' || !isProtocol(p.name)) {
    throw new XmlDocumentError('invalid-value', rulePath, `protocol ${JSON.stringify(p.name) ?? 'nothing'} is not one libvirt reads (${Object.keys(PROTOCOLS).join(', ')}): it would ignore the element and the rule would match all traffic`);
  }
  const { name, more: _more, ...first } = p;
  // The first match is `p` itself: `more[i]` is the element after it.
  const count = Array.isArray(p.more) ? p.more.length + 1 : 1;
  const matches = [first, ...listAt(p.more, `${rulePath}/${name}`, 'objects', (i) => elementPath(rulePath, name, i + 1, count))];
  return matches.map((m, i) => {
    const at = elementPath(rulePath, name, i, matches.length);
    checkFields(m, MATCH_FIELDS, at);
    return new ElementWriter(name, m.extra).attrs(attributesAt(m.attributes, at)).finish();
  });
}

/** A record of strings: a number or undefined would be written as something else than given, or not at all. */
function attributesAt(attributes: unknown, path: string): Readonly<Record<string, string>> {
  if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) {
    throw new XmlDocumentError('invalid-value', path, 'attributes must be an object of strings');
  }
  for (const [k, v] of Object.entries(attributes)) {
    if (typeof v !== 'string') throw new XmlDocumentError('invalid-value', `${path}/@${k}`, `must be a string, got ${v === null ? 'null' : typeof v}`);
  }
  return attributes as Readonly<Record<string, string>>;
}
