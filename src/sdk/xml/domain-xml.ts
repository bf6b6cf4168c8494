// <domain> documents: the fields users read and edit every day are typed; all other XML is kept
// in `extra` at each level so that a parsed-then-built domain loses nothing.
import { buildXmlElement, parseXmlElement, type XmlElement } from './xml-codec.js';
import { XmlDocumentError } from './xml-errors.js';
import { countAttr, defined, ElementReader, ElementWriter, parseCount, readSizeChild, required, withExtra, writeSizeChild, type Mutable, type XmlExtra } from './xml-element.js';
import { checkFields, fieldsOf, itemsAt, requireText } from './xml-checks.js';
import type { SizeValue } from './xml-units.js';
import type { OptionalLists } from './optional-lists.js';
import { readDomainDevices, writeDomainDevices, type DomainDevices } from './domain-devices-xml.js';

export interface DomainDescription {
  /** Hypervisor type: 'kvm' | 'qemu' | 'xen' | 'lxc' | 'test' | ... */
  readonly type: string;
  /** Runtime ID; libvirt only reports it for running domains and ignores it on define. */
  readonly id?: number;
  readonly name: string;
  readonly uuid?: string;
  readonly title?: string;
  readonly description?: string;
  /** Maximum memory at boot; libvirt's default unit is KiB. */
  readonly memory: SizeValue;
  readonly currentMemory?: SizeValue;
  /** Optional because libvirt defaults to one vCPU; libvirt always reports it. */
  readonly vcpu?: { readonly count: number; readonly placement?: string; readonly current?: number; readonly extra?: XmlExtra };
  readonly os: DomainOs;
  /** Marker features such as 'acpi', 'apic'; features with settings stay in `extra`. */
  readonly features?: { readonly enabled: readonly string[]; readonly extra?: XmlExtra };
  readonly clock?: { readonly offset: string; readonly extra?: XmlExtra };
  /** 'destroy' | 'restart' | 'preserve' | 'rename-restart' | ... */
  readonly onPoweroff?: string;
  readonly onReboot?: string;
  readonly onCrash?: string;
  readonly devices: DomainDevices;
  readonly extra?: XmlExtra;
}

export interface DomainOs {
  /** 'hvm' | 'linux' | 'exe' | ... */
  readonly type: string;
  readonly arch?: string;
  readonly machine?: string;
  /** Boot devices in order: 'hd' | 'cdrom' | 'network' | 'fd'. */
  readonly boot: readonly string[];
  readonly extra?: XmlExtra;
}

const DOMAIN_FIELDS = fieldsOf<DomainDescription>({
  type: true, id: true, name: true, uuid: true, title: true, description: true, memory: true, currentMemory: true, vcpu: true,
  os: true, features: true, clock: true, onPoweroff: true, onReboot: true, onCrash: true, devices: true, extra: true,
});
const VCPU_FIELDS = fieldsOf<NonNullable<DomainDescription['vcpu']>>({ count: true, placement: true, current: true, extra: true });
const FEATURES_FIELDS = fieldsOf<NonNullable<DomainDescription['features']>>({ enabled: true, extra: true });
const CLOCK_FIELDS = fieldsOf<NonNullable<DomainDescription['clock']>>({ offset: true, extra: true });
const OS_FIELDS = fieldsOf<DomainOs>({ type: true, arch: true, machine: true, boot: true, extra: true });

export function parseDomainXml(xml: string): DomainDescription {
  return readDomain(new ElementReader(parseXmlElement(xml, 'domain'), '/domain'));
}

export function buildDomainXml(doc: OptionalLists<DomainDescription>): string {
  return buildXmlElement(writeDomain(doc, '/domain'));
}

export function readDomain(r: ElementReader): DomainDescription {
  const d: Partial<Mutable<DomainDescription>> = defined({
    type: r.requiredAttr('type'),
    id: countAttr(r, 'id'),
    name: required(r.leafText('name'), `${r.path}/name`),
    uuid: r.leafText('uuid'),
    title: r.leafText('title'),
    description: r.leafText('description'),
  });
  d.memory = required(readSizeChild(r, 'memory'), `${r.path}/memory`);
  const current = readSizeChild(r, 'currentMemory');
  if (current) d.currentMemory = current;
  const vcpu = r.child('vcpu');
  if (vcpu) d.vcpu = readVcpu(vcpu);
  d.os = readOs(required(r.child('os'), `${r.path}/os`));
  const features = r.child('features');
  if (features) d.features = withExtra({ enabled: features.bareChildren() }, features);
  const clock = r.child('clock');
  if (clock) d.clock = withExtra({ offset: clock.requiredAttr('offset') }, clock);
  Object.assign(d, defined({ onPoweroff: r.leafText('on_poweroff'), onReboot: r.leafText('on_reboot'), onCrash: r.leafText('on_crash') }));
  d.devices = readDomainDevices(required(r.child('devices'), `${r.path}/devices`));
  return withExtra(d as DomainDescription, r);
}

