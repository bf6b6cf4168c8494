// Events on the test driver: typed lifecycle, pool and network events through listeners and the
// async iterator, registrations released exactly once, 10,000 events without loss, a stress run
// that would deadlock if a callback thread could wait on a thread waiting on it, auth callbacks,
// and process lifetime (exits without listeners, stays alive with them).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v from '../../generated/index.js';
import { isLibvirtError, liveCallbackCount } from '../../src/ffi/index.js';
import { Connection, Network, liveEventRegistrations, type Domain, type DomainLifecycleEvent, type NetworkLifecycleEvent, type StoragePoolLifecycleEvent } from '../../src/sdk/index.js';
import { eventCatalog, eventIdConstants, families, type EventFamily } from '../../src/sdk/events/catalog.js';
import { startWorker } from '../../src/sdk/engine/threads.js';
import { authNodeFile } from '../support/auth-node.js';


const here = dirname(fileURLToPath(import.meta.url));
const settle = (ms = 50): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond` holds, failing after `ms`. */
async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await settle(10);
  }
}

const lifecycle = (e: DomainLifecycleEvent): string => `${e.domainName}:${e.event.name}/${e.detail.name}`;

/**
 * A node of the test driver of its own: test:///default's state is shared by every connection
 * of the process, and the other test files expect it as the driver starts it.
 */
const NODE = `<node>
  <domain type='test'><name>test</name><memory>65536</memory><os><type>hvm</type></os></domain>
  <network><name>default</name><bridge name='virbr0'/><forward/><ip address='192.168.122.1' netmask='255.255.255.0'/></network>
  <pool type='dir'><name>default-pool</name><target><path>/default-pool</path></target></pool>
