// <device> documents of host devices (virNodeDeviceGetXMLDesc / virNodeDeviceCreateXML /
// virNodeDeviceDefineXML). Capabilities of the types nodedev-capabilities-xml.ts models are typed;
// the others stay in `extra` at their places, as does anything else the types do not cover.
import { buildXmlElement, isXmlElement, parseXmlElement } from './xml-codec.js';
import { elementPath, XmlDocumentError } from './xml-errors.js';
import { defined, ElementReader, ElementWriter, withExtra, type Mutable, type XmlExtra } from './xml-element.js';
import { checkFields, fieldsOf, listAt, requireText } from './xml-checks.js';
import { isModeledCapability, readCapability, writeCapability } from './nodedev-capabilities-xml.js';
import type { NodeDeviceCapability } from './nodedev-capability-types.js';
import { checkWwn } from './nodedev-capability-fields.js';
import type { OptionalLists } from './optional-lists.js';

export interface NodeDeviceDescription {
  /**
   * libvirt's name for the device ('pci_0000_00_02_0'). libvirt names a device it creates itself
   * and ignores this one, but its schema requires one: creating with a VALIDATE flag needs it.
   */
  readonly name?: string;
  /** The device's sysfs path; reported by libvirt, ignored when creating. */
  readonly path?: string;
  /** Its main /dev node (`<devnode type='dev'>`). */
  readonly devnode?: string;
  /**
   * Symlinks to that node (`<devnode type='link'>`), such as /dev/disk/by-id/…; absent when there
   * are none. libvirt reports these: a device created or defined has none to give.
   */
  readonly devlinks?: readonly string[];
  /** The parent device's name; 'computer' (the host) for devices on no bus libvirt knows. */
  readonly parent?: string;
  /**
   * A vHBA's parent named by its fibre channel names (`<parent wwnn=… wwpn=…/>`), instead of by
   * `parent`; a parent named by its fabric (`fabric_wwn`) stays in `extra.leaves.parent`.
   */
  readonly parentWwn?: { readonly wwnn: string; readonly wwpn: string };
  /** The host driver the device is bound to (`<driver><name>`), e.g. 'vfio-pci'. */
  readonly driver?: string;
  /** Modeled capabilities in document order; capabilities of other types are in `extra`. */
  readonly capabilities: readonly NodeDeviceCapability[];
  readonly extra?: XmlExtra;
}

export function parseNodeDeviceXml(xml: string): NodeDeviceDescription {
  const r = new ElementReader(parseXmlElement(xml, 'device'), '/device');
  const dev: Partial<Mutable<NodeDeviceDescription>> = defined({ name: r.leafText('name'), path: r.leafText('path') });
  Object.assign(dev, readDevnodes(r), readParent(r));
  const driver = r.readLeaf('driver', (d) => d.leafText('name'));
  if (driver !== undefined) dev.driver = driver;
  const capabilities: NodeDeviceCapability[] = [];
  const modeled = (el: { attributes: Readonly<Record<string, string>> }): boolean => isModeledCapability(el.attributes.type);
  for (let c = r.childWhere('capability', modeled); c !== undefined; c = r.childWhere('capability', modeled)) capabilities.push(readCapability(c));
  dev.capabilities = capabilities;
  return withExtra(dev as NodeDeviceDescription, r);
}

/** libvirt writes one `dev` node and any number of `link`s, and refuses other types. */
function readDevnodes(r: ElementReader): Pick<NodeDeviceDescription, 'devnode' | 'devlinks'> {
  let devnode: string | undefined;
  const devlinks: string[] = [];
  for (const node of r.children('devnode')) {
    const type = node.requiredAttr('type');
    const text = node.text() ?? '';
    if (type === 'dev' && devnode === undefined) {
      devnode = text;
      r.keepLeaf('devnode', node);
    } else if (type === 'link') {
      r.keepLeaf(`devlink[${devlinks.length}]`, node);
      devlinks.push(text);
    } else {
      const why = type === 'dev' ? 'a second devnode of type dev' : `'${type}' is neither 'dev' nor 'link'`;
      throw new XmlDocumentError('invalid-value', `${node.path}/@type`, why);
    }
  }
  return defined({ devnode, devlinks: devlinks.length > 0 ? devlinks : undefined });
}

