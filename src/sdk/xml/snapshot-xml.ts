// <domainsnapshot> documents, as returned by virDomainSnapshotGetXMLDesc and accepted by
// virDomainSnapshotCreateXML. Unmodeled parts (cookie, inactiveDomain, ...) stay in `extra`.
import { buildXmlElement, parseXmlElement, type XmlElement } from './xml-codec.js';
import { elementPath, XmlDocumentError } from './xml-errors.js';
import { countLeaf, defined, ElementReader, ElementWriter, required, withExtra, type Mutable, type XmlExtra } from './xml-element.js';
import { checkBoolean, checkFields, fieldsOf, listAt, requireText } from './xml-checks.js';
import { readDomain, writeDomain, type DomainDescription } from './domain-xml.js';
import type { OptionalLists } from './optional-lists.js';

/** libvirt's snapshot states (the domain state at snapshot time, plus 'disk-snapshot'). */
export type SnapshotState =
  | 'nostate' | 'running' | 'blocked' | 'paused' | 'shutdown' | 'shutoff' | 'crashed' | 'pmsuspended' | 'disk-snapshot'
  | (string & {});

export type SnapshotMemoryMode = 'no' | 'internal' | 'external';
export type SnapshotDiskMode = 'no' | 'internal' | 'external' | 'manual';

export interface SnapshotDiskDescription {
  /** Target device name ('vda') or source path of the disk this entry is about. */
  readonly name: string;
  readonly snapshot?: SnapshotDiskMode | (string & {});
  /** Storage type of an external snapshot file: 'file' | 'block' | 'network'. */
  readonly type?: string;
  readonly driver?: { readonly type?: string; readonly extra?: XmlExtra };
  readonly source?: { readonly file?: string; readonly dev?: string; readonly extra?: XmlExtra };
  readonly extra?: XmlExtra;
}

export interface DomainSnapshotDescription {
  readonly name: string;
  readonly description?: string;
  /** Set by libvirt; ignored on creation. */
  readonly state?: SnapshotState;
  /** Name of the parent snapshot. */
  readonly parent?: string;
  /**
   * Seconds since the Unix epoch, exactly as libvirt stores it (whole seconds); a number rather
   * than a Date so round trips are exact. `new Date(creationTime * 1000)` gives the Date.
   */
  readonly creationTime?: number;
  readonly memory?: { readonly snapshot: SnapshotMemoryMode | (string & {}); readonly file?: string; readonly extra?: XmlExtra };
  /** Empty when the document has no <disks> element. */
  readonly disks: readonly SnapshotDiskDescription[];
  /** The domain definition captured with the snapshot, when libvirt includes it. */
  readonly domain?: DomainDescription;
  /**
   * The domain's UUID alone, where libvirt has no definition to include (snapshots redefined
   * or made without one: `<domain><uuid>...</uuid></domain>`).
   */
  readonly domainUuid?: string;
  /** Whether this is the domain's current snapshot (only in libvirt's redefine/internal format). */
  readonly active?: boolean;
  readonly extra?: XmlExtra;
}

const SNAPSHOT_FIELDS = fieldsOf<DomainSnapshotDescription>({
  name: true, description: true, state: true, parent: true, creationTime: true, memory: true, disks: true, domain: true, domainUuid: true, active: true, extra: true,
});
const MEMORY_FIELDS = fieldsOf<NonNullable<DomainSnapshotDescription['memory']>>({ snapshot: true, file: true, extra: true });
const DISK_FIELDS = fieldsOf<SnapshotDiskDescription>({ name: true, snapshot: true, type: true, driver: true, source: true, extra: true });
const DISK_DRIVER_FIELDS = fieldsOf<NonNullable<SnapshotDiskDescription['driver']>>({ type: true, extra: true });
const DISK_SOURCE_FIELDS = fieldsOf<NonNullable<SnapshotDiskDescription['source']>>({ file: true, dev: true, extra: true });

export function parseSnapshotXml(xml: string): DomainSnapshotDescription {
  const r = new ElementReader(parseXmlElement(xml, 'domainsnapshot'), '/domainsnapshot');
  const name = required(r.leafText('name'), '/domainsnapshot/name');
  const s: Partial<Mutable<DomainSnapshotDescription>> = defined({ name, description: r.leafText('description'), state: r.leafText('state') });
  const parent = r.child('parent');
  if (parent) {
    s.parent = parent.leafText('name') ?? '';
    r.keepLeaf('parent', parent);
  }
  const created = countLeaf(r, 'creationTime');
  if (created !== undefined) s.creationTime = created;
  const memory = r.child('memory');
  if (memory) s.memory = withExtra(defined({ snapshot: memory.requiredAttr('snapshot'), file: memory.attr('file') }), memory);
  s.disks = readDisks(r);
  const domain = r.child('domain');
  if (domain?.attr('type') === undefined && domain !== undefined) {
    s.domainUuid = domain.leafText('uuid') ?? '';
    r.keepLeaf('domain', domain);
  } else if (domain) {
    s.domain = readDomain(domain);
  }
  const active = r.leafText('active');
  if (active !== undefined) s.active = active.trim() === '1';
  return withExtra(s as DomainSnapshotDescription, r);
}