</node>`;

describe('events (test driver)', function () {
  this.timeout(120_000);
  let conn: Connection;
  let dom: Domain;
  let dir: string;
  let uri: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsvirt-events-'));
    writeFileSync(join(dir, 'node.xml'), NODE);
    uri = `test://${join(dir, 'node.xml')}`;
    conn = await Connection.open(uri);
    dom = await conn.lookupDomain('test');
  });
  after(async () => {
    dom.free();
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has a catalog entry, with a registered callback type, for every event ID of the API', () => {
    for (const family of Object.keys(families) as EventFamily[]) {
      for (const [constant] of eventIdConstants(family)) {
        const entry = [...eventCatalog.values()].find((s) => s.constant === constant);
        assert.ok(entry, `${constant} has no catalog entry`);
      }
    }
    assert.equal([...eventCatalog.values()].filter((s) => s.family === 'domain').length, 27);
    assert.ok(eventCatalog.has('domain:lifecycle') && eventCatalog.has('pool:refresh') && eventCatalog.has('secret:value-changed'));
  });

  it('delivers typed lifecycle events in order, with a Domain the listener can keep', async () => {
    const seen: DomainLifecycleEvent[] = [];
    const listener = (e: DomainLifecycleEvent): void => { seen.push(e); };
    conn.on('domain:lifecycle', listener);
    await conn.eventsReady();
    await dom.destroy();
    await dom.start();
    await dom.suspend();
    await dom.resume();
    await until(() => seen.length >= 4, '4 lifecycle events');
    conn.off('domain:lifecycle', listener);
    assert.deepEqual(seen.map(lifecycle), ['test:stopped/destroyed', 'test:started/booted', 'test:suspended/paused', 'test:resumed/unpaused']);
    assert.equal(seen[0]?.event.code, v.VIR_DOMAIN_EVENT_STOPPED);
    assert.equal(seen[0]?.detail.code, v.VIR_DOMAIN_EVENT_STOPPED_DESTROYED);
    // The event's domain outlives the callback: it is a reference of its own.
    const kept = seen[3]?.domain as Domain;
    assert.equal(kept.name, 'test');
    assert.equal((await kept.getState()).state.name, 'running');
    for (const e of seen) e.domain.free();
  });

  it('delivers storage pool and network events, each with an object of its own', async () => {
    const pools: string[] = [];
    const nets: string[] = [];
    const onPool = (e: StoragePoolLifecycleEvent): void => { pools.push(`${e.poolName}:${e.event.name}`); e.pool.free(); };
    const onNet = (e: NetworkLifecycleEvent): void => {
      // The event's Network is usable in the listener and released by it.
      nets.push(`${e.networkName}:${e.event.name}:${e.network instanceof Network && e.network.getUUIDString() === e.networkUuid}`);
      e.network.free();
    };
    conn.on('pool:lifecycle', onPool).on('network:lifecycle', onNet);
    await conn.eventsReady();
    const pool = await conn.lookupStoragePool('default-pool');
    await pool.destroy();
    await pool.create(0);
    using net = await conn.networkLookupByName('default');
    await net.destroy();
    await net.create();
    await until(() => pools.length >= 2 && nets.length >= 2, 'pool and network events');
    conn.off('pool:lifecycle', onPool).off('network:lifecycle', onNet);
    pool.free();
    assert.deepEqual(pools, ['default-pool:stopped', 'default-pool:started']);
    assert.deepEqual(nets, ['default:stopped:true', 'default:started:true']);
  });

  it('delivers metadata-change events with the metadata type named', async () => {
    const seen: { type: string; metadataType: { name: string }; nsuri: string | null }[] = [];
    const listener = (e: { type: string; metadataType: { name: string }; nsuri: string | null; domain: Domain }): void => { seen.push(e); e.domain.free(); };
    conn.on('domain:metadata-change', listener);
    await conn.eventsReady();
    await dom.setMetadata(v.VIR_DOMAIN_METADATA_DESCRIPTION, 'watched', null, null, 0);
    await until(() => seen.length >= 1, 'the metadata event');
    conn.off('domain:metadata-change', listener);
    assert.equal(seen[0]?.type, 'domain:metadata-change');
    assert.equal(seen[0]?.metadataType.name, 'description');
    assert.equal(seen[0]?.nsuri, null);
  });

  it('iterates events of one domain until aborted', async () => {
    const ac = new AbortController();
    const it = conn.events({ domain: 'test', types: ['domain:lifecycle'], signal: ac.signal });
    await it.ready;
    await dom.suspend();
    await dom.resume();
    const got: string[] = [];
    await assert.rejects((async () => {
      for await (const e of it) {
        got.push(lifecycle(e as DomainLifecycleEvent));
        e.type.startsWith('domain:') && (e as DomainLifecycleEvent).domain.free();
        if (got.length === 2) ac.abort();
      }
    })(), (e: Error) => e.name === 'AbortError');
    assert.deepEqual(got, ['test:suspended/paused', 'test:resumed/unpaused']);
    assert.equal(conn.listenerCount('domain:lifecycle'), 0, 'the iterator removed its listener');
  });

  it("an iterator whose `ready` was awaited gets the event of the action right after (the README's pattern)", async () => {
    // `next()` right after events() and the action can miss it: the event may come first.
    const it = conn.events({ types: ['domain:lifecycle'] });
    try {
      await it.ready;
      await dom.suspend();
      const r = await it.next();
      const e = r.value as DomainLifecycleEvent;
      e.domain.free();
      assert.equal(lifecycle(e), 'test:suspended/paused');
    } finally {
      await it.return();
      await dom.resume();
    }
  });

  it('refuses an unknown event name at once', () => {
    assert.throws(() => conn.on('domain:lifecycel' as 'domain:lifecycle', () => undefined), (e: unknown) => isLibvirtError(e) && /unknown event 'domain:lifecycel'/.test(e.message));
  });

  it('an iterator of no event types, or with a limit that bounds nothing, is refused at once', () => {
    const refused = (re: RegExp) => (e: unknown): boolean => isLibvirtError(e) && e.codeName === 'VIR_ERR_INVALID_ARG' && re.test(e.message);
    assert.throws(() => conn.events({ types: [] }), refused(/types names no event/));
    for (const limit of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => conn.events({ types: ['domain:lifecycle'], limit }), refused(/limit must be a positive integer/), String(limit));
    }
    assert.equal(conn.listenerCount('domain:lifecycle'), 0, 'nothing was left listening');
  });

  it('releases each registration exactly once through its free callback; removing twice does nothing', async () => {
    await until(() => liveEventRegistrations() === 0, 'earlier registrations released');
    const callbacks = liveCallbackCount();
    const a = (): void => undefined;
    const b = (): void => undefined;
    conn.on('domain:reboot', a).on('domain:reboot', b).on('domain:watchdog', a);
    await conn.eventsReady();
    assert.equal(liveEventRegistrations(), 2, 'one libvirt registration per event name');
    conn.off('domain:reboot', a);
    await conn.eventsReady();
    assert.equal(liveEventRegistrations(), 2, 'still a listener for domain:reboot');
    conn.off('domain:reboot', b).off('domain:reboot', b).off('domain:watchdog', a).off('domain:watchdog', a);
    await conn.eventsReady();
    await until(() => liveEventRegistrations() === 0, 'free callbacks');
    assert.equal(liveCallbackCount(), callbacks, 'no JS callback registered per subscription');
  });

  it('delivers 10,000 events at a high rate without losing one, and leaks no registration', async () => {
    const seen: number[] = [];
    const listener = (e: DomainLifecycleEvent): void => { seen.push(e.event.code); e.domain.free(); };
    conn.on('domain:lifecycle', listener);
    await conn.eventsReady();
    const t0 = Date.now();
    for (let i = 0; i < 5000; i++) {
      await dom.suspend();
      await dom.resume();
    }
    await until(() => seen.length >= 10_000, '10,000 events', 60_000);
    const ms = Date.now() - t0;
    conn.off('domain:lifecycle', listener);
    assert.equal(seen.length, 10_000);
    assert.ok(seen.every((code, i) => code === (i % 2 === 0 ? v.VIR_DOMAIN_EVENT_SUSPENDED : v.VIR_DOMAIN_EVENT_RESUMED)), 'in order, none lost or repeated');
    await until(() => liveEventRegistrations() === 0, 'the registration released');
    console.log(`      10,000 events in ${ms} ms`);
  });

  it('does not deadlock while registrations come and go during event dispatch on many threads', async () => {
    // Deregistering calls the free callback on a call thread with libvirt's event-state lock
    // held, while the loop thread dispatches events that need that lock: if the free callback
    // lived on the loop thread (or on the main thread, blocked in libvirt), this would hang.
    let events = 0;
    const listener = (e: DomainLifecycleEvent): void => { events++; e.domain.free(); };
    conn.on('domain:lifecycle', listener);
    await conn.eventsReady();
    const driver = (async () => { for (let i = 0; i < 1000; i++) { await dom.suspend(); await dom.resume(); } })();
    const churn = (async () => {
      for (let i = 0; i < 150; i++) {
        const extra = (): void => undefined;
        conn.on('domain:lifecycle', extra).on('domain:reboot', extra).on('pool:lifecycle', extra);
        if (i % 3 === 0) await conn.eventsReady();
        conn.off('domain:reboot', extra).off('pool:lifecycle', extra).off('domain:lifecycle', extra);
      }
    })();
    const others = (async () => {
      for (let i = 0; i < 20; i++) {
        const c = await Connection.open(uri);
        c.on('domain:lifecycle', (e) => e.domain.free()).on('close', () => undefined);
        await c.eventsReady();
        await c.close();
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('deadlock: the stress run did not finish in 60 s')), 60_000); });
    await Promise.race([Promise.all([driver, churn, others]), hang]);
    clearTimeout(timer);
    await until(() => events >= 2000, 'all 2000 events');
    conn.off('domain:lifecycle', listener);
    await conn.eventsReady();
    await until(() => liveEventRegistrations() === 0, 'every registration released');
    assert.equal(events, 2000);
  });

  it('closing a connection drops its registrations', async () => {
    const c = await Connection.open(uri);
    c.on('domain:lifecycle', (e) => e.domain.free()).on('pool:refresh', () => undefined);
    await c.eventsReady();
    assert.equal(liveEventRegistrations(), 2);
    await c.close();
    await until(() => liveEventRegistrations() === 0, 'registrations released by close');
    assert.throws(() => c.on('domain:lifecycle', () => undefined), (e: unknown) => isLibvirtError(e) && /already freed or closed/.test(e.message));
  });

  it('closing a connection waits for registrations still on their way, also those already removed again', async () => {
    const c = await Connection.open(uri);
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    const listener = (): void => undefined;
    c.on('domain:lifecycle', listener).off('domain:lifecycle', listener);
    const it = c.events(); // close() ends it, which removes its listeners before they are registered
    const next = it.next();
    await c.close();
    assert.deepEqual(await next, { value: undefined, done: true });
    // Before, they went on after virConnectClose: with a pointer closed already, failing (an
    // 'error' each) or registering for good (never released).
    await until(() => liveEventRegistrations() === 0, 'registrations released', 3000);
    assert.deepEqual(errors.map((e) => e.message), []);
  });

  it('closing a connection ends its iterators: the events queued before are read, then the loop ends', async () => {
    const c = await Connection.open(uri);
    const d = await c.lookupDomain('test');
    const it = c.events({ types: ['domain:lifecycle'] });
    let seen = 0;
    c.on('domain:lifecycle', () => { seen++; });
    await c.eventsReady();
    await d.suspend();
    await d.resume();
    await until(() => seen === 2, 'both events');
    d.free();
    await c.close();
    const got: string[] = [];
    const loop = (async () => {
      for await (const e of it) {
        got.push(lifecycle(e as DomainLifecycleEvent));
        (e as DomainLifecycleEvent).domain.free();
      }
      return 'ended';
    })();
    const ended = await Promise.race([loop, settle(2000).then(() => 'still waiting')]);
    assert.equal(ended, 'ended', 'the for-await loop ends with the connection');
    assert.deepEqual(got, ['test:suspended/paused', 'test:resumed/unpaused']);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
    // An iterator waiting when the connection closes ends too.
    const c2 = await Connection.open(uri);
    const waiting = c2.events({ types: ['domain:lifecycle'] });
    await waiting.ready;
    const next = waiting.next();
    await c2.close();
    assert.deepEqual(await Promise.race([next, settle(2000).then(() => 'still waiting')]), { value: undefined, done: true });
  });

  it('a connection released without await (free(), `using`) drops its registrations too', async () => {
    const c = await Connection.open(uri);
    let late = 0;
    c.on('domain:lifecycle', (e) => { late++; e.domain.free(); });
    await c.eventsReady();
    assert.equal(liveEventRegistrations(), 1);
    {
      using _c = c;
    }
    assert.equal(c.released, true);
    await until(() => liveEventRegistrations() === 0, 'registration released by free()');
    await dom.suspend();
    await dom.resume();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(late, 0, 'no event reached the released connection');
  });

  it('ends an iterator whose events libvirt cannot register with that error, in the loop', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => { unhandled.push(e); };
    process.on('unhandledRejection', onUnhandled);
    const onWarning = (): void => undefined; // the connection warns too: no 'error' listener
    process.on('warning', onWarning);
    try {
      const it = conn.events({ types: ['secret:lifecycle'] });
      await assert.rejects((async () => { for await (const _e of it) { /* none */ } })(),
        (e: unknown) => isLibvirtError(e) && e.codeName === 'VIR_ERR_NO_SUPPORT');
      await assert.rejects(it.ready, (e: unknown) => isLibvirtError(e));
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      process.off('warning', onWarning);
    }
  });

  it('an iterator ends for the failures of its own registrations only, not for another listener\'s', async () => {
    const onError = (): void => undefined; // the failed registration is reported to 'error' too
    const secret = (): void => undefined;
    conn.on('error', onError);
    conn.on('secret:lifecycle', secret); // the test driver has no secret events
    try {
      await assert.rejects(conn.eventsReady(['secret:lifecycle']), (e: unknown) => isLibvirtError(e) && e.codeName === 'VIR_ERR_NO_SUPPORT');
      // It used to inherit that failure: ready rejected with it, and the iterator ended.
      const it = conn.events({ types: ['domain:lifecycle'] });
      await it.ready;
      await dom.suspend();
      await dom.resume();
      const r = await it.next();
      assert.equal(lifecycle(r.value as DomainLifecycleEvent), 'test:suspended/paused');
      (r.value as DomainLifecycleEvent).domain.free();
      await it.return();
      await assert.rejects(conn.eventsReady(), (e: unknown) => isLibvirtError(e) && e.codeName === 'VIR_ERR_NO_SUPPORT', 'eventsReady() without names still reports it');
    } finally {
      conn.off('secret:lifecycle', secret);
      conn.off('error', onError);
    }
  });

  it('a failed registration is a warning only when nobody received it: an awaited eventsReady() that rejected with it was told', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => { if (w.name === 'TsvirtEventWarning') warnings.push(w.message); };
    process.on('warning', onWarning);
    const secret = (): void => undefined; // the test driver has no secret events
    const noSupport = (e: unknown): boolean => isLibvirtError(e) && e.codeName === 'VIR_ERR_NO_SUPPORT';
    // eventsReady() rejects with the first failure since its last call: start from none.
    await conn.eventsReady().catch(() => undefined);
    try {
      conn.on('secret:lifecycle', secret);
      await assert.rejects(conn.eventsReady(), noSupport);
      conn.off('secret:lifecycle', secret);
      conn.on('secret:lifecycle', secret);
      await assert.rejects(conn.eventsReady(['secret:lifecycle']), noSupport, 'with names too');
      conn.off('secret:lifecycle', secret);
      await settle(100); // a warning would have been emitted by now
      assert.deepEqual(warnings, [], 'both failures were received by the caller');
      // Nobody asks: the warning is the only report of it.
      conn.on('secret:lifecycle', secret);
      await until(() => warnings.length > 0, 'the warning');
      await settle(100);
      assert.equal(warnings.length, 1, warnings.join(' | '));
      assert.match(warnings[0] ?? '', /^tsvirt: event registration failed: .*virConnectSecretEventRegisterAny/);
    } finally {
      conn.off('secret:lifecycle', secret);
      process.off('warning', onWarning);
    }
  });

  it('a failed registration an ended iterator would have had is a warning; one an open iterator hands out is not', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => { if (w.name === 'TsvirtEventWarning') warnings.push(w.message); };
    process.on('warning', onWarning);
    const secret = (): void => undefined; // the test driver has no secret events
    const noSupport = (e: unknown): boolean => isLibvirtError(e) && e.codeName === 'VIR_ERR_NO_SUPPORT';
    await conn.eventsReady().catch(() => undefined); // start from no failure
    try {
      // Its iterator ended before the shared registration failed: nobody was told but the warning.
      conn.on('secret:lifecycle', secret);
      const ended = conn.events({ types: ['secret:lifecycle'] });
      await ended.return();
      await until(() => warnings.length > 0, 'the warning');
      await settle(100);
      assert.equal(warnings.length, 1, warnings.join(' | '));
      conn.off('secret:lifecycle', secret);
      // Ended too, but its `ready` is awaited: that rejection told its reader.
      const awaited = conn.events({ types: ['secret:lifecycle'] });
      await awaited.return();
      await assert.rejects(awaited.ready, noSupport);
      // Open: its next() rejects with the failure, and that is no warning either.
      const open = conn.events({ types: ['secret:lifecycle'] });
      await assert.rejects(open.next(), noSupport);
      await settle(100);
      assert.equal(warnings.length, 1, warnings.join(' | '));
    } finally {
      conn.off('secret:lifecycle', secret);
      process.off('warning', onWarning);
    }
  });

  it('eventsReady(names) rejects with a failed registration while its listeners remain, and resolves once they are gone', async () => {
    const onError = (): void => undefined; // the failure goes to 'error' too
    const secret = (): void => undefined; // the test driver has no secret events
    const noSupport = (e: unknown): boolean => isLibvirtError(e) && e.codeName === 'VIR_ERR_NO_SUPPORT';
    conn.on('error', onError);
    try {
      conn.on('secret:lifecycle', secret);
      const first = await conn.eventsReady(['secret:lifecycle']).then(() => null, (e: unknown) => e);
      assert.ok(noSupport(first), String(first));
      await assert.rejects(conn.eventsReady(['secret:lifecycle']), (e: unknown) => e === first, 'asked again later');
      conn.off('secret:lifecycle', secret);
      await conn.eventsReady(['secret:lifecycle']); // nobody listens: nothing to wait for
    } finally {
      conn.off('secret:lifecycle', secret);
      conn.off('error', onError);
    }
  });

  it('keeps filtering by a Domain after that Domain object is freed', async () => {
    const watched = await conn.lookupDomain('test');
    const it = conn.events({ domain: watched, types: ['domain:lifecycle'] });
    await it.ready;
    watched.free();
    await dom.suspend();
    await dom.resume();
    const got: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await it.next();
      const e = r.value as DomainLifecycleEvent;
      got.push(lifecycle(e));
      e.domain.free();
    }
    await it.return();
    assert.deepEqual(got, ['test:suspended/paused', 'test:resumed/unpaused']);
  });
});

