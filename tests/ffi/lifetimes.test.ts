// Every native resource has one owner: handles are counted, a released handle is an error
// rather than freed memory, and callbacks are released exactly once through libvirt's free callback.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v from '../../generated/index.js';
import { isLibvirtError, liveCallbackCount, liveHandleCount } from '../../src/ffi/index.js';

const released = (e: unknown): boolean => isLibvirtError(e) && e.codeName === 'VIR_ERR_INVALID_ARG' && /already released/.test(e.message);

const here = dirname(fileURLToPath(import.meta.url));

describe('lifetimes', () => {
  let conn: v.virConnectPtr;
  before(() => { conn = v.virConnectOpen('test:///default'); });
  after(() => { v.virConnectClose(conn); });

  it('refuses a handle after its last release, and a second free, instead of touching freed memory', () => {
    const dom = v.virDomainLookupByName(conn, 'test');
    v.virDomainFree(dom);
    assert.throws(() => v.virDomainGetName(dom), released);
    assert.throws(() => v.virDomainGetInfo(dom), released);
    assert.throws(() => v.virDomainFree(dom), released);
  });

  it('counts references taken with virDomainRef', () => {
    const dom = v.virDomainLookupByName(conn, 'test');
    const before = liveHandleCount();
    v.virDomainRef(dom);
    v.virDomainFree(dom);
    assert.equal(v.virDomainGetName(dom), 'test', 'one reference is left');
    v.virDomainFree(dom);
    assert.equal(liveHandleCount(), before - 1);
    assert.throws(() => v.virDomainGetName(dom), released);
  });

  it('rejects a value that is not a handle with a clear error', () => {
    assert.throws(() => v.virDomainGetName(42 as unknown as v.virDomainPtr), (e: unknown) => isLibvirtError(e) && /must be a handle/.test(e.message));
    assert.throws(() => v.virDomainGetName(null as unknown as v.virDomainPtr), (e: unknown) => isLibvirtError(e) && /must be a handle, got null/.test(e.message));
  });

  it('reports how many references remain when a connection closes', () => {
    const c = v.virConnectOpen('test:///default');
    const dom = v.virDomainLookupByName(c, 'test');
    assert.equal(v.virConnectClose(c), 1, 'the domain still holds the connection');
    assert.equal(v.virDomainGetName(dom), 'test', 'a child keeps its connection alive');
    v.virDomainFree(dom);
    assert.throws(() => v.virConnectGetType(c), released);
  });

  it('keeps an event callback registered until libvirt frees it, then releases it once', () => {
    // libvirt's default event loop can be registered once per process, and the SDK's tests run
    // it on its own thread: this generated-layer test pumps the loop itself, in a process of its own.
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, '../support/generated-events.ts')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { seen: number[][]; registered: number; released: number };
    assert.deepEqual(out.seen, [[v.VIR_DOMAIN_EVENT_STOPPED, v.VIR_DOMAIN_EVENT_STOPPED_DESTROYED], [v.VIR_DOMAIN_EVENT_STARTED, v.VIR_DOMAIN_EVENT_STARTED_BOOTED]]);
    assert.equal(out.registered, 2, 'the event callback and the timer callback');
    assert.equal(out.released, 0, 'both callbacks were released through their free callbacks');
  });

  it('releases a call-scoped callback when the call returns', () => {
    const st = v.virStreamNew(conn, 0);
    const before = liveCallbackCount();
    // The source handler says end-of-data at once (returns 0 bytes); libvirt calls it during the call only.
    let calls = 0;
    v.virStreamSendAll(st, () => { calls++; return 0; }, null);
    assert.equal(calls, 1);
    assert.equal(liveCallbackCount(), before);
    v.virStreamFree(st);
  });
});
