// The raw layer: XML text <-> a plain element tree, through one shared fast-xml-parser setup.
// Everything stays a string here (no number/boolean coercion: UUIDs, MACs, octal modes and
// 64-bit sizes would be damaged); the typed documents convert values themselves.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { elementPath, XmlDocumentError } from './xml-errors.js';

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
}
export interface XmlText {
  readonly text: string;
}
export type XmlNode = XmlElement | XmlText;

export function isXmlElement(node: XmlNode): node is XmlElement {
  return 'name' in node;
}

const TEXT = '#text';
const ATTRS = ':@';

const XML_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

/** A character XML allows (its Char production): a reference to anything else is malformed. */
const isXmlChar = (c: number): boolean =>
  c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);

/**
 * Entity references as XML defines them, decoded in one pass: the five predefined entities and
 * character references (`&#233;`, `&#xe9;`), which libvirt writes for some characters. One pass
 * matters: `&amp;#233;` is the text `&#233;`, not `é`. Anything else is refused as malformed:
 * libvirt documents declare no entities, and expanding declared ones is a way to blow up memory.
 */
const entityDecoder = {
  decode(text: string): string {
    if (!text.includes('&')) return text;
    return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z][\w.-]*);|&/g, (ref: string, body: string | undefined) => {
      if (body === undefined) throw new XmlDocumentError('malformed', '/', 'malformed XML: a bare & (write &amp;)');
      if (!body.startsWith('#')) {
        const named = Object.hasOwn(XML_ENTITIES, body) ? XML_ENTITIES[body] : undefined;
        if (named === undefined) throw new XmlDocumentError('malformed', '/', `malformed XML: undefined entity ${ref}`);
        return named;
      }
      const code = body[1] === 'x' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
      if (!isXmlChar(code)) throw new XmlDocumentError('malformed', '/', `malformed XML: ${ref} is not a character XML allows`);
      return String.fromCodePoint(code);
    });
  },
  addInputEntities(entities: Record<string, string>): void {
    if (Object.keys(entities).length > 0) throw new XmlDocumentError('malformed', '/', 'entity declarations are not accepted');
  },
  setExternalEntities(): void {},
  reset(): void {},
  setXmlVersion(): void {},
};

// preserveOrder keeps sibling order (libvirt keeps disk order meaningful) and repeated elements
// in one list; attributes and text are kept verbatim, entities decoded on read, encoded on write
// (by buildXmlElement's own writer, which formats as libvirt does).
const parserOptions = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: TEXT,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
} as const;

/**
 * How deep elements may nest below the root: libxml2's limit, which libvirt parses with
 * ("Excessive depth in document: 256"). A disk's nested <backingStore> chain is the deep part of
 * real documents; fast-xml-parser's own default (100) refused chains libvirt reads and writes.
 */
const MAX_XML_DEPTH = 256;

const parser = new XMLParser({ ...parserOptions, entityDecoder, maxNestedTags: MAX_XML_DEPTH });

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;',
};
/**
 * Escaped for writing. A parser normalises raw line ends (CR) everywhere and raw tabs and line
 * feeds in attribute values (to spaces): written as references they come back as they were.
 */
