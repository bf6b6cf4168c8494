// Domain queries whose C form makes the caller size the output: left out, the SDK works the
// size out (the domain's vCPUs, the host's CPU map, the number of disk errors).
import assert from 'node:assert/strict';
import { Connection, LibvirtError, type Domain } from '../../src/sdk/index.js';
import { hostCpus } from '../../src/sdk/domain-sized.js';
import * as v from '../../generated/index.js';

describe('sized domain queries without their sizes (test:///default)', function () {
  this.timeout(60_000);
  let conn: Connection;
  let dom: Domain;
  let mapLen: number;
  before(async () => {
    conn = await Connection.open('test:///default');
    dom = await conn.lookupDomain('test');
    mapLen = Math.ceil((await conn.nodeGetCPUMap()).result / 8);
  });
  after(async () => {
    dom.free();
    await conn.close();
  });

  it('getVcpus: one entry per vCPU and one host CPU map each', async () => {
    const { vcpus } = await dom.getInfo();
    const got = await dom.getVcpus();
    assert.deepEqual(got.info.map((i) => i.number), Array.from({ length: vcpus }, (_, i) => i));
    assert.equal(got.cpumaps.length, vcpus * mapLen);
    // cpuTime moves between the two calls: the rest must match.
    const sized = await dom.getVcpus(vcpus, mapLen);
    const still = (r: typeof got): unknown => ({ cpumaps: r.cpumaps, info: r.info.map(({ cpuTime: _, ...rest }) => rest) });
    assert.deepEqual(still(got), still(sized));
  });

  it('getVcpuPinInfo and getEmulatorPinInfo: maps of the host CPU map length', async () => {
    const pins = await dom.getVcpuPinInfo();
    const most = await dom.getVcpusFlags(v.VIR_DOMAIN_VCPU_MAXIMUM);
    assert.equal(pins.cpumaps.length, most * mapLen);
    assert.deepEqual(pins, await dom.getVcpuPinInfo(most, mapLen));
    const emulator = await dom.getEmulatorPinInfo();
    assert.equal(emulator.cpumap.length, mapLen);
    assert.deepEqual(emulator, await dom.getEmulatorPinInfo(mapLen));
  });

  it('getDiskErrors: every error, as many as libvirt counts', async () => {
    const { result: count } = await dom.getDiskErrors(0);
    assert.ok(count > 0, 'the test driver reports a disk error');
    const all = await dom.getDiskErrors();
    assert.equal(all.errors.length, count);
    assert.deepEqual(all, await dom.getDiskErrors(count + 4));
  });

  it('memoryStats: every tag the driver has, by default', async () => {
    const stats = await dom.memoryStats();
    assert.ok(stats.some((s) => s.tag.name === 'rss'), JSON.stringify(stats.map((s) => s.tag.name)));
    assert.deepEqual(stats, await dom.memoryStats(v.VIR_DOMAIN_MEMORY_STAT_NR));
    assert.equal((await dom.memoryStats(2)).length, 2);
  });

  it('a size no buffer can have is refused as a bad argument, naming it', async () => {
    await assert.rejects(dom.getVcpus(-1), (e: unknown) => e instanceof LibvirtError && e.code === v.VIR_ERR_INVALID_ARG && /virDomainGetVcpus: invalid buffer size -\d+ \(maxinfo = -1\)/.test(e.message));
    await assert.rejects(dom.getVcpus(2, -3), (e: unknown) => e instanceof LibvirtError && e.code === v.VIR_ERR_INVALID_ARG && /maxinfo = 2, maplen = -3/.test(e.message));
  });

  it('counts the host CPUs from the node info where the driver has no CPU map', async () => {
    const noMap = {
      nodeGetCPUMap: () => Promise.reject(new LibvirtError(fields(v.VIR_ERR_NO_SUPPORT), 'virNodeGetCPUMap')),
      nodeGetInfo: () => Promise.resolve({ nodes: 2, sockets: 1, cores: 4, threads: 2 }),
    };
    assert.equal(await hostCpus(noMap as unknown as Parameters<typeof hostCpus>[0]), 16);
    const lost = { ...noMap, nodeGetCPUMap: () => Promise.reject(new LibvirtError(fields(v.VIR_ERR_SYSTEM_ERROR), 'virNodeGetCPUMap')) };
    await assert.rejects(hostCpus(lost as unknown as Parameters<typeof hostCpus>[0]), (e: unknown) => e instanceof LibvirtError && e.code === v.VIR_ERR_SYSTEM_ERROR);
  });
});

function fields(code: number): ConstructorParameters<typeof LibvirtError>[0] {
  return { code, domain: 0, level: 2, message: 'failed', str1: null, str2: null, str3: null, int1: -1, int2: -1 };
}
