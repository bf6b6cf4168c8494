// The devices users touch most: disks, network interfaces, graphics, serial ports and consoles.
// Everything else under <devices> (controllers, memballoon, video, ...) is kept as extra XML.
import type { XmlElement } from './xml-codec.js';
import { countAttr, defined, ElementReader, ElementWriter, parseCount, required, withExtra, type Mutable, type XmlExtra } from './xml-element.js';
import { checkBoolean, checkFields, fieldsOf, itemsAt, requireText } from './xml-checks.js';
import { parseSwitch, switchWord, YES_NO } from './xml-choices.js';
import type { OptionalLists } from './optional-lists.js';

export interface DiskDescription {
  /** 'file' | 'block' | 'network' | 'volume' | 'dir' | ... */
  readonly type: string;
  /** 'disk' | 'cdrom' | 'floppy' | 'lun' */
  readonly device?: string;
  readonly driver?: { readonly name?: string; readonly type?: string; readonly cache?: string; readonly extra?: XmlExtra };
  /** Exactly the attributes libvirt uses for the disk type: file, dev, dir, pool+volume, protocol+name. */
  readonly source?: DiskSource;
  readonly target: { readonly dev: string; readonly bus?: string; readonly extra?: XmlExtra };
  readonly readonly?: boolean;
  /** Per-device boot order (`<boot order='N'/>`). */
  readonly bootOrder?: number;
  readonly extra?: XmlExtra;
}

export interface DiskSource {
  readonly file?: string;
  readonly dev?: string;
  readonly dir?: string;
  readonly pool?: string;
  readonly volume?: string;
  readonly protocol?: string;
  readonly name?: string;
  readonly extra?: XmlExtra;
}

export interface InterfaceDescription {
  /** 'network' | 'bridge' | 'direct' | 'user' | ... */
  readonly type: string;
  readonly mac?: string;
  readonly source?: { readonly network?: string; readonly bridge?: string; readonly dev?: string; readonly extra?: XmlExtra };
  /** Device model, e.g. 'virtio' or 'e1000'. */
  readonly model?: string;
  /** Host-side device name, e.g. 'vnet0'. */
  readonly targetDev?: string;
  readonly extra?: XmlExtra;
}

export interface GraphicsDescription {
  /** 'vnc' | 'spice' | 'sdl' | ... */
  readonly type: string;
  /** -1 asks for automatic allocation, as in libvirt. */
  readonly port?: number;
  readonly autoport?: boolean;
  readonly listen?: string;
  readonly extra?: XmlExtra;
}

/** `<serial>` and `<console>`: only the type and target are modeled. */
export interface CharDeviceDescription {
  readonly type: string;
  readonly target?: { readonly type?: string; readonly port?: number; readonly extra?: XmlExtra };
  readonly extra?: XmlExtra;
}

const DISK_FIELDS = fieldsOf<DiskDescription>({ type: true, device: true, driver: true, source: true, target: true, readonly: true, bootOrder: true, extra: true });
const DISK_DRIVER_FIELDS = fieldsOf<NonNullable<DiskDescription['driver']>>({ name: true, type: true, cache: true, extra: true });
// Every field of a disk's source is written as an attribute: an unknown one would be a wrong attribute.
const DISK_SOURCE_FIELDS = fieldsOf<DiskSource>({ file: true, dev: true, dir: true, pool: true, volume: true, protocol: true, name: true, extra: true });
const DISK_TARGET_FIELDS = fieldsOf<DiskDescription['target']>({ dev: true, bus: true, extra: true });
const INTERFACE_FIELDS = fieldsOf<InterfaceDescription>({ type: true, mac: true, source: true, model: true, targetDev: true, extra: true });
const INTERFACE_SOURCE_FIELDS = fieldsOf<NonNullable<InterfaceDescription['source']>>({ network: true, bridge: true, dev: true, extra: true });
const GRAPHICS_FIELDS = fieldsOf<GraphicsDescription>({ type: true, port: true, autoport: true, listen: true, extra: true });
const CHAR_FIELDS = fieldsOf<CharDeviceDescription>({ type: true, target: true, extra: true });
const CHAR_TARGET_FIELDS = fieldsOf<NonNullable<CharDeviceDescription['target']>>({ type: true, port: true, extra: true });

