// Reading and writing the `<capability type=…>` elements that have types (nodedev-capability-types.ts),
// one codec per type. Other types (usb, drm, css, ap_*, vdpa, scsi_target, ...) stay in the device's `extra`;
// nested capabilities the types do not model (a PCI function's SR-IOV and mdev types, removable
// media) stay in their capability's `extra`.
import type { XmlElement } from './xml-codec.js';
import { XmlDocumentError } from './xml-errors.js';
import { readNetLink, writeNetLink } from './net-link-xml.js';
import { checkChoice, parseChoice } from './xml-choices.js';
import { countLeaf, defined, ElementReader, ElementWriter, required, withExtra } from './xml-element.js';
import { checkFields, fieldsOf, INT_MAX, itemsAt, requireText, UINT_MAX } from './xml-checks.js';
import {
  checkWwn, readAttrCount, readBig, readId, requiredCount, requiredText, writeAttrCount, writeBig, writeCount, writeId, writeText,
} from './nodedev-capability-fields.js';
import type {
  NodeDeviceCapability, NodeDeviceCapabilityType, NodeDeviceMdevCapability, NodeDeviceNetCapability, NodeDevicePciCapability, NodeDeviceScsiCapability,
  NodeDeviceScsiHostCapability, NodeDeviceStorageCapability, NodeDeviceSystemCapability, NodeDeviceUsbDeviceCapability,
} from './nodedev-capability-types.js';
import type { OptionalLists } from './optional-lists.js';

interface Codec<C extends NodeDeviceCapability> {
  /** Every field of the type: a builder refuses others. */
  readonly fields: readonly string[];
  /** Reads the typed fields; whatever it leaves becomes the capability's `extra`. */
  readonly read: (r: ElementReader) => Omit<C, 'type' | 'extra'>;
  /** Writes the typed fields in libvirt's order (extra children go back to their places). */
  readonly write: (c: OptionalLists<C>, w: ElementWriter, path: string) => void;
}

type Codecs = { readonly [T in NodeDeviceCapabilityType]: Codec<Extract<NodeDeviceCapability, { type: T }>> };

const HARDWARE_FIELDS = fieldsOf<NonNullable<NodeDeviceSystemCapability['hardware']>>({ vendor: true, version: true, serial: true, uuid: true, extra: true });
const FIRMWARE_FIELDS = fieldsOf<NonNullable<NodeDeviceSystemCapability['firmware']>>({ vendor: true, version: true, releaseDate: true, extra: true });
const FC_HOST_FIELDS = fieldsOf<NonNullable<NodeDeviceScsiHostCapability['fcHost']>>({ wwnn: true, wwpn: true, fabricWwn: true, extra: true });
const VPORT_FIELDS = fieldsOf<NonNullable<NodeDeviceScsiHostCapability['vportOps']>>({ maxVports: true, vports: true, extra: true });
/** A net device's nested capability: libvirt knows Ethernet (80203) and wireless (80211), and refuses others. */
const NET_SUBTYPES: readonly NonNullable<NodeDeviceNetCapability['subtype']>[] = ['80203', '80211'];
const MDEV_ATTR_FIELDS = fieldsOf<NonNullable<NodeDeviceMdevCapability['attributes']>[number]>({ name: true, value: true });

