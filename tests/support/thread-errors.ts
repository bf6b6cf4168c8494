// 4 worker threads, each with its own copy of the bindings, mix failing calls with successful
// ones; every error must be the one its own call caused (its code, and the name it asked for
// where libvirt's message carries it).
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { startWorker } from '../../src/sdk/engine/threads.js';
import * as v from '../../generated/index.js';
import { isLibvirtError } from '../../src/ffi/index.js';

if (isMainThread) {
  const results = await Promise.all([0, 1, 2, 3].map((id) => new Promise<{ ok: number; failed: number; misattributed: number }>((resolvePromise, reject) => {
    const w = startWorker(new URL(import.meta.url), { workerData: id });
    w.once('message', resolvePromise);
    w.once('error', reject);
  })));
  const sum = results.reduce((a, r) => ({ ok: a.ok + r.ok, failed: a.failed + r.failed, misattributed: a.misattributed + r.misattributed }));
  process.stdout.write(JSON.stringify(sum));
} else {
  const conn = v.virConnectOpen('test:///default');
  const dom = v.virDomainLookupByName(conn, 'test');
  let ok = 0; let failed = 0; let misattributed = 0;
  for (let i = 0; i < 100; i++) {
    const name = `missing-${workerData as number}-${i}`;
    try { v.virDomainLookupByName(conn, name); } catch (e) {
      failed++;
      if (!isLibvirtError(e) || e.code !== v.VIR_ERR_NO_DOMAIN || e.func !== 'virDomainLookupByName') misattributed++;
    }
    if (v.virDomainGetName(dom) === 'test') ok++;
    if (v.virDomainGetInfo(dom).state === v.VIR_DOMAIN_RUNNING) ok++;
    try { v.virConnectListAllSecrets(conn, 0); } catch (e) {
      failed++;
      if (!isLibvirtError(e) || e.code !== v.VIR_ERR_NO_SUPPORT) misattributed++;
    }
    try { v.virNetworkLookupByName(conn, name); } catch (e) {
      failed++;
      if (!isLibvirtError(e) || e.code !== v.VIR_ERR_NO_NETWORK || !e.message.includes(name)) misattributed++;
    }
    try { v.virStoragePoolLookupByName(conn, name); } catch (e) {
      failed++;
      if (!isLibvirtError(e) || e.code !== v.VIR_ERR_NO_STORAGE_POOL || !e.message.includes(name)) misattributed++;
    }
    if (v.virConnectGetType(conn) === 'TEST') ok++;
    if (v.virDomainIsActive(dom) === 1) ok++;
  }
  v.virDomainFree(dom);
  v.virConnectClose(conn);
  parentPort?.postMessage({ ok, failed, misattributed });
}