function readDisks(r: ElementReader): SnapshotDiskDescription[] {
  const disks = r.child('disks');
  if (disks === undefined) return [];
  const out = disks.children('disk').map((d) => {
    const disk: Partial<Mutable<SnapshotDiskDescription>> = defined({ name: d.requiredAttr('name'), snapshot: d.attr('snapshot'), type: d.attr('type') });
    const driver = d.child('driver');
    if (driver) disk.driver = withExtra(defined({ type: driver.attr('type') }), driver);
    const source = d.child('source');
    if (source) disk.source = withExtra(defined({ file: source.attr('file'), dev: source.attr('dev') }), source);
    return withExtra(disk as SnapshotDiskDescription, d);
  });
  r.keepLeaf('disks', disks);
  return out;
}

export function buildSnapshotXml(doc: OptionalLists<DomainSnapshotDescription>): string {
  const path = '/domainsnapshot';
  checkFields(doc, SNAPSHOT_FIELDS, path, true);
  checkFields(doc.memory, MEMORY_FIELDS, `${path}/memory`);
  checkBoolean(doc.active, `${path}/active`);
  // One <domain> element holds either: a UUID beside a definition would be dropped.
  if (doc.domain !== undefined && doc.domainUuid !== undefined) throw new XmlDocumentError('invalid-value', `${path}/domain`, 'give domain or domainUuid, not both');
  const w = new ElementWriter('domainsnapshot', doc.extra);
  w.leaf('name', {}, requireText(doc.name, `${path}/name`));
  if (doc.description !== undefined) w.leaf('description', {}, doc.description);
  if (doc.state !== undefined) w.leaf('state', {}, doc.state);
  if (doc.parent !== undefined) w.child(new ElementWriter('parent', doc.extra?.leaves?.['parent']).leaf('name', {}, requireText(doc.parent, `${path}/parent/name`)).finish());
  if (doc.creationTime !== undefined) w.leaf('creationTime', {}, checkSeconds(doc.creationTime, `${path}/creationTime`));
  if (doc.memory !== undefined) {
    const m = doc.memory;
    w.child(new ElementWriter('memory', m.extra).attrs({ snapshot: requireText(m.snapshot, `${path}/memory/@snapshot`), file: m.file }).finish());
  }
  const disks = listAt(doc.disks, `${path}/disks/disk`, 'objects');
  if (disks.length > 0 || doc.extra?.leaves?.['disks'] !== undefined) w.child(writeDisks(disks, doc.extra?.leaves?.['disks'], `${path}/disks`));
  if (doc.domain !== undefined) w.child(writeDomain(doc.domain, `${path}/domain`));
  else if (doc.domainUuid !== undefined) w.child(new ElementWriter('domain', doc.extra?.leaves?.['domain']).leaf('uuid', {}, doc.domainUuid).finish());
  if (doc.active !== undefined) w.leaf('active', {}, doc.active ? '1' : '0');
  return buildXmlElement(w.finish());
}

function writeDisks(disks: readonly SnapshotDiskDescription[], extra: XmlExtra | undefined, path: string): XmlElement {
  const w = new ElementWriter('disks', extra);
  disks.forEach((d, i) => {
    const at = elementPath(path, 'disk', i, disks.length);
    checkFields(d, DISK_FIELDS, at);
    checkFields(d.driver, DISK_DRIVER_FIELDS, `${at}/driver`);
    checkFields(d.source, DISK_SOURCE_FIELDS, `${at}/source`);
    const dw = new ElementWriter('disk', d.extra).attrs({ name: requireText(d.name, `${at}/@name`), snapshot: d.snapshot, type: d.type });
    if (d.driver) dw.child(new ElementWriter('driver', d.driver.extra).attr('type', d.driver.type).finish());
    if (d.source) dw.child(new ElementWriter('source', d.source.extra).attrs({ file: d.source.file, dev: d.source.dev }).finish());
    w.child(dw.finish());
  });
  return w.finish();
}

function checkSeconds(value: number, path: string): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new XmlDocumentError('invalid-value', path, 'creation time must be whole seconds since the epoch');
  return String(value);
}