const CODECS: Codecs = {
  system: {
    fields: fieldsOf<NodeDeviceSystemCapability>({ type: true, product: true, hardware: true, firmware: true, extra: true }),
    read: (r) => {
      const hw = r.child('hardware');
      const fw = r.child('firmware');
      return defined({
        product: r.leafText('product'),
        hardware: hw && withExtra(defined({ vendor: hw.leafText('vendor'), version: hw.leafText('version'), serial: hw.leafText('serial'), uuid: hw.leafText('uuid') }), hw),
        firmware: fw && withExtra(defined({ vendor: fw.leafText('vendor'), version: fw.leafText('version'), releaseDate: fw.leafText('release_date') }), fw),
      });
    },
    write: (c, w, path) => {
      writeText(w, 'product', c.product);
      if (c.hardware !== undefined) {
        checkFields(c.hardware, HARDWARE_FIELDS, `${path}/hardware`);
        const h = new ElementWriter('hardware', c.hardware.extra);
        for (const name of ['vendor', 'version', 'serial', 'uuid'] as const) writeText(h, name, c.hardware[name]);
        w.child(h.finish());
      }
      if (c.firmware !== undefined) {
        checkFields(c.firmware, FIRMWARE_FIELDS, `${path}/firmware`);
        const f = new ElementWriter('firmware', c.firmware.extra);
        writeText(f, 'vendor', c.firmware.vendor);
        writeText(f, 'version', c.firmware.version);
        writeText(f, 'release_date', c.firmware.releaseDate);
        w.child(f.finish());
      }
    },
  },
  pci: {
    fields: fieldsOf<NodeDevicePciCapability>({
      type: true, class: true, domain: true, bus: true, slot: true, function: true, product: true, vendor: true, iommuGroup: true, numaNode: true, extra: true,
    }),
    read: (r) => defined({
      class: r.leafText('class'),
      domain: requiredCount(r, 'domain'),
      bus: requiredCount(r, 'bus'),
      slot: requiredCount(r, 'slot'),
      function: requiredCount(r, 'function'),
      product: readId(r, 'product'),
      vendor: readId(r, 'vendor'),
      iommuGroup: readAttrCount(r, 'iommuGroup', 'number'),
      numaNode: readAttrCount(r, 'numa', 'node'),
    }),
    write: (c, w, path) => {
      writeText(w, 'class', c.class);
      // The bounds of a PCI address, which libvirt checks (virPCIDeviceAddressIsValid).
      writeCount(w, 'domain', c.domain, UINT_MAX, `${path}/domain`, true);
      writeCount(w, 'bus', c.bus, 0xff, `${path}/bus`, true);
      writeCount(w, 'slot', c.slot, 0x1f, `${path}/slot`, true);
      writeCount(w, 'function', c.function, 7, `${path}/function`, true);
      writeId(w, 'product', c.product, `${path}/product`);
      writeId(w, 'vendor', c.vendor, `${path}/vendor`);
      writeAttrCount(w, 'iommuGroup', 'number', c.iommuGroup, UINT_MAX, path);
      writeAttrCount(w, 'numa', 'node', c.numaNode, INT_MAX, path);
    },
  },
  usb_device: {
    fields: fieldsOf<NodeDeviceUsbDeviceCapability>({ type: true, bus: true, device: true, product: true, vendor: true, extra: true }),
    read: (r) => ({ bus: requiredCount(r, 'bus'), device: requiredCount(r, 'device'), product: readId(r, 'product'), vendor: readId(r, 'vendor') }),
    write: (c, w, path) => {
      writeCount(w, 'bus', c.bus, UINT_MAX, `${path}/bus`, true);
      writeCount(w, 'device', c.device, UINT_MAX, `${path}/device`, true);
      writeId(w, 'product', c.product, `${path}/product`);
      writeId(w, 'vendor', c.vendor, `${path}/vendor`);
    },
  },
  net: {
    fields: fieldsOf<NodeDeviceNetCapability>({ type: true, interface: true, address: true, link: true, features: true, subtype: true, extra: true }),
    read: (r) => {
      const fields = { interface: requiredText(r, 'interface'), address: r.leafText('address'), link: readNetLink(r.child('link')) };
      const features = r.readLeaves('feature', (f) => f.requiredAttr('name'));
      const subtype = r.readLeaf('capability', (c) => parseChoice(c.requiredAttr('type'), NET_SUBTYPES, `${c.path}/@type`));
      return defined({ ...fields, features, subtype });
    },
    write: (c, w, path) => {
      w.leaf('interface', {}, requireText(c.interface, `${path}/interface`));
      writeText(w, 'address', c.address);
      w.child(writeNetLink(c.link, `${path}/link`));
      // `feature[i]` (from 0) is the key readLeaves kept each one's leftovers under, not a path.
      itemsAt(c.features, `${path}/feature`, 'strings').forEach(([name, at], i) => {
        w.leaf('feature', { name: requireText(name, `${at}/@name`) }, undefined, `feature[${i}]`);
      });
      checkChoice(c.subtype, NET_SUBTYPES, `${path}/capability/@type`);
      if (c.subtype !== undefined) w.leaf('capability', { type: c.subtype });
    },
  },
  storage: {
    fields: fieldsOf<NodeDeviceStorageCapability>({
      type: true, block: true, bus: true, driveType: true, model: true, vendor: true, serial: true, size: true, logicalBlockSize: true, numBlocks: true, extra: true,
    }),
    read: (r) => defined({
      block: requiredText(r, 'block'),
      bus: r.leafText('bus'),
      driveType: r.leafText('drive_type'),
      model: r.leafText('model'),
      vendor: r.leafText('vendor'),
      serial: r.leafText('serial'),
      size: readBig(r, 'size'),
      logicalBlockSize: readBig(r, 'logical_block_size'),
      numBlocks: readBig(r, 'num_blocks'),
    }),
    write: (c, w, path) => {
      w.leaf('block', {}, requireText(c.block, `${path}/block`));
      writeText(w, 'bus', c.bus);
      writeText(w, 'drive_type', c.driveType);
      writeText(w, 'model', c.model);
      writeText(w, 'vendor', c.vendor);
      writeText(w, 'serial', c.serial);
      writeBig(w, 'size', c.size, `${path}/size`);
      writeBig(w, 'logical_block_size', c.logicalBlockSize, `${path}/logical_block_size`);
      writeBig(w, 'num_blocks', c.numBlocks, `${path}/num_blocks`);
    },
  },
  scsi_host: {
    fields: fieldsOf<NodeDeviceScsiHostCapability>({ type: true, host: true, uniqueId: true, fcHost: true, vportOps: true, extra: true }),
    read: (r) => {
      const fields = { host: countLeaf(r, 'host'), uniqueId: countLeaf(r, 'unique_id') };
      const fc = nested(r, 'fc_host');
      const vp = nested(r, 'vport_ops');
      return defined({
        ...fields,
        fcHost: fc && withExtra(defined({ wwnn: fc.leafText('wwnn'), wwpn: fc.leafText('wwpn'), fabricWwn: fc.leafText('fabric_wwn') }), fc),
        vportOps: vp && withExtra(defined({ maxVports: countLeaf(vp, 'max_vports'), vports: countLeaf(vp, 'vports') }), vp),
      });
    },
    write: (c, w, path) => {
      writeCount(w, 'host', c.host, UINT_MAX, `${path}/host`);
      writeCount(w, 'unique_id', c.uniqueId, INT_MAX, `${path}/unique_id`);
      // Paths as the parser gives them: the nested capabilities by position among all nested ones.
      const nested = (c.fcHost === undefined ? 0 : 1) + (c.vportOps === undefined ? 0 : 1);
      const paths = w.childPaths(path, 'capability', nested);
      w.child(writeFcHost(c.fcHost, paths(0)));
      if (c.vportOps === undefined) return;
      const at = paths(nested - 1);
      checkFields(c.vportOps, VPORT_FIELDS, at);
      const v = new ElementWriter('capability', c.vportOps.extra).attr('type', 'vport_ops');
      writeCount(v, 'max_vports', c.vportOps.maxVports, INT_MAX, `${at}/max_vports`);
      writeCount(v, 'vports', c.vportOps.vports, INT_MAX, `${at}/vports`);
      w.child(v.finish());
    },
  },
  scsi: {
    fields: fieldsOf<NodeDeviceScsiCapability>({ type: true, host: true, bus: true, target: true, lun: true, deviceType: true, extra: true }),
    read: (r) => defined({
      host: requiredCount(r, 'host'), bus: requiredCount(r, 'bus'), target: requiredCount(r, 'target'), lun: requiredCount(r, 'lun'), deviceType: r.leafText('type'),
    }),
    write: (c, w, path) => {
      for (const name of ['host', 'bus', 'target', 'lun'] as const) writeCount(w, name, c[name], UINT_MAX, `${path}/${name}`, true);
      writeText(w, 'type', c.deviceType);
    },
  },
  mdev: {
    fields: fieldsOf<NodeDeviceMdevCapability>({ type: true, typeId: true, uuid: true, iommuGroup: true, attributes: true, extra: true }),
    read: (r) => {
      const typeId = required(r.readLeaf('type', (t) => t.requiredAttr('id')), `${r.path}/type`);
      const fields = { typeId, uuid: r.leafText('uuid'), iommuGroup: readAttrCount(r, 'iommuGroup', 'number') };
      const attributes = r.readLeaves('attr', (a) => ({ name: a.requiredAttr('name'), value: a.requiredAttr('value') }));
      return defined({ ...fields, attributes: attributes.length > 0 ? attributes : undefined });
    },
    write: (c, w, path) => {
      w.leaf('type', { id: requireText(c.typeId, `${path}/type/@id`) });
      writeText(w, 'uuid', c.uuid);
      writeAttrCount(w, 'iommuGroup', 'number', c.iommuGroup, UINT_MAX, path);
      // `attr[i]` (from 0) is the key readLeaves kept each one's leftovers under, not a path.
      itemsAt(c.attributes, `${path}/attr`, 'objects').forEach(([a, at], i) => {
        checkFields(a, MDEV_ATTR_FIELDS, at);
        if (typeof a.value !== 'string') throw new XmlDocumentError('missing-field', `${at}/@value`, 'a string value is required');
        w.leaf('attr', { name: requireText(a.name, `${at}/@name`), value: a.value }, undefined, `attr[${i}]`);
      });
    },
  },
};

