// A network device's `<link state=… speed=…/>`, in host interface documents and in a net node
// device's capability. libvirt reads and writes both with one parser (virInterfaceLinkParseXML
// in device_conf.c), so they are one type here too.
import type { XmlElement } from './xml-codec.js';
import { countAttr, defined, ElementWriter, withExtra, type ElementReader, type XmlExtra } from './xml-element.js';
import { checkFields, checkInteger, fieldsOf, UINT_MAX } from './xml-checks.js';
import { checkChoice, parseChoice } from './xml-choices.js';

/** Operational state as the kernel reports it (RFC 2863); libvirt refuses other words (virNetDevIfState). */
export type NetLinkState = 'unknown' | 'notpresent' | 'down' | 'lowerlayerdown' | 'testing' | 'dormant' | 'up';

export interface NetLink {
  /** Mbit/s; 4294967295 (all ones, as virtio reports) is the kernel's "unknown". */
  readonly speed?: number;
  readonly state?: NetLinkState;
  readonly extra?: XmlExtra;
}

const LINK_STATES: readonly NetLinkState[] = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'];
const LINK_FIELDS = fieldsOf<NetLink>({ speed: true, state: true, extra: true });

export function readNetLink(l: ElementReader | undefined): NetLink | undefined {
  if (l === undefined) return undefined;
  return withExtra(defined<NetLink>({ speed: countAttr(l, 'speed'), state: parseChoice(l.attr('state'), LINK_STATES, `${l.path}/@state`) }), l);
}

export function writeNetLink(l: NetLink | undefined, path: string): XmlElement | undefined {
  if (l === undefined) return undefined;
  checkFields(l, LINK_FIELDS, path);
  checkInteger(l.speed, 0, UINT_MAX, `${path}/@speed`);
  checkChoice(l.state, LINK_STATES, `${path}/@state`);
  return new ElementWriter('link', l.extra).attrs({ speed: l.speed, state: l.state }).finish();
}