export function readDisk(r: ElementReader): DiskDescription {
  const disk: Partial<Mutable<DiskDescription>> = defined({ type: r.requiredAttr('type'), device: r.attr('device') });
  const driver = r.child('driver');
  if (driver) disk.driver = withExtra(defined({ name: driver.attr('name'), type: driver.attr('type'), cache: driver.attr('cache') }), driver);
  const source = r.child('source');
  if (source) disk.source = withExtra(readDiskSource(source), source);
  const target = required(r.child('target'), `${r.path}/target`);
  disk.target = withExtra(defined({ dev: target.requiredAttr('dev'), bus: target.attr('bus') }), target);
  if (r.flag('readonly')) disk.readonly = true;
  const order = parseCount(r.leafAttr('boot', 'order'), `${r.path}/boot/@order`);
  if (order !== undefined) disk.bootOrder = order;
  return withExtra(disk as DiskDescription, r);
}

function readDiskSource(s: ElementReader): DiskSource {
  const keys = ['file', 'dev', 'dir', 'pool', 'volume', 'protocol', 'name'] as const;
  return defined(Object.fromEntries(keys.map((k) => [k, s.attr(k)])) as Record<(typeof keys)[number], string | undefined>);
}

export function writeDisk(d: DiskDescription, path: string): XmlElement {
  checkFields(d, DISK_FIELDS, path);
  checkFields(d.driver, DISK_DRIVER_FIELDS, `${path}/driver`);
  checkFields(d.source, DISK_SOURCE_FIELDS, `${path}/source`);
  checkFields(d.target, DISK_TARGET_FIELDS, `${path}/target`);
  checkBoolean(d.readonly, `${path}/readonly`);
  const w = new ElementWriter('disk', d.extra).attrs({ type: requireText(d.type, `${path}/@type`), device: d.device });
  if (d.driver) w.child(new ElementWriter('driver', d.driver.extra).attrs({ name: d.driver.name, type: d.driver.type, cache: d.driver.cache }).finish());
  if (d.source) {
    const { extra, ...attrs } = d.source;
    w.child(new ElementWriter('source', extra).attrs(attrs).finish());
  }
  const target = required(d.target, `${path}/target`);
  w.child(new ElementWriter('target', target.extra).attrs({ dev: requireText(target.dev, `${path}/target/@dev`), bus: target.bus }).finish());
  if (d.readonly === true) w.leaf('readonly');
  if (d.bootOrder !== undefined) w.leaf('boot', { order: d.bootOrder });
  return w.finish();
}

export function readInterface(r: ElementReader): InterfaceDescription {
  const nic: Partial<Mutable<InterfaceDescription>> = defined({ type: r.requiredAttr('type'), mac: r.leafAttr('mac', 'address') });
  const source = r.child('source');
  if (source) nic.source = withExtra(defined({ network: source.attr('network'), bridge: source.attr('bridge'), dev: source.attr('dev') }), source);
  Object.assign(nic, defined({ targetDev: r.leafAttr('target', 'dev'), model: r.leafAttr('model', 'type') }));
  return withExtra(nic as InterfaceDescription, r);
}

export function writeInterface(n: InterfaceDescription, path: string): XmlElement {
  checkFields(n, INTERFACE_FIELDS, path);
  checkFields(n.source, INTERFACE_SOURCE_FIELDS, `${path}/source`);
  const w = new ElementWriter('interface', n.extra).attr('type', requireText(n.type, `${path}/@type`));
  if (n.mac !== undefined) w.leaf('mac', { address: n.mac });
  if (n.source) {
    const { extra, ...attrs } = n.source;
    w.child(new ElementWriter('source', extra).attrs(attrs).finish());
  }
  if (n.targetDev !== undefined) w.leaf('target', { dev: n.targetDev });
  if (n.model !== undefined) w.leaf('model', { type: n.model });
  return w.finish();
}

