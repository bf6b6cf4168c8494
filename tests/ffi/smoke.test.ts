// The generated layer against the real libvirt (test:///default): side-effect-free getters
// of every object kind the test driver has, checked against what the driver is known to hold
// and against each other.
import assert from 'node:assert/strict';
import * as v from '../../generated/index.js';
import koffi from 'koffi';
import { decodeStruct, decodeTypedParameters, isLibvirtError, koffiOffsetOf, loadedLibvirtVersion, liveHandleCount } from '../../src/ffi/index.js';

function expectNoSupport(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => isLibvirtError(e) && e.codeName === 'VIR_ERR_NO_SUPPORT');
}

describe('generated layer on test:///default', () => {
  let conn: v.virConnectPtr;
  let dom: v.virDomainPtr;
  before(() => {
    conn = v.virConnectOpen('test:///default');
    dom = v.virDomainLookupByName(conn, 'test');
  });
  after(() => {
    v.virDomainFree(dom);
    v.virConnectClose(conn);
  });

  it("reads the exported variable virConnectAuthPtrDefault as the pointer it holds: libvirt's default virConnectAuth", () => {
    const auth = v.virConnectAuthPtrDefault();
    assert.ok(auth !== null);
    // Checked before decoding the struct: read at the wrong address, the count is anything.
    const count = koffi.decode(auth, koffiOffsetOf('virConnectAuth', 'ncredtype'), 'unsigned int') as number;
    assert.ok(count > 0 && count <= 9, `ncredtype ${count}`);
    const decoded = decodeStruct('virConnectAuth', auth) as { credtype: number[]; cb: unknown };
    assert.ok(decoded.credtype.every((t) => t >= v.VIR_CRED_USERNAME && t <= v.VIR_CRED_EXTERNAL), String(decoded.credtype));
    assert.notEqual(decoded.cb, null);
  });

  it('connection getters', () => {
    assert.equal(v.virConnectGetLibVersion(conn), BigInt(loadedLibvirtVersion()));
    assert.equal(v.virConnectGetType(conn), 'TEST');
    assert.equal(v.virConnectGetURI(conn), 'test:///default');
    assert.equal(typeof v.virConnectGetHostname(conn), 'string');
    assert.match(v.virConnectGetCapabilities(conn), /^<capabilities>/);
    assert.equal(v.virConnectIsAlive(conn), 1);
    assert.equal(v.virConnectGetMaxVcpus(conn, null), 32);
    assert.ok(v.virConnectGetCPUModelNames(conn, 'x86_64', 0).includes('qemu64'));
  });

  it('node getters: typed structs, bigint for 64-bit fields, caller arrays', () => {
    const node = v.virNodeGetInfo(conn);
    assert.deepEqual({ ...node }, { model: 'i686', memory: 3145728n, cpus: 16, mhz: 1400, nodes: 2, sockets: 2, cores: 2, threads: 2 });
    assert.equal(v.virNodeGetFreeMemory(conn), 3145728n);
    assert.deepEqual(v.virNodeGetCellsFreeMemory(conn, 0, 4), [2097152n, 4194304n]);
    assert.deepEqual(v.virNodeGetCPUStats(conn, -1, 0).map((p) => p.field), ['user', 'kernel', 'idle', 'iowait']);
    assert.equal(v.virNodeGetSecurityModel(conn).model, 'testSecurity');
    expectNoSupport(() => v.virNodeGetMemoryStats(conn, -1, 0));
    // counts is sized npages*cellCount, npages being the length of pages: a size may name a length.
    // (The test driver fills counts but answers 0 entries, so the result is empty; before, counts was NULL and libvirt refused.)
    assert.deepEqual(v.virNodeGetFreePages(conn, [4, 2048], 0, 2, 0), []);
  });

  it('domain identity: name, ID, UUID bytes and string agree, lookups find the same domain', () => {
    assert.equal(v.virDomainGetName(dom), 'test');
    assert.equal(v.virDomainGetID(dom), 1);
    const uuid = v.virDomainGetUUID(dom);
    const text = v.virDomainGetUUIDString(dom);
    assert.equal(uuid.length, 16);
    assert.equal(uuid.toString('hex'), text.replaceAll('-', ''));
    for (const other of [v.virDomainLookupByUUID(conn, uuid), v.virDomainLookupByUUIDString(conn, text), v.virDomainLookupByID(conn, 1)]) {
      assert.equal(v.virDomainGetName(other), 'test');
      v.virDomainFree(other);
    }
  });

  it('domain state: info struct, state/reason pair, memory and XML', () => {
    const info = v.virDomainGetInfo(dom);
    assert.equal(info.state, v.VIR_DOMAIN_RUNNING);
    assert.equal(info.memory, 2097152n);
    assert.equal(info.maxMem, 8388608n);
    assert.equal(info.nrVirtCpu, 2);
    assert.equal(typeof info.cpuTime, 'bigint');
    assert.ok(info.cpuTime > 2n ** 53n, 'the test driver reports cpuTime above 2^53: it must not be rounded');
    assert.deepEqual(v.virDomainGetState(dom, 0), { state: v.VIR_DOMAIN_RUNNING, reason: 0 });
    assert.equal(v.virDomainGetMaxMemory(dom), 8388608n);
    assert.equal(v.virDomainGetOSType(dom), 'linux');
    assert.match(v.virDomainGetXMLDesc(dom, 0), /<name>test<\/name>/);
    assert.equal(v.virDomainIsActive(dom), 1);
    assert.equal(v.virDomainGetAutostart(dom), 0);
  });

  it('typed parameters: queried, library-allocated and per-CPU arrays', () => {
    const sched = v.virDomainGetSchedulerType(dom);
    assert.deepEqual(sched, { nparams: 1, result: 'fair' });
    assert.deepEqual(v.virDomainGetSchedulerParameters(dom, sched.nparams), [{ field: 'weight', type: 'uint', value: 50 }]);
    const mem = v.virDomainGetMemoryParameters(dom, 0);
    assert.deepEqual(mem.map((p) => p.field), ['hard_limit', 'soft_limit', 'swap_hard_limit']);
    assert.deepEqual(mem[0], { field: 'hard_limit', type: 'ullong', value: 9007199254740991n });
    assert.ok(v.virDomainGetBlkioParameters(dom, 0).some((p) => p.type === 'string'));
    assert.ok(v.virDomainGetPerfEvents(dom, 0).every((p) => p.type === 'boolean'));
    assert.equal(v.virDomainGetCPUStats(dom, 0, -1, 1, 0).result, 3, 'per-CPU count with nparams 0');
  });

  it('typed-parameter helpers: a string list goes in NULL-terminated, a string comes out', () => {
    const params: [v.virTypedParameterPtr | null] = [null];
    const n: [number] = [0];
    const max: [number] = [0];
    assert.equal(v.virTypedParamsAddStringList(params, n, max, 'disk', ['vda', 'vdb']), 0);
    try {
      assert.equal(n[0], 2);
      assert.deepEqual(decodeTypedParameters(params[0], n[0]), [
        { field: 'disk', type: 'string', value: 'vda' }, { field: 'disk', type: 'string', value: 'vdb' }]);
      assert.equal(v.virTypedParamsGetString(params[0], n[0], 'disk'), 'vda');
    } finally {
      v.virTypedParamsFree(params[0], n[0]);
    }
  });

  // The data alone is empty at the end (0), for "would block" (-2) and for a hole (-3).
  it('stream receives keep libvirt\'s result beside the data: its length, 0 at the end', () => {
    const st = v.virStreamNew(conn, 0);
    try {
      assert.equal(v.virDomainScreenshot(dom, st, 0, 0), 'image/png');
      const first = v.virStreamRecv(st, 65536);
      assert.ok(first.result > 0);
      assert.equal(first.data.length, first.result);
      assert.deepEqual([...first.data.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]); // PNG signature
      let last = first;
      while (last.result > 0) last = v.virStreamRecv(st, 65536);
      assert.deepEqual({ result: last.result, length: last.data.length }, { result: 0, length: 0 });
      v.virStreamFinish(st);
    } finally {
      v.virStreamFree(st);
    }
  });

  it('disk errors: sized by a call with maxerrors 0, then read', () => {
    const sizing = v.virDomainGetDiskErrors(dom, 0, 0);
    assert.deepEqual(sizing, { errors: [], result: 1 }, 'the test domain has one disk, reported in error');
    assert.deepEqual(v.virDomainGetDiskErrors(dom, sizing.result, 0), { errors: [{ disk: 'vda', error: v.VIR_DOMAIN_DISK_ERROR_UNSPEC }], result: 1 });
  });

  it('emulator pin info keeps its result beside the map (0 would say: not pinned)', () => {
    const info = v.virDomainGetEmulatorPinInfo(dom, 1, 0);
    assert.equal(info.result, 1);
    assert.ok(Buffer.isBuffer(info.cpumap) && info.cpumap.length === 1, 'one byte of map for maplen 1');
  });

  it('an output buffer of 2 GiB or more is allocated as asked or refused, never cut short', () => {
    // 65536 * 1024 slots of 96 bytes (6 GiB): the test driver zeroes all of them. A size cut to
    // 32 bits gave it 64 KiB of scratch memory, and the process died.
    assert.throws(() => v.virDomainGetCPUStats(dom, 65536, 0, 1024, 0), (e: unknown) => e instanceof RangeError && /6_442_450_944/.test(e.message));
  });

  it('per-CPU statistics: the slots libvirt leaves zeroed are not parameters', () => {
    // More slots per CPU than there are statistics: libvirt zeroes the rest.
    const total = v.virDomainGetCPUStats(dom, 5, -1, 1, 0);
    assert.equal(total.result, 3);
    assert.deepEqual(total.params.map((p) => p.field), ['cpu_time', 'user_time', 'system_time']);
    // More CPUs than the host has (ncpus 0 asks how many): the missing CPUs' slots are zeroed.
    const hostCpus = v.virDomainGetCPUStats(dom, 0, 0, 0, 0).result;
    const perCpu = v.virDomainGetCPUStats(dom, 2, 0, hostCpus + 3, 0);
    assert.equal(perCpu.result, 2);
    assert.equal(perCpu.params.length, hostCpus * 2);
    assert.ok(perCpu.params.every((p, i) => p.field === ['cpu_time', 'vcpu_time'][i % 2]));
  });

  it('structs with nested arrays: FS info with aliases, interfaces with addresses', () => {
    const fs = v.virDomainGetFSInfo(dom, 0);
    assert.deepEqual(fs[0]?.devAlias, ['vda']);
    assert.equal(fs[0]?.mountpoint, '/');
    const ifaces = v.virDomainInterfaceAddresses(dom, 0, 0);
    assert.deepEqual(ifaces[0]?.addrs, [{ type: 0, addr: '192.168.122.3', prefix: 24 }]);
  });

  it('lists: library-allocated handles and names, caller-allocated names and IDs', () => {
    const before = liveHandleCount();
    const domains = v.virConnectListAllDomains(conn, 0);
    assert.deepEqual(domains.map((d) => v.virDomainGetName(d)), ['test']);
    assert.equal(liveHandleCount(), before + domains.length);
    for (const d of domains) v.virDomainFree(d);
    assert.equal(liveHandleCount(), before);
    assert.deepEqual(v.virConnectListDomains(conn, 10), [1]);
    assert.deepEqual(v.virConnectListDefinedDomains(conn, 10), []);
    assert.deepEqual(v.virConnectListNetworks(conn, 10), ['default']);
    assert.equal(v.virConnectNumOfDomains(conn), 1);
    const stats = v.virConnectGetAllDomainStats(conn, v.VIR_DOMAIN_STATS_STATE, 0);
    assert.equal(stats.length, 1);
    assert.deepEqual(stats[0]?.params[0], { field: 'state.state', type: 'int', value: v.VIR_DOMAIN_RUNNING });
    // The record's domain outlives the freed record list: it holds its own reference.
    assert.equal(v.virDomainGetName(stats[0]?.dom as v.virDomainPtr), 'test');
    v.virDomainFree(stats[0]?.dom as v.virDomainPtr);
  });

  it('storage pools and networks', () => {
    const pool = v.virStoragePoolLookupByName(conn, 'default-pool');
    assert.deepEqual(v.virStoragePoolGetInfo(pool), { state: v.VIR_STORAGE_POOL_RUNNING, capacity: 107374182400n, allocation: 0n, available: 107374182400n });
    assert.match(v.virStoragePoolGetUUIDString(pool), /^[0-9a-f-]{36}$/);
    assert.match(v.virStoragePoolGetXMLDesc(pool, 0), /<name>default-pool<\/name>/);
    assert.equal(v.virStoragePoolIsActive(pool), 1);
    v.virStoragePoolFree(pool);
    const net = v.virNetworkLookupByName(conn, 'default');
    assert.equal(v.virNetworkGetBridgeName(net), 'virbr0');
    assert.equal(v.virNetworkIsActive(net), 1);
    v.virNetworkFree(net);
    assert.deepEqual(v.virNodeListDevices(conn, null, 10, 0).sort(), ['computer', 'scsi_host1', 'scsi_host11', 'scsi_host2']);
  });
});
