// Reading and writing the value-only children node device capabilities are made of: counts,
// 64-bit byte counts, PCI/USB ids, fibre channel names. Ranges are libvirt's (with the reason).
import { XmlDocumentError } from './xml-errors.js';
import { countLeaf, defined, required, requiredCountAttr, xmlValue, type ElementReader, type ElementWriter } from './xml-element.js';
import { checkFields, checkInteger, fieldsOf, requireText } from './xml-checks.js';
import { checkSize, parseSize } from './xml-units.js';

/** A PCI or USB id as libvirt writes it (hexadecimal: '0x8086') and its name from the ids database. */
export interface NodeDeviceId {
  readonly id: string;
  readonly name?: string;
}

const ID_FIELDS = fieldsOf<NodeDeviceId>({ id: true, name: true });

/** Text of a child libvirt's own parser requires (a device's `<block>`, a net's `<interface>`). */
export function requiredText(r: ElementReader, name: string): string {
  return required(r.leafText(name), `${r.path}/${name}`);
}

export function requiredCount(r: ElementReader, name: string): number {
  return required(countLeaf(r, name), `${r.path}/${name}`);
}

/** An unsigned 64-bit value (bytes, blocks): a bigint, as sizes are everywhere in these documents. */
export function readBig(r: ElementReader, name: string): bigint | undefined {
  const text = r.leafText(name);
  return text === undefined ? undefined : parseSize(text, undefined, `${r.path}/${name}`).value;
}

/** A count held in an attribute of a value-only child (`<iommuGroup number='12'>`), required when the child is there. */
export function readAttrCount(r: ElementReader, name: string, attribute: string): number | undefined {
  return r.readLeaf(name, (child) => requiredCountAttr(child, attribute));
}

/** `<product id='0x0001'>1.1 root hub</product>`: the id is required, as libvirt's parser requires it. */
export function readId(r: ElementReader, name: string): NodeDeviceId {
  const id = r.readLeaf(name, (child) => defined<NodeDeviceId>({ id: child.requiredAttr('id'), name: child.text() }));
  return required(id, `${r.path}/${name}`);
}

export function writeText(w: ElementWriter, name: string, value: string | undefined): void {
  if (value !== undefined) w.leaf(name, {}, value);
}

export function writeCount(w: ElementWriter, name: string, value: number | undefined, max: number, path: string, required = false): void {
  checkInteger(value, 0, max, path, required);
  if (value !== undefined) w.leaf(name, {}, xmlValue(value));
}

/** The counterpart of readAttrCount: `<iommuGroup number='12'/>` under `path`, when the count is given. */
export function writeAttrCount(w: ElementWriter, name: string, attribute: string, value: number | undefined, max: number, path: string): void {
  checkInteger(value, 0, max, `${path}/${name}/@${attribute}`);
  if (value !== undefined) w.leaf(name, { [attribute]: value });
}

export function writeBig(w: ElementWriter, name: string, value: bigint | undefined, path: string): void {
  if (value === undefined) return;
  checkSize({ value }, path);
  w.leaf(name, {}, value.toString());
}

export function writeId(w: ElementWriter, name: string, value: NodeDeviceId | undefined, path: string): void {
  const given = required(value, path);
  checkFields(given, ID_FIELDS, path);
  w.leaf(name, { id: requireText(given.id, `${path}/@id`) }, given.name);
}

/**
 * A fibre channel world wide name as libvirt takes it (virValidateWWN): 16 hexadecimal digits,
 * optionally after '0x'. Checked here because a vHBA made with a bad one fails in the kernel,
 * with an error that names no field.
 */
export function checkWwn(value: unknown, path: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !/^(0x)?[0-9a-fA-F]{16}$/.test(value)) {
    throw new XmlDocumentError('invalid-value', path, `${JSON.stringify(value) ?? String(value)} is not a WWN (16 hexadecimal digits)`);
  }
}
