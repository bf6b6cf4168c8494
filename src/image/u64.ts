/**
 * 64-bit big-endian fields as JS numbers. Values at or above 2^53 cannot be represented exactly,
 * so they are refused with a typed error instead of being rounded into a plausible offset.
 */
import { ImageOffsetError } from './errors.js';

const TWO_32 = 2 ** 32;
/** hi word limit: hi * 2^32 must stay below 2^53. */
const MAX_SAFE_HI = 2 ** 21;

export function readU64BE(buf: Uint8Array, pos: number, what: string): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hi = view.getUint32(pos, false);
  const lo = view.getUint32(pos + 4, false);
  if (hi >= MAX_SAFE_HI) throw new ImageOffsetError(what, (BigInt(hi) << 32n) | BigInt(lo));
  return hi * TWO_32 + lo;
}

export function readU64LE(buf: Uint8Array, pos: number, what: string): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const lo = view.getUint32(pos, true);
  const hi = view.getUint32(pos + 4, true);
  if (hi >= MAX_SAFE_HI) throw new ImageOffsetError(what, (BigInt(hi) << 32n) | BigInt(lo));
  return hi * TWO_32 + lo;
}

/** For flag words where every bit matters and the value is not an offset. */
export function readBigU64BE(buf: Uint8Array, pos: number): bigint {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getBigUint64(pos, false);
}

export function hexBig(value: bigint): string {
  return value.toString(16);
}