describe('auth callbacks (test driver node file with users)', function () {
  this.timeout(60_000);
  const node = authNodeFile();

  it('refuses to open without credentials', async () => {
    await assert.rejects(Connection.open(node.uri()), (e: unknown) => isLibvirtError(e) && /authentication credentials/i.test(e.message));
  });

  it('opens with a username and password', async () => {
    const c = await Connection.open(node.uri(), { auth: { username: 'alice', password: 's3cret' } });
    assert.deepEqual((await c.listAllDomains()).map((d) => d.name), ['guest1']);
    await c.close();
  });

  it('fails with libvirt\'s auth error for a wrong password', async () => {
    await assert.rejects(Connection.open(node.uri(), { auth: { username: 'alice', password: 'wrong' } }), (e: unknown) => isLibvirtError(e) && e.codeName === 'VIR_ERR_AUTH_FAILED');
  });

  it('asks an async callback with typed credentials', async () => {
    const asked: string[] = [];
    const c = await Connection.open(node.uri(), {
      auth: {
        callback: async (creds) => {
          await settle(20);
          return creds.map((cred) => {
            asked.push(`${cred.type.name}:${cred.prompt ?? ''}`);
            return cred.type.name === 'authname' ? 'alice' : 's3cret';
          });
        },
      },
      readOnly: true,
    });
    assert.deepEqual(asked.map((a) => a.split(':')[0]), ['authname', 'noechoprompt']);
    assert.match(asked[1] as string, /alice's password/);
    await c.close();
  });

  it('reports the error a callback throws', async () => {
    const boom = new Error('no password store');
    await assert.rejects(Connection.open(node.uri(), { auth: { callback: () => { throw boom; } } }), (e: unknown) => e === boom);
  });
});

describe('process lifetime with events', function () {
  this.timeout(60_000);
  const script = join(here, '../support/event-exit.ts');
  const run = (args: string[], env: Record<string, string> = {}): { status: number | null; out: Record<string, unknown>; stderr: string } => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
    const last = r.stdout.trim().split('\n').pop() ?? '{}';
    return { status: r.status, out: JSON.parse(last) as Record<string, unknown>, stderr: r.stderr };
  };

  it('exits on its own with a connection left open and no listener', () => {
    const r = run(['open']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.out['mode'], 'open');
  });

  it('stays alive while a listener is registered, and exits when it is removed', () => {
    const r = run(['listener', '1500']);
    assert.equal(r.status, 0, r.stderr); // not killed by the timeout: it exited once the listener was gone
    assert.equal(r.out['removedBeforeExit'], true, 'the listener kept the process alive until it was removed');
  });

  it('waits at process.exit() for the event threads to finish starting (a thread terminated while it loads koffi aborts the process)', () => {
    // Both threads start 300 ms late and say when they have: without the wait, the process exits first.
    const r = run(['exit'], { TSVIRT_TEST_LOOP_FAULT: 'slow-start' });
    assert.equal(r.status, 7, r.stderr);
    assert.match(r.stderr, /the loop thread has started/);
    assert.match(r.stderr, /the sink thread has started/);
    assert.doesNotMatch(r.stderr, /FATAL/);
  });

  it('can opt out of the event loop; events then fail with a clear error', () => {
    const r = run(['optout'], { TSVIRT_EVENT_LOOP: 'none' });
    assert.equal(r.status, 0, r.stderr);
    const error = r.out['error'] as { codeName: string; message: string };
    assert.equal(error.codeName, 'VIR_ERR_NO_SUPPORT');
    assert.match(error.message, /does not run the event loop/);
    assert.deepEqual(r.out['iterator'], error);
    // Reported through ready() and the iterator, which both handed it out: no warning besides.
    assert.equal(r.stderr.match(/TsvirtEventWarning/g)?.length ?? 0, 0, r.stderr);
  });
});

