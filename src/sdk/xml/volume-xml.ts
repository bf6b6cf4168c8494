// <volume> documents (virStorageVolGetXMLDesc / virStorageVolCreateXML). Sizes are bytes by default.
import { buildXmlElement, parseXmlElement, type XmlElement } from './xml-codec.js';
import { defined, ElementReader, ElementWriter, required, withExtra, type Mutable, type XmlExtra } from './xml-element.js';
import { checkFields, fieldsOf, requireText } from './xml-checks.js';
import { readPermissions, readSizes, writePermissions, writeSizes, type StoragePermissions } from './storage-common-xml.js';
import type { SizeValue } from './xml-units.js';

export type StorageVolumeFormat = 'raw' | 'qcow2' | 'qed' | 'vmdk' | 'vdi' | 'vpc' | 'iso' | 'dir' | (string & {});

/** `<target>` and `<backingStore>` share this shape. */
export interface StorageVolumeTarget {
  readonly path?: string;
  readonly format?: { readonly type: StorageVolumeFormat; readonly extra?: XmlExtra };
  readonly permissions?: StoragePermissions;
  readonly extra?: XmlExtra;
}

export interface StorageVolumeDescription {
  /** 'file' | 'block' | 'dir' | 'network' | 'netdir' | 'ploop'; libvirt fills it in. */
  readonly type?: string;
  readonly name: string;
  /** libvirt-assigned unique key (usually the path); ignored on creation. */
  readonly key?: string;
  readonly capacity: SizeValue;
  readonly allocation?: SizeValue;
  readonly physical?: SizeValue;
  readonly target?: StorageVolumeTarget;
  readonly backingStore?: StorageVolumeTarget;
  readonly extra?: XmlExtra;
}

const SIZES = ['capacity', 'allocation', 'physical'] as const;

export function parseVolumeXml(xml: string): StorageVolumeDescription {
  const r = new ElementReader(parseXmlElement(xml, 'volume'), '/volume');
  const name = required(r.leafText('name'), '/volume/name');
  const head = defined<{ type?: string; name: string; key?: string }>({ type: r.attr('type'), name, key: r.leafText('key') });
  const sizes = readSizes(r, SIZES);
  const vol: Mutable<StorageVolumeDescription> = { ...head, ...sizes, capacity: required(sizes.capacity, '/volume/capacity') };
  const target = readTarget(r.child('target'));
  if (target) vol.target = target;
  const backing = readTarget(r.child('backingStore'));
  if (backing) vol.backingStore = backing;
  return withExtra(vol, r);
}

function readTarget(t: ElementReader | undefined): StorageVolumeTarget | undefined {
  if (t === undefined) return undefined;
  const path = t.leafText('path');
  const formatEl = t.child('format');
  const format = formatEl ? withExtra({ type: formatEl.requiredAttr('type') }, formatEl) : undefined;
  return withExtra(defined<StorageVolumeTarget>({ path, format, permissions: readPermissions(t.child('permissions')) }), t);
}

const VOLUME_FIELDS = fieldsOf<StorageVolumeDescription>({
  type: true, name: true, key: true, capacity: true, allocation: true, physical: true, target: true, backingStore: true, extra: true,
});
const TARGET_FIELDS = fieldsOf<StorageVolumeTarget>({ path: true, format: true, permissions: true, extra: true });
const FORMAT_FIELDS = fieldsOf<NonNullable<StorageVolumeTarget['format']>>({ type: true, extra: true });

export function buildVolumeXml(doc: StorageVolumeDescription): string {
  const path = '/volume';
  checkFields(doc, VOLUME_FIELDS, path, true);
  const w = new ElementWriter('volume', doc.extra).attr('type', doc.type);
  w.leaf('name', {}, requireText(doc.name, `${path}/name`));
  if (doc.key !== undefined) w.leaf('key', {}, doc.key);
  // Capacity is the one size libvirt insists on when creating a volume.
  required(doc.capacity, `${path}/capacity`);
  writeSizes(w, doc, SIZES, path);
  w.child(writeTarget('target', doc.target, `${path}/target`));
  w.child(writeTarget('backingStore', doc.backingStore, `${path}/backingStore`));
  return buildXmlElement(w.finish());
}

function writeTarget(name: string, t: StorageVolumeTarget | undefined, path: string): XmlElement | undefined {
  if (t === undefined) return undefined;
  checkFields(t, TARGET_FIELDS, path);
  checkFields(t.format, FORMAT_FIELDS, `${path}/format`);
  const w = new ElementWriter(name, t.extra);
  if (t.path !== undefined) w.leaf('path', {}, t.path);
  if (t.format !== undefined) w.child(new ElementWriter('format', t.format.extra).attr('type', requireText(t.format.type, `${path}/format/@type`)).finish());
  return w.child(writePermissions(t.permissions, `${path}/permissions`)).finish();
}
