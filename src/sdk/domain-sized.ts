// Domain queries whose C form makes the caller size the output (maxinfo, maplen, nr_stats,
// maxerrors): the SDK works the size out when it is left out, as libvirt-python does, so that
// `dom.getVcpus()` or `dom.memoryStats()` need no knowledge of the host or the domain first.
import type * as G from '../../generated/index.js';
import * as v from '../../generated/index.js';
import { isLibvirtError } from '../ffi/index.js';
import { invoke } from './surface.js';
import type { GeneratedMethods } from './surface-types.js';
import type { Domain } from './domain.js';

type Generic = GeneratedMethods<G.virDomainPtr, 'virDomain', never>;
export type MemoryStats = Awaited<ReturnType<Generic['memoryStats']>>;
export type DiskErrors = Awaited<ReturnType<Generic['getDiskErrors']>>;
export type Vcpus = Awaited<ReturnType<Generic['getVcpus']>>;
export type VcpuPinInfo = Awaited<ReturnType<Generic['getVcpuPinInfo']>>;
export type EmulatorPinInfo = Awaited<ReturnType<Generic['getEmulatorPinInfo']>>;

/** Disk errors; without `maxErrors`, libvirt is asked how many there are first (errors NULL, 0). */
export async function diskErrors(dom: Domain, maxErrors: number | undefined, flags: number): Promise<DiskErrors> {
  const query = (max: number): Promise<DiskErrors> => invoke('virDomainGetDiskErrors', [dom, max, flags]) as Promise<DiskErrors>;
  if (maxErrors !== undefined) return query(maxErrors);
  const { result: count } = await query(0);
  // None: the count query's answer is the whole answer (a second call with 0 would ask again).
  return count === 0 ? { errors: [], result: 0 } : query(count);
}

/**
 * Bytes in one CPU map of the host: one bit per CPU the host has (virNodeGetCPUMap), or, from
 * drivers without it, per CPU virNodeGetInfo counts, as libvirt-python works it out.
 */
async function hostCpuMapLength(dom: Domain): Promise<number> {
  const conn = dom.getConnect();
  try {
    return Math.ceil((await hostCpus(conn)) / 8);
  } finally {
    await conn.close();
  }
}

/** The host's CPU count, as hostCpuMapLength counts it. */
export async function hostCpus(conn: Pick<ReturnType<Domain['getConnect']>, 'nodeGetCPUMap' | 'nodeGetInfo'>): Promise<number> {
  try {
    return (await conn.nodeGetCPUMap()).result;
  } catch (err) {
    if (!isLibvirtError(err) || err.code !== v.VIR_ERR_NO_SUPPORT) throw err;
  }
  const node = await conn.nodeGetInfo();
  return node.nodes * node.sockets * node.cores * node.threads;
}

/** Each vCPU's state and host CPU; `maxInfo` defaults to the domain's vCPU count, `mapLen` to the host's map. */
export async function vcpus(dom: Domain, maxInfo: number | undefined, mapLen: number | undefined): Promise<Vcpus> {
  const [n, len] = await Promise.all([maxInfo ?? dom.getInfo().then((i) => i.vcpus), mapLen ?? hostCpuMapLength(dom)]);
  return invoke('virDomainGetVcpus', [dom, n, len]) as Promise<Vcpus>;
}

/**
 * The pinning of each vCPU. `nCpuMaps` defaults to the most vCPUs the domain may have in the
 * state `flags` names (live or config): as many maps as there can be, `result` says how many.
 */
export async function vcpuPinInfo(dom: Domain, nCpuMaps: number | undefined, mapLen: number | undefined, flags: number): Promise<VcpuPinInfo> {
  const maxVcpus = (): Promise<number> => invoke('virDomainGetVcpusFlags', [dom, flags | v.VIR_DOMAIN_VCPU_MAXIMUM]) as Promise<number>;
  const [n, len] = await Promise.all([nCpuMaps ?? maxVcpus(), mapLen ?? hostCpuMapLength(dom)]);
  return invoke('virDomainGetVcpuPinInfo', [dom, n, len, flags]) as Promise<VcpuPinInfo>;
}

/** The emulator threads' pinning; `mapLen` defaults to the host's CPU map. */
export async function emulatorPinInfo(dom: Domain, mapLen: number | undefined, flags: number): Promise<EmulatorPinInfo> {
  return invoke('virDomainGetEmulatorPinInfo', [dom, mapLen ?? (await hostCpuMapLength(dom)), flags]) as Promise<EmulatorPinInfo>;
}