describe('faults in the event loop thread (test:///default)', function () {
  this.timeout(60_000);
  const script = join(here, '../support/loop-fault.ts');
  interface Seen { codeName: string | null; message: string }
  interface Drained { ended: string; events?: string[]; error?: Seen }
  interface Report {
    delivered: string[]; errors: Seen[]; iterator: Drained; sameReady: Seen | null; sameIterator: Drained;
    later: Seen | null; closeReady: Seen | null; closeRemoved: Seen | null; uncaught: number; warnings: string[];
  }
  const run = (fault: string | undefined, ...args: string[]): Report => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (fault) env['TSVIRT_TEST_LOOP_FAULT'] = fault;
    else delete env['TSVIRT_TEST_LOOP_FAULT'];
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8', timeout: 30_000, env });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Report;
  };
  const unreadable = /^tsvirt: a virConnectDomainEventCallback event could not be read: injected fault .*; the event about 'test' was dropped$/;
  const stopped = /^tsvirt's event loop thread stopped \(injected fault \(TSVIRT_TEST_LOOP_FAULT=stop\)\): events, keepalive and close notifications no longer arrive$/;

  it('an event that cannot be read reaches the listeners as an error and ends its iterators; the next one is delivered', () => {
    const r = run('read-once');
    assert.deepEqual(r.delivered, ['resumed'], 'the suspend event was lost, the resume event came');
    assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
    assert.equal(r.errors[0]?.codeName, 'VIR_ERR_INTERNAL_ERROR');
    assert.match(r.errors[0]?.message ?? '', unreadable);
    assert.equal(r.iterator.ended, 'error');
    assert.match(r.iterator.error?.message ?? '', unreadable);
    assert.deepEqual(r.warnings, [], "the connection's 'error' listener was told: no warning");
    assert.equal(r.sameReady, null);
    assert.equal(r.later, null);
  });

  it('every event that cannot be read is reported, once each', () => {
    const r = run('read');
    assert.deepEqual(r.delivered, []);
    assert.equal(r.errors.length, 2, JSON.stringify(r.errors));
    for (const e of r.errors) assert.match(e.message, unreadable);
  });

  it("an iterator of one domain's events ends on a lost event of that domain only", () => {
    const other = run('read', '--iterator-domain', 'another');
    assert.equal(other.errors.length, 2, JSON.stringify(other.errors));
    assert.deepEqual(other.iterator, { ended: 'done', events: [] }, "the test domain's lost events were not this iterator's");
    const same = run('read', '--iterator-domain', 'test');
    assert.equal(same.iterator.ended, 'error');
    assert.match(same.iterator.error?.message ?? '', unreadable);
  });

  it('a lost event is a process warning when neither an error listener nor an iterator was told', () => {
    const told = run('read-once', '--no-error-listener');
    assert.equal(told.iterator.ended, 'error');
    assert.deepEqual(told.warnings, [], 'the iterator was told');
    const r = run('read-once', '--no-error-listener', '--no-iterator');
    assert.deepEqual(r.delivered, ['resumed']);
    assert.equal(r.warnings.length, 1, JSON.stringify(r.warnings));
    assert.match(r.warnings[0] ?? '', unreadable);
  });

  it('a loop thread that stops is reported: listeners, iterators, later listeners and registrations get the error; close callbacks go on', () => {
    const r = run('stop');
    assert.ok(r.delivered.length >= 1, 'what was sent before the stop arrives');
    assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
    assert.match(r.errors[0]?.message ?? '', stopped);
    assert.equal(r.iterator.ended, 'error');
    assert.match(r.iterator.error?.message ?? '', stopped);
    assert.match(r.sameReady?.message ?? '', stopped, 'a second listener of a registered event is not told it is ready');
    assert.equal(r.sameIterator.ended, 'error', JSON.stringify(r.sameIterator));
    assert.match(r.sameIterator.error?.message ?? '', stopped);
    assert.equal(r.later?.codeName, 'VIR_ERR_INTERNAL_ERROR');
    assert.match(r.later?.message ?? '', stopped);
    assert.equal(r.closeReady, null, 'close callbacks need only the sink thread');
    assert.equal(r.closeRemoved, null);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0] ?? '', stopped);
  });

  it('a stopped loop is warned about once, also with no error listener', () => {
    const r = run('stop', '--no-error-listener');
    assert.equal(r.warnings.length, 1, JSON.stringify(r.warnings));
    assert.match(r.warnings[0] ?? '', stopped);
  });

  it('a listener that throws keeps no event from the listeners after it, and its errors are still thrown', () => {
    const r = run(undefined, '--throwing');
    assert.deepEqual(r.delivered, ['suspended', 'resumed']);
    assert.equal(r.iterator.ended, 'done');
    assert.deepEqual(r.iterator.events, ['suspended', 'resumed']);
    assert.equal(r.uncaught, 2, 'each throw is an uncaught exception, as from an EventEmitter');
    assert.deepEqual(r.errors, []);
  });
});

