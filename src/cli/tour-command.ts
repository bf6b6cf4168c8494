// tsvirt tour: the README's first command. Connects (default test:///default), prints the
// versions, the node, every domain with state and memory, and every storage pool with volumes.
import * as v from '../../generated/index.js';
import { formatVersion } from '../ffi/index.js';
import { defaultUri, parseCommandArgs, printTable, type Io } from './args.js';

const stateNames = Object.fromEntries(Object.entries(v.virDomainState).map(([k, n]) => [n, k.replace('VIR_DOMAIN_', '').toLowerCase()]));

export function runTour(argv: string[], io: Io): number {
  const { values } = parseCommandArgs(argv, { connect: { type: 'string', short: 'c' } });
  const uri = defaultUri(values.connect);
  const conn = v.virConnectOpen(uri);
  try {
    io.stdout.write(`connected to ${uri} (${v.virConnectGetType(conn)} driver, libvirt ${formatVersion(v.virConnectGetLibVersion(conn))})\n`);
    const node = v.virNodeGetInfo(conn);
    io.stdout.write(`node: ${node.cpus} CPUs (${node.model}), ${Number(node.memory / 1024n)} MiB\n\n`);
    listDomains(conn, io);
    io.stdout.write('\n');
    listPools(conn, io);
  } finally {
    v.virConnectClose(conn);
  }
  return 0;
}

function listDomains(conn: v.virConnectPtr, io: Io): void {
  const domains = v.virConnectListAllDomains(conn, 0);
  try {
    printTable(io, ['DOMAIN', 'STATE', 'VCPUS', 'MEMORY (MiB)'], domains.map((d) => {
      const info = v.virDomainGetInfo(d);
      return [v.virDomainGetName(d), stateNames[info.state] ?? String(info.state), String(info.nrVirtCpu), String(info.memory / 1024n)];
    }));
  } finally {
    for (const d of domains) v.virDomainFree(d);
  }
}

function listPools(conn: v.virConnectPtr, io: Io): void {
  const pools = v.virConnectListAllStoragePools(conn, 0);
  try {
    const rows: string[][] = [];
    for (const p of pools) {
      const info = v.virStoragePoolGetInfo(p);
      const volumes = info.state === v.VIR_STORAGE_POOL_RUNNING ? v.virStoragePoolListAllVolumes(p, 0) : [];
      rows.push([v.virStoragePoolGetName(p), String(info.capacity / 1024n ** 3n), String(volumes.length)]);
      for (const vol of volumes) v.virStorageVolFree(vol);
    }
    printTable(io, ['POOL', 'CAPACITY (GiB)', 'VOLUMES'], rows);
  } finally {
    for (const p of pools) v.virStoragePoolFree(p);
  }
}