/** The nested `<capability type=…>` of a type the model knows, its `type` attribute consumed. */
function nested(r: ElementReader, type: string): ElementReader | undefined {
  const found = r.childWhere('capability', (el) => el.attributes.type === type);
  found?.attr('type');
  return found;
}

function writeFcHost(fc: NodeDeviceScsiHostCapability['fcHost'], path: string): XmlElement | undefined {
  if (fc === undefined) return undefined;
  checkFields(fc, FC_HOST_FIELDS, path);
  const w = new ElementWriter('capability', fc.extra).attr('type', 'fc_host');
  checkWwn(fc.wwnn, `${path}/wwnn`);
  checkWwn(fc.wwpn, `${path}/wwpn`);
  checkWwn(fc.fabricWwn, `${path}/fabric_wwn`);
  writeText(w, 'wwnn', fc.wwnn);
  writeText(w, 'wwpn', fc.wwpn);
  writeText(w, 'fabric_wwn', fc.fabricWwn);
  return w.finish();
}

const TYPES = Object.keys(CODECS) as NodeDeviceCapabilityType[];

export function isModeledCapability(type: string | undefined): type is NodeDeviceCapabilityType {
  return type !== undefined && Object.hasOwn(CODECS, type);
}

/** Reads a `<capability>` of a modeled type (see isModeledCapability). */
export function readCapability(r: ElementReader): NodeDeviceCapability {
  const type = r.requiredAttr('type');
  if (!isModeledCapability(type)) throw new XmlDocumentError('invalid-value', `${r.path}/@type`, `'${type}' is not a modeled capability type`);
  const codec = CODECS[type] as Codec<NodeDeviceCapability>;
  return withExtra({ type, ...codec.read(r) } as NodeDeviceCapability, r);
}

/** Writes a capability; `c` is an object (the device's builder checked its list). */
export function writeCapability(c: OptionalLists<NodeDeviceCapability>, path: string): XmlElement {
  const type: unknown = c.type;
  if (type === undefined || type === '') throw new XmlDocumentError('missing-field', `${path}/@type`, `a capability type is required (one of ${TYPES.join(', ')})`);
  if (typeof type !== 'string' || !isModeledCapability(type)) {
    const why = `${JSON.stringify(type) ?? String(type)} is not a capability type the description models (${TYPES.join(', ')}); others are kept in the device's extra`;
    throw new XmlDocumentError('invalid-value', `${path}/@type`, why);
  }
  const codec = CODECS[type] as Codec<NodeDeviceCapability>;
  checkFields(c, codec.fields, path);
  const w = new ElementWriter('capability', c.extra).attr('type', type);
  codec.write(c, w, path);
  return w.finish();
}
