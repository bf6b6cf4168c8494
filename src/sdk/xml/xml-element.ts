// Reading and writing one element of a typed document. The reader records which attributes and
// children the typed model consumed; whatever is left becomes an `XmlExtra`, and the writer puts
// it back, so build(parse(xml)) keeps everything libvirt wrote even where the model is partial.
import { countByName, isXmlElement, type XmlElement, type XmlNode } from './xml-codec.js';
import { elementPath, XmlDocumentError } from './xml-errors.js';
import { checkSize, parseSize, type SizeValue } from './xml-units.js';

/** The part of an element the typed model does not cover, kept verbatim. */
export interface XmlExtra {
  readonly attributes?: Readonly<Record<string, string>>;
  /** Unmodeled child nodes with their original position among siblings, so build restores order. */
  readonly children?: readonly XmlExtraChild[];
  /** Leftovers of modeled value-only children (e.g. a `type` on `<mac address=…>`), keyed by child. */
  readonly leaves?: Readonly<Record<string, XmlExtra>>;
}
export interface XmlExtraChild {
  readonly index: number;
  readonly node: XmlNode;
}

export class ElementReader {
  private readonly usedAttributes = new Set<string>();
  private readonly usedChildren = new Set<number>();
  private readonly leaves: Record<string, XmlExtra> = {};
  /** Per child name: where child() resumes, and how many of that name come before it. */
  private readonly cursors = new Map<string, { index: number; seen: number }>();
  /** How many children of each name, counted when first needed: a path numbers a name that repeats. */
  private counts: Map<string, number> | undefined;

  constructor(readonly element: XmlElement, readonly path: string) {}

  attr(name: string): string | undefined {
    this.usedAttributes.add(name);
    return this.element.attributes[name];
  }

  requiredAttr(name: string): string {
    const value = this.attr(name);
    if (value === undefined) throw new XmlDocumentError('missing-field', `${this.path}/@${name}`, `attribute '${name}' is required`);
    return value;
  }

  /** The next not-yet-consumed child element called `name`; its path numbers it among all of that name. */
  child(name: string): ElementReader | undefined {
    // Resumes after the last one returned (every earlier one is consumed), so reading n
    // repeated children such as <disk> takes time in n, not n squared.
    const from = this.cursors.get(name) ?? { index: 0, seen: 0 };
    const children = this.element.children;
    let seen = from.seen;
    for (let i = from.index; i < children.length; i++) {
      const node = children[i] as XmlNode;
      if (!isXmlElement(node) || node.name !== name) continue;
      seen += 1;
      if (this.usedChildren.has(i)) continue;
      this.usedChildren.add(i);
      this.cursors.set(name, { index: i + 1, seen });
      this.counts ??= countByName(children);
      return new ElementReader(node, elementPath(this.path, name, seen - 1, this.counts.get(name) as number));
    }
    this.cursors.set(name, { index: children.length, seen });
    return undefined;
  }

  /**
   * The not-yet-consumed children called `name`, or any of several names in document order (a
   * filter's rules and references interleave).
   */
  children(...names: [string, ...string[]]): ElementReader[] {
    const [name, ...more] = names;
    if (more.length === 0) return this.childrenNamed(name);
    const position = new Map(this.element.children.map((node, i) => [node, i]));
    return names.flatMap((n) => this.childrenNamed(n)).sort((a, b) => (position.get(a.element) as number) - (position.get(b.element) as number));
  }

  private childrenNamed(name: string): ElementReader[] {
    const out: ElementReader[] = [];
    for (let c = this.child(name); c !== undefined; c = this.child(name)) out.push(c);
    return out;
  }

  /**
   * The first not-yet-consumed child called `name` that `accept` takes; the others stay for
   * extra(). For siblings of one name of which the model knows some kinds only (a node device's
   * `<capability type=…>`). Each call scans the children: for the few such siblings a document has.
   * The path gives the position among all siblings of that name.
   */
  childWhere(name: string, accept: (el: XmlElement) => boolean): ElementReader | undefined {
    const named = this.element.children.flatMap((node, index) => (isXmlElement(node) && node.name === name ? [{ node, index }] : []));
    const at = named.findIndex(({ node, index }) => !this.usedChildren.has(index) && accept(node));
    const found = named[at];
    if (found === undefined) return undefined;
    this.usedChildren.add(found.index);
    return new ElementReader(found.node, elementPath(this.path, name, at, named.length));
  }