function readParent(r: ElementReader): Pick<NodeDeviceDescription, 'parent' | 'parentWwn'> {
  const p = r.child('parent');
  if (p === undefined) return {};
  const name = p.text();
  const [wwnn, wwpn] = [p.attr('wwnn'), p.attr('wwpn')];
  r.keepLeaf('parent', p);
  // libvirt takes the two names together only (a port name alone names no host).
  if ((wwnn === undefined) !== (wwpn === undefined)) {
    throw new XmlDocumentError('missing-field', `${p.path}/@${wwnn === undefined ? 'wwnn' : 'wwpn'}`, 'wwnn and wwpn name a parent together');
  }
  return defined({ parent: name === '' ? undefined : name, parentWwn: wwnn === undefined || wwpn === undefined ? undefined : { wwnn, wwpn } });
}

const DEVICE_FIELDS = fieldsOf<NodeDeviceDescription>({
  name: true, path: true, devnode: true, devlinks: true, parent: true, parentWwn: true, driver: true, capabilities: true, extra: true,
});
const PARENT_WWN_FIELDS = fieldsOf<NonNullable<NodeDeviceDescription['parentWwn']>>({ wwnn: true, wwpn: true });

// Written in libvirt's own element order so that unchanged documents come back identical.
export function buildNodeDeviceXml(doc: OptionalLists<NodeDeviceDescription>): string {
  const path = '/device';
  checkFields(doc, DEVICE_FIELDS, path, true);
  const w = new ElementWriter('device', doc.extra);
  if (doc.name !== undefined) w.leaf('name', {}, requireText(doc.name, `${path}/name`));
  if (doc.path !== undefined) w.leaf('path', {}, doc.path);
  writeDevnodes(w, doc, path);
  writeParent(w, doc, `${path}/parent`);
  const driverExtra = doc.extra?.leaves?.driver;
  if (doc.driver !== undefined || driverExtra !== undefined) {
    const d = new ElementWriter('driver', driverExtra);
    if (doc.driver !== undefined) d.leaf('name', {}, requireText(doc.driver, `${path}/driver/name`));
    w.child(d.finish());
  }
  // Numbered among all capabilities, those of other types in extra too, as the parser numbers them.
  const at = w.childPaths(path, 'capability', Array.isArray(doc.capabilities) ? doc.capabilities.length : 0);
  const capabilities = listAt(doc.capabilities, `${path}/capability`, 'objects', at);
  // libvirt refuses a device without one ("no device capabilities"); other types may be in extra.
  if (capabilities.length === 0 && !doc.extra?.children?.some(({ node }) => isXmlElement(node) && node.name === 'capability')) {
    throw new XmlDocumentError('missing-field', `${path}/capability`, 'a device has at least one capability');
  }
  capabilities.forEach((c, i) => w.child(writeCapability(c, at(i))));
  return buildXmlElement(w.finish());
}

/** The dev node, then its links, each a `<devnode>`: their paths number them together, as the parser's do. */
function writeDevnodes(w: ElementWriter, doc: OptionalLists<NodeDeviceDescription>, path: string): void {
  const first = doc.devnode === undefined ? 0 : 1;
  const at = (i: number): string => elementPath(path, 'devnode', i, first + (Array.isArray(doc.devlinks) ? doc.devlinks.length : 0));
  if (doc.devnode !== undefined) w.leaf('devnode', { type: 'dev' }, requireText(doc.devnode, at(0)));
  listAt(doc.devlinks, `${path}/devnode`, 'strings', (i) => at(first + i)).forEach((link, i) => {
    w.leaf('devnode', { type: 'link' }, requireText(link, at(first + i)), `devlink[${i}]`);
  });
}

function writeParent(w: ElementWriter, doc: OptionalLists<NodeDeviceDescription>, path: string): void {
  const wwn = doc.parentWwn;
  if (doc.parent === undefined && wwn === undefined && doc.extra?.leaves?.parent === undefined) return;
  if (wwn !== undefined) {
    checkFields(wwn, PARENT_WWN_FIELDS, path);
    for (const name of ['wwnn', 'wwpn'] as const) {
      requireText(wwn[name], `${path}/@${name}`);
      checkWwn(wwn[name], `${path}/@${name}`);
    }
  }
  const name = doc.parent === undefined ? undefined : requireText(doc.parent, path);
  w.leaf('parent', { wwnn: wwn?.wwnn, wwpn: wwn?.wwpn }, name);
}
