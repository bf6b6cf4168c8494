// Argument checks of the Stream API: bad input is a LibvirtError (VIR_ERR_INVALID_ARG) before
// anything reaches the stream thread.
import * as v from '../../generated/index.js';
import { tsvirtError } from '../ffi/index.js';
import type { FileExtent } from './stream-protocol.js';

export function invalid(message: string): Error {
  return tsvirtError(v.VIR_ERR_INVALID_ARG, 'stream', message);
}

export function checkLength(what: string, n: number, min = 0): void {
  if (!Number.isSafeInteger(n) || n < min) throw invalid(`${what} must be an integer of at least ${min}, got ${String(n)}`);
}

export function checkFileRange(fd: number, position: number, length: number): void {
  checkLength('file descriptor', fd);
  checkLength('file position', position);
  checkLength('length', length);
}

export function checkFileExtents(fd: number, extents: FileExtent[]): void {
  checkLength('file descriptor', fd);
  for (const e of extents) {
    checkLength('extent offset', e.offset);
    checkLength('extent length', e.length);
  }
}

export const isShared = (a: Uint8Array): boolean => a.buffer instanceof SharedArrayBuffer;

export function checkShared(window: unknown): void {
  if (!(window instanceof Uint8Array) || !isShared(window) || window.length === 0) {
    throw invalid('recvInto: window must be a non-empty Uint8Array over a SharedArrayBuffer');
  }
}

/** A window for recvInto() and zero-copy send(): `size` bytes of shared memory. */
export function streamWindow(size: number): Uint8Array {
  checkLength('window size', size, 1);
  return new Uint8Array(new SharedArrayBuffer(size));
}
