// <filterbinding> documents (virNWFilterBindingGetXMLDesc / virNWFilterBindingCreateXML): a filter
// applied to one guest interface's host device, with the parameters it is applied with.
import { buildXmlElement, parseXmlElement } from './xml-codec.js';
import { defined, ElementReader, ElementWriter, required, withExtra, type XmlExtra } from './xml-element.js';
import { checkFields, fieldsOf, requireText } from './xml-checks.js';
import { readFilterRef, writeFilterRef, type NWFilterReference } from './nwfilter-params-xml.js';

export interface NWFilterBindingOwner {
  /** The guest's name and UUID. */
  readonly name: string;
  readonly uuid: string;
  readonly extra?: XmlExtra;
}

export interface NWFilterBindingDescription {
  readonly owner: NWFilterBindingOwner;
  /** The host device of the guest's interface (`<portdev name='vnet0'/>`): what the binding is known by. */
  readonly portDev: string;
  /** The host device a macvtap interface sits on (`<linkdev name=…/>`). */
  readonly linkDev?: string;
  /** The guest interface's MAC address, which the filter knows as `$MAC`. */
  readonly mac: string;
  readonly filterref: NWFilterReference;
  readonly extra?: XmlExtra;
}

export function parseNWFilterBindingXml(xml: string): NWFilterBindingDescription {
  const r = new ElementReader(parseXmlElement(xml, 'filterbinding'), '/filterbinding');
  const owner = readOwner(required(r.child('owner'), `${r.path}/owner`));
  const portDev = r.leafAttr('portdev', 'name');
  const linkDev = r.leafAttr('linkdev', 'name');
  const mac = r.leafAttr('mac', 'address');
  const filterref = readFilterRef(required(r.child('filterref'), `${r.path}/filterref`));
  const binding = { owner, portDev: required(portDev, `${r.path}/portdev/@name`), linkDev, mac: required(mac, `${r.path}/mac/@address`), filterref };
  return withExtra(defined<NWFilterBindingDescription>(binding), r);
}

function readOwner(o: ElementReader): NWFilterBindingOwner {
  const owner = { name: required(o.leafText('name'), `${o.path}/name`), uuid: required(o.leafText('uuid'), `${o.path}/uuid`) };
  return withExtra(owner, o);
}

const BINDING_FIELDS = fieldsOf<NWFilterBindingDescription>({ owner: true, portDev: true, linkDev: true, mac: true, filterref: true, extra: true });
const OWNER_FIELDS = fieldsOf<NWFilterBindingOwner>({ name: true, uuid: true, extra: true });

// In libvirt's own order: owner, portdev, linkdev, mac, filterref.
export function buildNWFilterBindingXml(doc: NWFilterBindingDescription): string {
  const path = '/filterbinding';
  checkFields(doc, BINDING_FIELDS, path, true);
  const w = new ElementWriter('filterbinding', doc.extra);
  checkFields(doc.owner, OWNER_FIELDS, `${path}/owner`, true);
  const owner = new ElementWriter('owner', doc.owner.extra);
  owner.leaf('name', {}, requireText(doc.owner.name, `${path}/owner/name`)).leaf('uuid', {}, requireText(doc.owner.uuid, `${path}/owner/uuid`));
  w.child(owner.finish());
  w.leaf('portdev', { name: requireText(doc.portDev, `${path}/portdev/@name`) });
  if (doc.linkDev !== undefined) w.leaf('linkdev', { name: requireText(doc.linkDev, `${path}/linkdev/@name`) });
  w.leaf('mac', { address: requireText(doc.mac, `${path}/mac/@address`) });
  w.child(writeFilterRef(doc.filterref, `${path}/filterref`));
  return buildXmlElement(w.finish());
}