const escapeText = (s: string): string => s.replace(/[&<>"'\r]/g, (c) => ESCAPES[c] as string);
const escapeAttribute = (s: string): string => s.replace(/[&<>"'\t\n\r]/g, (c) => ESCAPES[c] as string);

type FxpNode = Record<string, unknown>;

/** Parses `xml` and checks that its single root element is `expectedRoot`. */
export function parseXmlElement(xml: string, expectedRoot: string): XmlElement {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new XmlDocumentError('malformed', '/', `malformed XML at ${line}:${col ?? '?'}: ${msg}`);
  }
  const roots = parseTree(xml).map(fromFxp).filter(isXmlElement);
  const [root, ...rest] = roots;
  // The validator accepts several top-level elements; a libvirt document has exactly one.
  if (root === undefined || rest.length > 0) {
    throw new XmlDocumentError('malformed', '/', `expected exactly one root element, found ${roots.length}`);
  }
  if (root.name !== expectedRoot) {
    throw new XmlDocumentError('unexpected-root', `/${root.name}`, `expected <${expectedRoot}>, found <${root.name}>`);
  }
  return root;
}

/** fast-xml-parser's tree; what it refuses (a DOCTYPE it cannot read) is malformed XML. */
function parseTree(xml: string): FxpNode[] {
  try {
    return parser.parse(xml) as FxpNode[];
  } catch (err) {
    if (err instanceof XmlDocumentError) throw err;
    const message = (err as Error).message;
    if (message === 'Maximum nested tags exceeded') {
      throw new XmlDocumentError('malformed', '/', `elements nest more than ${MAX_XML_DEPTH} deep below the root (libvirt's limit too)`);
    }
    throw new XmlDocumentError('malformed', '/', `malformed XML: ${message}`);
  }
}

/** Serialises an element tree the way libvirt formats XML: two-space indent, empty elements self-closed. */
export function buildXmlElement(root: XmlElement): string {
  checkCharacters(root, `/${root.name}`, 0);
  const lines: string[] = [];
  writeIndented(root, '', lines);
  return lines.join('\n') + '\n';
}

/**
 * As libxml2's format mode (libvirt's writer) does: an element that holds only elements is
 * indented; one that holds any text is written inline, since whitespace added there would
 * become part of its text (mixed content in foreign <metadata>, for one).
 */
function writeIndented(el: XmlElement, indent: string, lines: string[]): void {
  const children = el.children.filter((c) => isXmlElement(c) || c.text !== '');
  if (children.length === 0 || !children.every(isXmlElement)) {
    lines.push(indent + writeInline(el));
    return;
  }
  lines.push(`${indent}${startTag(el)}>`);
  for (const child of children) writeIndented(child, `${indent}  `, lines);
  lines.push(`${indent}</${el.name}>`);
}

function writeInline(node: XmlNode): string {
  if (!isXmlElement(node)) return escapeText(node.text);
  const inner = node.children.map(writeInline).join('');
  return inner === '' ? `${startTag(node)}/>` : `${startTag(node)}>${inner}</${node.name}>`;
}

function startTag(el: XmlElement): string {
  return `<${el.name}${Object.entries(el.attributes).map(([k, v]) => ` ${k}="${escapeAttribute(v)}"`).join('')}`;
}

/** The first character of `value` that XML cannot carry, escaped or not (a control character). */
function badCharacter(value: string): number | undefined {
  for (const ch of value) {
    const c = ch.codePointAt(0) as number;
    if (!isXmlChar(c)) return c;
  }
  return undefined;
}

// XML's Name production (namespace prefixes included): what an element or attribute name may be.
const XML_NAME =
  /^[:A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\u{10000}-\u{EFFFF}][-.0-9:A-Z_a-z\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C\u200D\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\u{10000}-\u{EFFFF}]*$/u;

/** Refuses a name that is not an XML name: written as it is, it could end the tag and inject markup. */
function checkName(name: unknown, path: string): void {
  if (typeof name !== 'string' || !XML_NAME.test(name)) {
    throw new XmlDocumentError('invalid-value', path, `${JSON.stringify(name) ?? String(name)} is not an XML name`);
  }
}

/**
 * Refuses values no XML document can hold (a control character, a lone surrogate) and names that
 * are not XML names, with the path of the first: written out, they would make a document libvirt
 * rejects as a whole, or one with markup nobody meant.
 */
function checkCharacters(el: XmlElement, path: string, depth: number): void {
  // Deeper than libvirt reads (or a tree that contains itself): refused before recursing further.
  if (depth > MAX_XML_DEPTH) throw new XmlDocumentError('invalid-value', path, `elements nest more than ${MAX_XML_DEPTH} deep below the root`);
  const refuse = (where: string, c: number): never => {
    throw new XmlDocumentError('invalid-value', where, `U+${c.toString(16).toUpperCase().padStart(4, '0')} cannot be written in XML`);
  };
  const check = (where: string, value: unknown): void => {
    if (typeof value === 'number') throw new XmlDocumentError('invalid-value', where, `must be an integer, got ${value}`);
    if (typeof value !== 'string') throw new XmlDocumentError('invalid-value', where, `must be a string, got ${value === null ? 'null' : typeof value}`);
    const c = badCharacter(value);
    if (c !== undefined) refuse(where, c);
  };
  checkName(el.name, path);
  for (const [name, value] of Object.entries(el.attributes)) {
    checkName(name, `${path}/@${name}`);
    check(`${path}/@${name}`, value);
  }
  // Numbered as a reader numbers them: the first of several is [1], not the bare name.
  const count = countByName(el.children);
  const seen = new Map<string, number>();
  for (const child of el.children) {
    if (!isXmlElement(child)) {
      check(path, child.text);
      continue;
    }
    const n = seen.get(child.name) ?? 0;
    seen.set(child.name, n + 1);
    checkCharacters(child, elementPath(path, child.name, n, count.get(child.name) as number), depth + 1);
  }
}

/** How many child elements there are of each name (for their paths: see elementPath). */
export function countByName(children: readonly XmlNode[]): Map<string, number> {
  const count = new Map<string, number>();
  for (const child of children) if (isXmlElement(child)) count.set(child.name, (count.get(child.name) ?? 0) + 1);
  return count;
}

function fromFxp(node: FxpNode): XmlNode {
  const name = Object.keys(node).find((k) => k !== ATTRS);
  if (name === undefined || name === TEXT) return { text: String(node[TEXT] ?? '') };
  const raw = (node[name] as FxpNode[] | undefined) ?? [];
  const all = raw.map(fromFxp).filter((c) => isXmlElement(c) || c.text !== '');
  // Blank text in an element that holds elements and no other text is indentation: dropping it
  // lets the writer re-indent. Anywhere else (mixed content, an element of blanks) it is text.
  const indentation = all.some(isXmlElement) && all.every((c) => isXmlElement(c) || c.text.trim() === '');
  const children = indentation ? all.filter(isXmlElement) : all;
  const attributes = { ...((node[ATTRS] as Record<string, string> | undefined) ?? {}) };
  return { name, attributes, children };
}