describe('one event loop per process', () => {
  const elsewhere = /an event loop was registered in this process before tsvirt could .*so tsvirt runs none: events, close notifications and auth callbacks are not available/;

  /** Suspends and resumes the test domain; resolves with what `conn`'s lifecycle listener saw. */
  async function lifecycleSeen(conn: Connection): Promise<string[]> {
    const got: string[] = [];
    const listener = (e: DomainLifecycleEvent): void => { got.push(e.event.name); e.domain.free(); };
    conn.on('domain:lifecycle', listener);
    await conn.eventsReady();
    const dom = await conn.lookupDomain('test');
    await dom.suspend();
    await dom.resume();
    dom.free();
    const end = Date.now() + 10_000;
    while (!got.includes('resumed') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    conn.off('domain:lifecycle', listener);
    return got;
  }

  it('tsvirt in a worker thread runs no second loop thread (its modules are its own); the main thread goes on', async () => {
    const conn = await Connection.open('test:///default');
    try {
      await conn.eventsReady(); // the main thread's tsvirt runs the loop
      const worker = startWorker(new URL('../support/second-loop.ts', import.meta.url));
      const why = await new Promise<string>((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
      await worker.terminate();
      assert.match(why, /^VIR_ERR_NO_SUPPORT: /);
      assert.match(why, elsewhere);
      const got = await lifecycleSeen(conn);
      assert.ok(got.includes('suspended') && got.includes('resumed'), got.join(', '));
    } finally {
      await conn.close();
    }
  });

  it('a program that registered an event loop itself keeps it: tsvirt registers and runs none', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, '../support/second-loop.ts'), '--own-loop'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^VIR_ERR_NO_SUPPORT: /);
    assert.match(r.stdout, elsewhere);
  });
});
