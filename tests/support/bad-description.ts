// What an SDK method that takes a typed description rejects with when the description does not
// build: a LibvirtError (VIR_ERR_INVALID_ARG) whose cause is the builder's XmlDocumentError.
import { isLibvirtError, isXmlDocumentError } from '../../src/sdk/index.js';
import * as v from '../../generated/index.js';

/** A LibvirtError for a description whose bad field is at `path` (any path when left out). */
export const badDescription = (path?: string) => (e: unknown): boolean =>
  isLibvirtError(e) && e.code === v.VIR_ERR_INVALID_ARG && isXmlDocumentError(e.cause)
  && (path === undefined || (e.cause.path === path && e.message.includes(path)));
