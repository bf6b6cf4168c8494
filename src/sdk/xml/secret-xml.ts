// <secret> documents (virSecretGetXMLDesc / virSecretDefineXML). The secret's value is never in
// them: it is set and read with virSecretSetValue / virSecretGetValue.
import { buildXmlElement, isXmlElement, parseXmlElement, type XmlElement } from './xml-codec.js';
import { XmlDocumentError } from './xml-errors.js';
import { defined, ElementReader, ElementWriter, withExtra, type Mutable, type XmlExtra } from './xml-element.js';
import { checkFields, checkVariant, fieldsOf, requireText } from './xml-checks.js';
import { parseChoice, parseSwitch, switchWord, YES_NO } from './xml-choices.js';

/** What the secret is for, by usage type: each names its object in a child of its own. */
export type SecretUsage =
  /** A storage volume's encryption passphrase, by the volume's path. */
  | { readonly type: 'volume'; readonly volume: string; readonly extra?: XmlExtra }
  /** A Ceph (RBD) client key, by a name of the caller's choosing. */
  | { readonly type: 'ceph'; readonly name: string; readonly extra?: XmlExtra }
  /** iSCSI CHAP credentials, by target. */
  | { readonly type: 'iscsi'; readonly target: string; readonly extra?: XmlExtra }
  /** A TLS key passphrase, by name. */
  | { readonly type: 'tls'; readonly name: string; readonly extra?: XmlExtra }
  /** A vTPM's state encryption key, by name. */
  | { readonly type: 'vtpm'; readonly name: string; readonly extra?: XmlExtra };

export type SecretUsageType = SecretUsage['type'];

export interface SecretDescription {
  /** Kept in memory only, never on disk ('yes'/'no' in XML; libvirt writes 'no' when absent). */
  readonly ephemeral?: boolean;
  /** The value cannot be read back through the API ('yes'/'no'; libvirt writes 'no' when absent). */
  readonly private?: boolean;
  /** libvirt generates one when absent. */
  readonly uuid?: string;
  readonly description?: string;
  /** Absent: a secret for no particular object (libvirt's usage type 'none', which it does not write). */
  readonly usage?: SecretUsage;
  readonly extra?: XmlExtra;
}

/**
 * The child of <usage> that names the secret's object, per usage type: virSecretDefParseUsage
 * reads exactly this one and refuses a usage without it. The description's field has its name.
 */
const USAGE_ID = { volume: 'volume', ceph: 'name', iscsi: 'target', tls: 'name', vtpm: 'name' } as const satisfies Record<SecretUsageType, string>;
const USAGE_TYPES = Object.keys(USAGE_ID) as SecretUsageType[];

export function parseSecretXml(xml: string): SecretDescription {
  const r = new ElementReader(parseXmlElement(xml, 'secret'), '/secret');
  const secret: Mutable<SecretDescription> = defined<SecretDescription>({
    ephemeral: parseSwitch(r.attr('ephemeral'), `${r.path}/@ephemeral`, YES_NO),
    private: parseSwitch(r.attr('private'), `${r.path}/@private`, YES_NO),
    uuid: r.leafText('uuid'),
    description: r.leafText('description'),
  });
  // libvirt reads <usage type='none'/> as no usage at all (and never writes it): it is left in
  // extra, so the description has no usage and the document is written back as it was.
  const usage = isNoneUsage(r) ? undefined : r.child('usage');
  if (usage) secret.usage = readUsage(usage);
  return withExtra(secret, r);
}

function isNoneUsage(r: ElementReader): boolean {
  const usage = r.element.children.find((n) => isXmlElement(n) && n.name === 'usage');
  return usage !== undefined && isXmlElement(usage) && usage.attributes.type === 'none';
}

function readUsage(u: ElementReader): SecretUsage {
  const type = parseChoice(u.requiredAttr('type'), USAGE_TYPES, `${u.path}/@type`) as SecretUsageType;
  const idElement = USAGE_ID[type];
  const id = u.leafText(idElement);
  if (id === undefined || id === '') throw new XmlDocumentError('missing-field', `${u.path}/${idElement}`, `a '${type}' usage names its object in <${idElement}>`);
  // The table pairs each type with its field, which the compiler cannot follow through a computed key.
  return withExtra({ type, [idElement]: id } as unknown as SecretUsage, u);
}

const SECRET_FIELDS = fieldsOf<SecretDescription>({ ephemeral: true, private: true, uuid: true, description: true, usage: true, extra: true });
type Usage<T extends SecretUsageType> = Extract<SecretUsage, { type: T }>;
/** The fields of each usage type: a field of another ('name' on a volume usage) would be left out without a word. */
const USAGE_FIELDS: Readonly<Record<SecretUsageType, readonly string[]>> = {
  volume: fieldsOf<Usage<'volume'>>({ type: true, volume: true, extra: true }),
  ceph: fieldsOf<Usage<'ceph'>>({ type: true, name: true, extra: true }),
  iscsi: fieldsOf<Usage<'iscsi'>>({ type: true, target: true, extra: true }),
  tls: fieldsOf<Usage<'tls'>>({ type: true, name: true, extra: true }),
  vtpm: fieldsOf<Usage<'vtpm'>>({ type: true, name: true, extra: true }),
};

// Written in libvirt's own order (virSecretDefFormat) so that unchanged documents come back identical.
export function buildSecretXml(doc: SecretDescription): string {
  const path = '/secret';
  checkFields(doc, SECRET_FIELDS, path, true);
  const w = new ElementWriter('secret', doc.extra).attrs({
    ephemeral: switchWord(doc.ephemeral, `${path}/@ephemeral`, YES_NO),
    private: switchWord(doc.private, `${path}/@private`, YES_NO),
  });
  if (doc.uuid !== undefined) w.leaf('uuid', {}, doc.uuid);
  if (doc.description !== undefined) w.leaf('description', {}, doc.description);
  return buildXmlElement(w.child(writeUsage(doc.usage, `${path}/usage`)).finish());
}

function writeUsage(u: SecretUsage | undefined, path: string): XmlElement | undefined {
  if (u === undefined) return undefined;
  const type = checkVariant(u, 'type', USAGE_FIELDS, path);
  const idElement = USAGE_ID[type];
  const id = requireText((u as unknown as Record<string, string | undefined>)[idElement], `${path}/${idElement}`);
  return new ElementWriter('usage', u.extra).attr('type', type).leaf(idElement, {}, id).finish();
}
