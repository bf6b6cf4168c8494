// <pool> documents (virStoragePoolGetXMLDesc / virStoragePoolDefineXML). Sizes are bytes by default.
import { buildXmlElement, parseXmlElement, type XmlElement } from './xml-codec.js';
import { countAttr, defined, ElementReader, ElementWriter, required, withExtra, type Mutable, type XmlExtra } from './xml-element.js';
import { checkFields, checkInteger, fieldsOf, itemsAt, requireText } from './xml-checks.js';
import { readPermissions, readSizes, writePermissions, writeSizes, type StoragePermissions } from './storage-common-xml.js';
import type { SizeValue } from './xml-units.js';
import type { OptionalLists } from './optional-lists.js';

export type StoragePoolType =
  | 'dir' | 'fs' | 'netfs' | 'logical' | 'disk' | 'iscsi' | 'iscsi-direct' | 'scsi' | 'mpath' | 'rbd' | 'sheepdog'
  | 'gluster' | 'zfs' | 'vstorage'
  | (string & {});

export interface StoragePoolSource {
  readonly hosts: readonly { readonly name: string; readonly port?: number; readonly extra?: XmlExtra }[];
  /** Device paths (`<device path=…/>`). */
  readonly devices: readonly string[];
  readonly dir?: string;
  /** Source name, e.g. the volume group or RBD pool. */
  readonly name?: string;
  /** Source format type, e.g. 'auto', 'ext4', 'lvm2', 'gpt'. */
  readonly format?: string;
  readonly extra?: XmlExtra;
}

export interface StoragePoolDescription {
  readonly type: StoragePoolType;
  readonly name: string;
  readonly uuid?: string;
  readonly capacity?: SizeValue;
  readonly allocation?: SizeValue;
  readonly available?: SizeValue;
  readonly source?: StoragePoolSource;
  readonly target?: { readonly path?: string; readonly permissions?: StoragePermissions; readonly extra?: XmlExtra };
  readonly extra?: XmlExtra;
}

const SIZES = ['capacity', 'allocation', 'available'] as const;

export function parsePoolXml(xml: string): StoragePoolDescription {
  const r = new ElementReader(parseXmlElement(xml, 'pool'), '/pool');
  const name = required(r.leafText('name'), '/pool/name');
  const pool: Mutable<StoragePoolDescription> = {
    ...defined<{ type: string; name: string; uuid?: string }>({ type: r.requiredAttr('type'), name, uuid: r.leafText('uuid') }),
    ...readSizes(r, SIZES),
  };
  const source = r.child('source');
  if (source) pool.source = readSource(source);
  const target = r.child('target');
  if (target) {
    const permissions = readPermissions(target.child('permissions'));
    pool.target = withExtra(defined({ path: target.leafText('path'), permissions }), target);
  }
  return withExtra(pool, r);
}

function readSource(s: ElementReader): StoragePoolSource {
  const hosts = s.children('host').map((h) => withExtra(defined({ name: h.requiredAttr('name'), port: countAttr(h, 'port') }), h));
  const devices = s.readLeaves('device', (d) => d.requiredAttr('path'));
  const fields = defined<StoragePoolSource>({ hosts, devices, dir: s.leafAttr('dir', 'path'), name: s.leafText('name'), format: s.leafAttr('format', 'type') });
  return withExtra(fields, s);
}

const POOL_FIELDS = fieldsOf<StoragePoolDescription>({
  type: true, name: true, uuid: true, capacity: true, allocation: true, available: true, source: true, target: true, extra: true,
});
const SOURCE_FIELDS = fieldsOf<StoragePoolSource>({ hosts: true, devices: true, dir: true, name: true, format: true, extra: true });
const HOST_FIELDS = fieldsOf<StoragePoolSource['hosts'][number]>({ name: true, port: true, extra: true });
const TARGET_FIELDS = fieldsOf<NonNullable<StoragePoolDescription['target']>>({ path: true, permissions: true, extra: true });

export function buildPoolXml(doc: OptionalLists<StoragePoolDescription>): string {
  const path = '/pool';
  checkFields(doc, POOL_FIELDS, path, true);
  checkFields(doc.source, SOURCE_FIELDS, `${path}/source`);
  checkFields(doc.target, TARGET_FIELDS, `${path}/target`);
  const w = new ElementWriter('pool', doc.extra).attr('type', requireText(doc.type, `${path}/@type`));
  w.leaf('name', {}, requireText(doc.name, `${path}/name`));
  if (doc.uuid !== undefined) w.leaf('uuid', {}, doc.uuid);
  writeSizes(w, doc, SIZES, path);
  if (doc.source !== undefined) w.child(writeSource(doc.source, `${path}/source`));
  if (doc.target !== undefined) {
    const t = new ElementWriter('target', doc.target.extra);
    if (doc.target.path !== undefined) t.leaf('path', {}, doc.target.path);
    w.child(t.child(writePermissions(doc.target.permissions, `${path}/target/permissions`)).finish());
  }
  return buildXmlElement(w.finish());
}

function writeSource(s: OptionalLists<StoragePoolSource>, path: string): XmlElement {
  const w = new ElementWriter('source', s.extra);
  itemsAt(s.hosts, `${path}/host`, 'objects').forEach(([h, at]) => {
    checkFields(h, HOST_FIELDS, at);
    checkInteger(h.port, 1, 65535, `${at}/@port`);
    w.child(new ElementWriter('host', h.extra).attrs({ name: requireText(h.name, `${at}/@name`), port: h.port }).finish());
  });
  // `device[i]` (from 0) is the key readLeaves kept each one's leftovers under, not a path.
  itemsAt(s.devices, `${path}/device`, 'strings').forEach(([d, at], i) => w.leaf('device', { path: requireText(d, `${at}/@path`) }, undefined, `device[${i}]`));
  if (s.dir !== undefined) w.leaf('dir', { path: s.dir });
  if (s.name !== undefined) w.leaf('name', {}, s.name);
  if (s.format !== undefined) w.leaf('format', { type: s.format });
  return w.finish();
}
