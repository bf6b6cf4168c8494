// Bulk virDomainGetInfo for listings: the call thread fills typed arrays, one per field, and
// transfers them (no copy) instead of cloning one object per domain. Measured on 5000 domains
// of the test driver, cloning the objects cost more than the libvirt calls.
import * as v from '../../../generated/index.js';
import type { SerializedError } from './protocol.js';

export interface InfoColumns {
  state: Uint8Array;
  vcpus: Uint16Array;
  maxMem: BigUint64Array;
  memory: BigUint64Array;
  cpuTime: BigUint64Array;
  /** Index -> error, for the domains whose call failed. */
  errors: Record<number, SerializedError>;
}

/** Runs on a call thread. */
export function readInfoColumns(handles: bigint[], serialize: (err: unknown) => SerializedError): InfoColumns {
  const n = handles.length;
  const c: InfoColumns = {
    state: new Uint8Array(n), vcpus: new Uint16Array(n), maxMem: new BigUint64Array(n), memory: new BigUint64Array(n),
    cpuTime: new BigUint64Array(n), errors: {},
  };
  handles.forEach((h, i) => {
    try {
      const info = v.virDomainGetInfo(h as v.virDomainPtr);
      c.state[i] = info.state;
      c.vcpus[i] = info.nrVirtCpu;
      c.maxMem[i] = info.maxMem;
      c.memory[i] = info.memory;
      c.cpuTime[i] = info.cpuTime;
    } catch (err) {
      c.errors[i] = serialize(err);
    }
  });
  return c;
}

export function transferablesOf(c: InfoColumns): ArrayBuffer[] {
  return [c.state, c.vcpus, c.maxMem, c.memory, c.cpuTime].map((a) => a.buffer as ArrayBuffer);
}
