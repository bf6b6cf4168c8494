// Function-like C macros, written in TypeScript by hand: their C bodies (pointer arithmetic,
// casts) do not translate mechanically. Each entry: parameters with TS types, return type, body.
// A function-like macro missing here (and from skips.ts) stops the generator.

export interface MacroImpl { params: string; returns: string; body: string }

export const macroImplementations: Readonly<Record<string, MacroImpl>> = {
  LIBVIR_CHECK_VERSION: {
    params: 'major: number, minor: number, micro: number', returns: 'boolean',
    body: 'return major * 1000000 + minor * 1000 + micro <= LIBVIR_VERSION_NUMBER;',
  },
  VIR_CPU_MAPLEN: { params: 'cpu: number', returns: 'number', body: 'return Math.floor((cpu + 7) / 8);' },
  VIR_CPU_USED: {
    params: 'cpumap: Uint8Array, cpu: number', returns: 'boolean',
    body: 'return ((cpumap[Math.floor(cpu / 8)] ?? 0) & (1 << (cpu % 8))) !== 0;',
  },
  VIR_USE_CPU: {
    params: 'cpumap: Uint8Array, cpu: number', returns: 'void',
    body: 'cpumap[Math.floor(cpu / 8)] = (cpumap[Math.floor(cpu / 8)] ?? 0) | (1 << (cpu % 8));',
  },
  VIR_UNUSE_CPU: {
    params: 'cpumap: Uint8Array, cpu: number', returns: 'void',
    body: 'cpumap[Math.floor(cpu / 8)] = (cpumap[Math.floor(cpu / 8)] ?? 0) & ~(1 << (cpu % 8));',
  },
  VIR_GET_CPUMAP: {
    params: 'cpumaps: Uint8Array, maplen: number, vcpu: number', returns: 'Uint8Array',
    body: 'return cpumaps.subarray(vcpu * maplen, (vcpu + 1) * maplen);',
  },
  VIR_CPU_USABLE: {
    params: 'cpumaps: Uint8Array, maplen: number, vcpu: number, cpu: number', returns: 'boolean',
    body: 'return VIR_CPU_USED(VIR_GET_CPUMAP(cpumaps, maplen, vcpu), cpu);',
  },
  VIR_COPY_CPUMAP: {
    params: 'cpumaps: Uint8Array, maplen: number, vcpu: number, cpumap: Uint8Array', returns: 'void',
    body: 'cpumap.set(VIR_GET_CPUMAP(cpumaps, maplen, vcpu));',
  },
  VIR_NODEINFO_MAXCPUS: {
    params: 'nodeinfo: { nodes: number; sockets: number; cores: number; threads: number }', returns: 'number',
    body: 'return nodeinfo.nodes * nodeinfo.sockets * nodeinfo.cores * nodeinfo.threads;',
  },
  // The *_EVENT_CALLBACK macros are C casts to the generic callback type. In TS a callback with
  // its real prototype is passed as a TypedCallback, which these build.
  VIR_DOMAIN_EVENT_CALLBACK: {
    params: 'cb: (...args: never[]) => unknown, functype = "virConnectDomainEventGenericCallback"', returns: 'TypedCallback',
    body: 'return { functype, fn: cb };',
  },
  VIR_NETWORK_EVENT_CALLBACK: {
    params: 'cb: (...args: never[]) => unknown, functype = "virConnectNetworkEventGenericCallback"', returns: 'TypedCallback',
    body: 'return { functype, fn: cb };',
  },
  VIR_STORAGE_POOL_EVENT_CALLBACK: {
    params: 'cb: (...args: never[]) => unknown, functype = "virConnectStoragePoolEventGenericCallback"', returns: 'TypedCallback',
    body: 'return { functype, fn: cb };',
  },
  VIR_NODE_DEVICE_EVENT_CALLBACK: {
    params: 'cb: (...args: never[]) => unknown, functype = "virConnectNodeDeviceEventGenericCallback"', returns: 'TypedCallback',
    body: 'return { functype, fn: cb };',
  },
  VIR_SECRET_EVENT_CALLBACK: {
    params: 'cb: (...args: never[]) => unknown, functype = "virConnectSecretEventGenericCallback"', returns: 'TypedCallback',
    body: 'return { functype, fn: cb };',
  },
};
