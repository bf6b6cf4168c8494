// Methods that take a document as XML or as a typed description. Building the XML checks the
// description; what that throws rejects the method's Promise, as every failure of a
// Promise-returning method does (a caller's Promise.all must not stop half-way on a throw).
import { describeValue, tsvirtError, VIR_ERR_INVALID_ARG } from '../ffi/index.js';
import { invoke } from './surface.js';
import { isXmlDocumentError } from './xml/index.js';

/**
 * XML as given, or built (and validated) from a typed description. A description that does not
 * build is a bad argument like any other, so the method rejects with a LibvirtError
 * (VIR_ERR_INVALID_ARG) as its other argument checks do; the builder's XmlDocumentError is its
 * `cause`, for the `path` and `code`. The build functions called directly still throw it.
 */
function xmlOf<D>(fn: string, definition: string | D, build: (d: D) => string): string {
  if (typeof definition === 'string') return definition;
  if (definition === null || typeof definition !== 'object') {
    throw tsvirtError(VIR_ERR_INVALID_ARG, fn, `${fn}: expected XML or a typed description, got ${describeValue(definition)}`);
  }
  try {
    return build(definition);
  } catch (err) {
    if (!isXmlDocumentError(err)) throw err;
    throw tsvirtError(VIR_ERR_INVALID_ARG, fn, `${fn}: bad description: ${err.message}`, { cause: err });
  }
}

/** Runs C function `fn` with the arguments `args` makes of the definition's XML. */
export function invokeWithXml<D, T>(fn: string, definition: string | D, build: (d: D) => string, args: (xml: string) => unknown[]): Promise<T> {
  let xml: string;
  try {
    xml = xmlOf(fn, definition, build);
  } catch (err) {
    return Promise.reject(err);
  }
  return invoke(fn, args(xml)) as Promise<T>;
}