  /** The element's own text; undefined when it has no text at all. */
  text(): string | undefined {
    const parts: string[] = [];
    for (const [i, node] of this.element.children.entries()) {
      if (isXmlElement(node)) continue;
      this.usedChildren.add(i);
      parts.push(node.text);
    }
    return parts.length === 0 ? undefined : parts.join('');
  }

  /** Text of a value-only child such as `<name>`; '' when the child is present but empty. */
  leafText(name: string, key = name): string | undefined {
    return this.readLeaf(name, (child) => child.text() ?? '', key);
  }

  /** One attribute of a value-only child such as `<mac address=…/>`. */
  leafAttr(name: string, attribute: string, key = name): string | undefined {
    return this.readLeaf(name, (child) => child.attr(attribute), key);
  }

  /**
   * A value-only child (`<port start=… end=…/>`) as `read` makes it; what `read` leaves of it is
   * kept under `key` for the writer's leaf(). Undefined when the child is absent.
   */
  readLeaf<T>(name: string, read: (child: ElementReader) => T, key = name): T | undefined {
    const child = this.child(name);
    if (child === undefined) return undefined;
    const value = read(child);
    this.keepLeaf(key, child);
    return value;
  }

  /** Every value-only child of one name (`<boot dev=…/>` repeated), the leftovers of each under `name[i]` (from 0). */
  readLeaves<T>(name: string, read: (child: ElementReader) => T): T[] {
    return this.children(name).map((child, i) => {
      const value = read(child);
      this.keepLeaf(`${name}[${i}]`, child);
      return value;
    });
  }

  /** Presence of a marker child such as `<readonly/>`. */
  flag(name: string): boolean {
    const child = this.child(name);
    if (child !== undefined) this.keepLeaf(name, child);
    return child !== undefined;
  }

  /** Consumes marker children that carry nothing but their name (e.g. `<acpi/>`), in order. */
  bareChildren(): string[] {
    const names: string[] = [];
    for (const [i, node] of this.element.children.entries()) {
      if (this.usedChildren.has(i) || !isXmlElement(node)) continue;
      if (node.children.length > 0 || Object.keys(node.attributes).length > 0) continue;
      this.usedChildren.add(i);
      names.push(node.name);
    }
    return names;
  }

  keepLeaf(key: string, child: ElementReader): void {
    const extra = child.extra();
    if (extra !== undefined) this.leaves[key] = extra;
  }

  extra(): XmlExtra | undefined {
    const attributes = Object.entries(this.element.attributes).filter(([k]) => !this.usedAttributes.has(k));
    // Blanks in a modeled element whose text the model does not read are layout, not content
    // (libvirt writes an empty <source> of a pool as one with a line break inside).
    const leftover = (node: XmlNode, index: number): boolean => !this.usedChildren.has(index) && (isXmlElement(node) || node.text.trim() !== '');
    const children = this.element.children.flatMap((node, index) => (leftover(node, index) ? [{ index, node }] : []));
    const extra: { attributes?: Record<string, string>; children?: XmlExtraChild[]; leaves?: Record<string, XmlExtra> } = {};
    if (attributes.length > 0) extra.attributes = Object.fromEntries(attributes);
    if (children.length > 0) extra.children = children;
    if (Object.keys(this.leaves).length > 0) extra.leaves = { ...this.leaves };
    return Object.keys(extra).length > 0 ? extra : undefined;
  }
}

type AttrValue = string | number | bigint | undefined;

/**
 * A value as written: strings as they are, bigints and safe integers in decimal (every number in
 * these documents is an integer). Anything else (NaN, 1.5, an object from untyped code) is kept
 * as it is, so that buildXmlElement refuses it with the path where it would have been written,
 * instead of sending libvirt "NaN" or "[object Object]".
 */
export function xmlValue(value: string | number | bigint): string {
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value))) return String(value);
  return value as string;
}

export class ElementWriter {
  private readonly attributes: Record<string, string> = {};
  private readonly nodes: XmlNode[] = [];

  constructor(private readonly name: string, private readonly extra?: XmlExtra) {}

  attr(name: string, value: AttrValue): this {
    if (value !== undefined) this.attributes[name] = xmlValue(value);
    return this;
  }

  attrs(values: Readonly<Record<string, AttrValue>>): this {
    for (const [k, v] of Object.entries(values)) this.attr(k, v);
    return this;
  }

  text(text: string | undefined): this {
    if (text !== undefined && text !== '') this.nodes.push({ text });
    return this;
  }

  child(element: XmlElement | undefined): this {
    if (element !== undefined) this.nodes.push(element);
    return this;
  }

