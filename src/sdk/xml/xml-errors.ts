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
 * The path of the `index`-th (from 0) of `count` items at `path` (`/network/ip`): bare when there
 * is one (`/network/ip`), numbered from 1 when there are several (`/network/ip[2]`). The one rule
 * for numbering paths, used by readers for what they read and by builders for what they are
 * given, so that a bad element has one path whichever way it is met. It is XPath's, and reads as
 * the document does: where there is one `ip`, `ip` names it (`ip[1]` would suggest others).
 */
export function itemPath(path: string, index: number, count: number): string {
  return count > 1 ? `${path}[${index + 1}]` : path;
}

/** itemPath for the `index`-th of `count` sibling elements called `name` under `parent` (`devices/disk[2]`, `os`). */
export function elementPath(parent: string, name: string, index: number, count: number): string {
  return itemPath(`${parent}/${name}`, index, count);
}

export function isXmlDocumentError(e: unknown): e is XmlDocumentError {
  return e instanceof XmlDocumentError;
}
