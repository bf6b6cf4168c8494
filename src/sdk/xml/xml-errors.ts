// One error type for every XML problem so callers can branch on `code` and report `path`
// (an XPath-like location such as `/domain/devices/disk[1]/target/@dev`) without parsing messages.

export type XmlDocumentErrorCode =
  | 'malformed' // not well-formed XML
  | 'unexpected-root' // well-formed, but not the document kind that was asked for
  | 'missing-field' // a required element or attribute is absent
  | 'invalid-value'; // present, but not a value the document type allows

export class XmlDocumentError extends Error {
  override readonly name = 'XmlDocumentError';
  readonly code: XmlDocumentErrorCode;
  readonly path: string;

  constructor(code: XmlDocumentErrorCode, path: string, message: string) {
    super(`${path}: ${message}`);
    this.code = code;
    this.path = path;
  }
}

/**
 * The path of the `index`-th (from 0) of `count` sibling elements called `name` under `parent`:
 * numbered from 1 when the name repeats (`devices/disk[2]`), bare when there is one (`os`), as
 * readers number what they read. (child() alone cannot see later siblings: children() numbers
 * the first of several.)
 */
export function elementPath(parent: string, name: string, index: number, count: number): string {
  return `${parent}/${name}${count > 1 ? `[${index + 1}]` : ''}`;
}

export function isXmlDocumentError(e: unknown): e is XmlDocumentError {
  return e instanceof XmlDocumentError;
}