  /** A value-only child; `key` finds its leftovers from parsing (defaults to the element name). */
  leaf(name: string, attributes: Readonly<Record<string, AttrValue>> = {}, text?: string, key = name): this {
    return this.child(new ElementWriter(name, this.extra?.leaves?.[key]).attrs(attributes).text(text).finish());
  }

  /**
   * The paths of the next `count` children called `name`, to be written one after the other from
   * now, numbered as a reader numbers them: among all of that name once finish() has put back the
   * kept ones (a node device's capabilities of types the model lacks are in `extra`, between the
   * typed ones).
   */
  childPaths(parent: string, name: string, count: number): (i: number) => string {
    const kept = [...(this.extra?.children ?? [])].sort((a, b) => a.index - b.index);
    const keptNamed = kept.filter(({ node }) => isXmlElement(node) && node.name === name).length;
    const start = this.nodes.length;
    return (i) => {
      // finish() inserts each kept child at its index, in index order: one lands before this
      // child when its index is at most the child's position at that moment.
      let position = start + i;
      let before = 0;
      for (const { index, node } of kept) {
        if (index > position) break;
        position += 1;
        if (isXmlElement(node) && node.name === name) before += 1;
      }
      return elementPath(parent, name, i + before, count + keptNamed);
    };
  }

  finish(): XmlElement {
    // Modeled attributes win; unmodeled ones follow (attribute order carries no meaning in XML).
    const leftovers = Object.entries(this.extra?.attributes ?? {}).filter(([k]) => !(k in this.attributes));
    const attributes = { ...this.attributes, ...Object.fromEntries(leftovers) };
    const children = [...this.nodes];
    const extras = [...(this.extra?.children ?? [])].sort((a, b) => a.index - b.index);
    for (const { index, node } of extras) children.splice(Math.min(index, children.length), 0, node);
    return { name: this.name, attributes, children };
  }
}

/**
 * A part the document must have, as read (`r.child('os')`, `r.leafText('name')`) or as given to a
 * builder: absent is a missing-field error at `path`, which names an element or an `@attribute`.
 */
export function required<T>(value: T | undefined, path: string): T {
  if (value !== undefined) return value;
  const last = path.slice(path.lastIndexOf('/') + 1);
  throw new XmlDocumentError('missing-field', path, last.startsWith('@') ? `attribute '${last.slice(1)}' is required` : 'element is required');
}

/** Parses an unsigned decimal integer field that fits in a JS number (counts, ports, IDs). */
export function parseCount(text: string | undefined, path: string): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^-?\d+$/.test(t) || !Number.isSafeInteger(Number(t))) throw new XmlDocumentError('invalid-value', path, `'${text}' is not an integer`);
  return Number(t);
}

/** An integer attribute such as `<port start='1024'>`, reported at its own path; undefined when absent. */
export function countAttr(r: ElementReader, name: string): number | undefined {
  return parseCount(r.attr(name), `${r.path}/@${name}`);
}

/** An integer in a value-only child such as `<owner>107</owner>`; undefined when absent. */
export function countLeaf(r: ElementReader, name: string): number | undefined {
  return parseCount(r.leafText(name), `${r.path}/${name}`);
}

/** An integer attribute the document must have. */
export function requiredCountAttr(r: ElementReader, name: string): number {
  return parseCount(r.requiredAttr(name), `${r.path}/@${name}`) as number;
}

/** A description under construction: a reader fills its fields in one at a time. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Copies the defined entries only: exactOptionalPropertyTypes forbids explicit `undefined`. */
export function defined<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Attaches what `reader` did not consume, if anything, as `extra`. */
export function withExtra<T extends object>(value: T, reader: ElementReader): T {
  const extra = reader.extra();
  return extra === undefined ? value : { ...value, extra };
}

/** Reads a size child such as `<memory unit='KiB'>1024</memory>`; undefined when absent. */
export function readSizeChild(r: ElementReader, name: string): SizeValue | undefined {
  const el = r.child(name);
  if (el === undefined) return undefined;
  const size = parseSize(el.text(), el.attr('unit'), el.path);
  r.keepLeaf(name, el);
  return size;
}

/** Writes a size child; a missing or invalid size is reported at `path`. */
export function writeSizeChild(w: ElementWriter, name: string, size: SizeValue | undefined, path: string): void {
  if (size === undefined) throw new XmlDocumentError('missing-field', path, 'element is required');
  checkSize(size, path);
  w.leaf(name, { unit: size.unit }, size.value.toString());
}
