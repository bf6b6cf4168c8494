// The generated layer directly: C names, typed results, LibvirtError on failure.
// Runs on test:///default (no daemon): `npx tsx examples/generated-layer.ts [URI]`.
import * as v from 'tsvirt';

const conn = v.virConnectOpen(process.argv[2] ?? 'test:///default');
try {
  console.log(`libvirt ${v.formatVersion(v.virConnectGetLibVersion(conn))} (${v.virConnectGetType(conn)} driver)`);
  for (const dom of v.virConnectListAllDomains(conn, 0)) {
    const info = v.virDomainGetInfo(dom); // { state, maxMem: bigint, memory: bigint, nrVirtCpu, cpuTime: bigint }
    console.log(`${v.virDomainGetName(dom)}: state ${info.state}, ${info.memory / 1024n} MiB, ${info.nrVirtCpu} vCPUs`);
    v.virDomainFree(dom); // each listed handle is the caller's to release
  }
  try {
    v.virDomainLookupByName(conn, 'no-such-domain');
  } catch (err) {
    if (!v.isLibvirtError(err)) throw err;
    console.log(`lookup failed as expected: ${err.codeName} (${err.domainName}): ${err.message}`);
  }
} finally {
  v.virConnectClose(conn);
}
