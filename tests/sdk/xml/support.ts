// Fixture loading and a semantic XML comparison for the typed-document tests.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseXmlElement, isXmlElement, type XmlElement, type XmlNode } from '../../../src/sdk/xml/index.js';
import { isXmlDocumentError, type XmlDocumentErrorCode } from '../../../src/sdk/xml/index.js';

export function fixture(name: string): string {
  return readFileSync(new URL(`../../fixtures/xml/${name}`, import.meta.url), 'utf8');
}

// Attribute order, quote style and indentation carry no meaning; element order and text do.
function canonical(node: XmlNode): unknown {
  if (!isXmlElement(node)) return node.text;
  const attributes = Object.fromEntries(Object.entries(node.attributes).sort(([a], [b]) => a.localeCompare(b)));
  return { name: node.name, attributes, children: node.children.map(canonical) };
}

export function assertSameXml(actual: string, expected: string, root: string): void {
  const a: XmlElement = parseXmlElement(actual, root);
  const e: XmlElement = parseXmlElement(expected, root);
  assert.deepEqual(canonical(a), canonical(e));
}

/**
 * build(parse(xml)) loses nothing: what was built parses to the same description, and is the same
 * XML as `xml` once `normalised` (for layout the writer does not keep, such as blanks in an empty element).
 */
export function assertRoundTrip<D>(xml: string, parse: (xml: string) => D, build: (doc: D) => string, root: string,
  { normalised = (x: string): string => x, label }: { normalised?: (xml: string) => string; label?: string } = {}): void {
  const parsed = parse(xml);
  const built = build(parsed);
  assert.deepEqual(parse(built), parsed, label);
  assertSameXml(built, normalised(xml), root);
}

export function xmlError(code: XmlDocumentErrorCode, path?: string): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(isXmlDocumentError(e), `expected XmlDocumentError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (path !== undefined) assert.equal(e.path, path, e.message);
    return true;
  };
}