export function readGraphics(r: ElementReader): GraphicsDescription {
  const g = defined<Mutable<GraphicsDescription>>({
    type: r.requiredAttr('type'),
    port: countAttr(r, 'port'),
    autoport: parseSwitch(r.attr('autoport'), `${r.path}/@autoport`, YES_NO),
    listen: r.attr('listen'),
  });
  return withExtra(g, r);
}

export function writeGraphics(g: GraphicsDescription, path: string): XmlElement {
  checkFields(g, GRAPHICS_FIELDS, path);
  const autoport = switchWord(g.autoport, `${path}/@autoport`, YES_NO);
  return new ElementWriter('graphics', g.extra).attrs({ type: requireText(g.type, `${path}/@type`), port: g.port, autoport, listen: g.listen }).finish();
}

export function readCharDevice(r: ElementReader): CharDeviceDescription {
  const c: Partial<Mutable<CharDeviceDescription>> = { type: r.requiredAttr('type') };
  const target = r.child('target');
  if (target) c.target = withExtra(defined({ type: target.attr('type'), port: countAttr(target, 'port') }), target);
  return withExtra(c as CharDeviceDescription, r);
}

export function writeCharDevice(name: 'serial' | 'console', c: CharDeviceDescription, path: string): XmlElement {
  checkFields(c, CHAR_FIELDS, path);
  checkFields(c.target, CHAR_TARGET_FIELDS, `${path}/target`);
  const w = new ElementWriter(name, c.extra).attr('type', requireText(c.type, `${path}/@type`));
  if (c.target) w.child(new ElementWriter('target', c.target.extra).attrs({ type: c.target.type, port: c.target.port }).finish());
  return w.finish();
}

export interface DomainDevices {
  readonly emulator?: string;
  readonly disks: readonly DiskDescription[];
  readonly interfaces: readonly InterfaceDescription[];
  readonly serials: readonly CharDeviceDescription[];
  readonly consoles: readonly CharDeviceDescription[];
  readonly graphics: readonly GraphicsDescription[];
  /** Controllers, inputs, video, memballoon, channels, ... verbatim. */
  readonly extra?: XmlExtra;
}

export function readDomainDevices(r: ElementReader): DomainDevices {
  const devices = defined<Mutable<DomainDevices>>({
    emulator: r.leafText('emulator'),
    disks: r.children('disk').map(readDisk),
    interfaces: r.children('interface').map(readInterface),
    serials: r.children('serial').map(readCharDevice),
    consoles: r.children('console').map(readCharDevice),
    graphics: r.children('graphics').map(readGraphics),
  });
  return withExtra(devices, r);
}

const DEVICES_FIELDS = fieldsOf<DomainDevices>({ emulator: true, disks: true, interfaces: true, serials: true, consoles: true, graphics: true, extra: true });

// Written in libvirt's own device order so that unchanged documents come back identical.
export function writeDomainDevices(d: OptionalLists<DomainDevices>, path: string): XmlElement {
  checkFields(d, DEVICES_FIELDS, path);
  const w = new ElementWriter('devices', d.extra);
  if (d.emulator !== undefined) w.leaf('emulator', {}, d.emulator);
  itemsAt(d.disks, `${path}/disk`, 'objects').forEach(([x, at]) => w.child(writeDisk(x, at)));
  itemsAt(d.interfaces, `${path}/interface`, 'objects').forEach(([x, at]) => w.child(writeInterface(x, at)));
  itemsAt(d.serials, `${path}/serial`, 'objects').forEach(([x, at]) => w.child(writeCharDevice('serial', x, at)));
  itemsAt(d.consoles, `${path}/console`, 'objects').forEach(([x, at]) => w.child(writeCharDevice('console', x, at)));
  itemsAt(d.graphics, `${path}/graphics`, 'objects').forEach(([x, at]) => w.child(writeGraphics(x, at)));
  return w.finish();
}