function readVcpu(v: ElementReader): NonNullable<DomainDescription['vcpu']> {
  const count = parseCount(required(v.text(), v.path), v.path) ?? 0;
  return withExtra(defined({ count, placement: v.attr('placement'), current: countAttr(v, 'current') }), v);
}

function readOs(os: ElementReader): DomainOs {
  const type = os.readLeaf('type', (t) => ({ type: required(t.text(), t.path), arch: t.attr('arch'), machine: t.attr('machine') }));
  const boot = os.readLeaves('boot', (b) => b.requiredAttr('dev'));
  return withExtra(defined<DomainOs>({ ...required(type, `${os.path}/type`), boot }), os);
}

export function writeDomain(d: OptionalLists<DomainDescription>, path: string): XmlElement {
  if (d === null || typeof d !== 'object') throw new XmlDocumentError('invalid-value', path, 'a domain description object is required');
  checkFields(d, DOMAIN_FIELDS, path);
  checkFields(d.vcpu, VCPU_FIELDS, `${path}/vcpu`);
  checkFields(d.features, FEATURES_FIELDS, `${path}/features`);
  checkFields(d.clock, CLOCK_FIELDS, `${path}/clock`);
  const w = new ElementWriter('domain', d.extra).attrs({ type: requireText(d.type, `${path}/@type`), id: d.id });
  w.leaf('name', {}, requireText(d.name, `${path}/name`));
  if (d.uuid !== undefined) w.leaf('uuid', {}, d.uuid);
  if (d.title !== undefined) w.leaf('title', {}, d.title);
  if (d.description !== undefined) w.leaf('description', {}, d.description);
  writeSizeChild(w, 'memory', d.memory, `${path}/memory`);
  if (d.currentMemory !== undefined) writeSizeChild(w, 'currentMemory', d.currentMemory, `${path}/currentMemory`);
  if (d.vcpu !== undefined) {
    if (!Number.isInteger(d.vcpu.count) || d.vcpu.count < 1) throw new XmlDocumentError('invalid-value', `${path}/vcpu`, 'vcpu count must be a positive integer');
    w.child(new ElementWriter('vcpu', d.vcpu.extra).attrs({ placement: d.vcpu.placement, current: d.vcpu.current }).text(String(d.vcpu.count)).finish());
  }
  w.child(writeOs(d.os, `${path}/os`));
  if (d.features !== undefined) {
    const f = new ElementWriter('features', d.features.extra);
    // Each feature is an element of its own name (<acpi/>), so its path names it by position.
    itemsAt(d.features.enabled, `${path}/features`, 'strings', `${path}/features/*`).forEach(([name, at]) => {
      // It must be a name XML can carry.
      if (!/^[A-Za-z_][\w.-]*$/.test(name)) throw new XmlDocumentError('invalid-value', at, `'${name}' is not a feature element name`);
      f.child({ name, attributes: {}, children: [] });
    });
    w.child(f.finish());
  }
  if (d.clock !== undefined) w.child(new ElementWriter('clock', d.clock.extra).attr('offset', requireText(d.clock.offset, `${path}/clock/@offset`)).finish());
  if (d.onPoweroff !== undefined) w.leaf('on_poweroff', {}, d.onPoweroff);
  if (d.onReboot !== undefined) w.leaf('on_reboot', {}, d.onReboot);
  if (d.onCrash !== undefined) w.leaf('on_crash', {}, d.onCrash);
  w.child(writeDomainDevices(required(d.devices, `${path}/devices`), `${path}/devices`));
  return w.finish();
}

function writeOs(given: OptionalLists<DomainOs> | undefined, path: string): XmlElement {
  const os = required(given, path);
  checkFields(os, OS_FIELDS, path);
  const w = new ElementWriter('os', os.extra);
  w.leaf('type', { arch: os.arch, machine: os.machine }, requireText(os.type, `${path}/type`));
  // `boot[i]` (from 0) is the key readLeaves kept each one's leftovers under, not a path.
  itemsAt(os.boot, `${path}/boot`, 'strings').forEach(([dev, at], i) => w.leaf('boot', { dev: requireText(dev, `${at}/@dev`) }, undefined, `boot[${i}]`));
  return w.finish();
}
