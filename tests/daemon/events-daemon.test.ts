// Events, close notification and keepalive against a real libvirtd with a TCG guest: lifecycle
// events of define/start/suspend/resume/destroy/undefine in order with their details, events of
// a snapshot and of a storage pool, and a dead daemon noticed: a hung daemon (SIGSTOP) within
// the keepalive window, a killed one (SIGKILL) at once; the call in flight rejects and the
// connection emits 'close' with the reason. The scratch harness removes what the tests create.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isLibvirtError } from '../../src/ffi/index.js';
import { Connection, type ConnectionCloseEvent, type Domain, type DomainGraphicsEvent, type DomainLifecycleEvent, type DomainTunableEvent, type QemuMonitorEvent } from '../../src/sdk/index.js';
import { DAEMON_URI, ScratchPool, uniqueName } from '../support/daemon.js';
import { nativeStacks } from '../support/stacks.js';
import { eventLoopDemand, eventLoopPaused, eventLoopStopped, liveEventRegistrations } from '../../src/sdk/events/event-loop.js';

const root = resolve(import.meta.dirname, '../..');
const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `p`, or a rejection once `ms` have passed without it settling. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** What tsvirt reported about events (connection 'error's, warnings): shown when a wait times out. */
const reported: string[] = [];
process.on('warning', (w) => { if (w.name === 'TsvirtEventWarning') reported.push(w.message); });

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) {
      const loop = eventLoopStopped()?.message ?? (eventLoopPaused() ? 'paused' : 'running');
      throw new Error(`timed out waiting for ${what} (event loop ${loop}, ${liveEventRegistrations()} registrations live; reported: ${reported.join(' | ') || 'nothing'})\n${nativeStacks('/run/libvirtd.pid')}`);
    }
    await settle(20);
  }
}

/** The running daemon, from its pid file (pgrep could also find a killed one not yet reaped). */
function libvirtdPid(): number {
  return Number(readFileSync('/run/libvirtd.pid', 'utf8').trim());
}

describe('events on a real libvirtd (qemu:///system)', function () {
  this.timeout(180_000);
  let scratch: ScratchPool;
  let conn: Connection;
  const seen: string[] = [];
  const onLifecycle = (e: DomainLifecycleEvent): void => {
    seen.push(`${e.event.name}/${e.detail.name}`);
    e.domain.free();
  };
  let guestName: string;

  before(async () => {
    scratch = new ScratchPool(DAEMON_URI);
    conn = await Connection.open(DAEMON_URI);
    conn.on('error', (e) => reported.push(e.message));
  });

  // A test whose events arrived must not pass while tsvirt reported some lost.
  afterEach(() => {
    assert.deepEqual(reported.splice(0), [], 'what tsvirt reported during the test');
  });

  /** A new guest of the scratch pool, started, with a Domain of this connection. */
  async function runningGuest(): Promise<{ name: string; dom: Domain }> {
    const name = scratch.defineGuest({ disk: scratch.createVolume({ format: 'qcow2', capacityMiB: 64 }) }).name;
    const dom = await conn.lookupDomain(name);
    await dom.start();
    return { name, dom };
  }

  after(async () => {
    conn?.off('domain:lifecycle', onLifecycle);
    await conn?.close();
    scratch?.cleanup();
  });

  it('delivers define, start, suspend, resume, destroy and undefine in order, with details', async () => {
    const mine = (e: DomainLifecycleEvent): boolean => e.domainName === guestName;
    const listener = (e: DomainLifecycleEvent): void => { if (mine(e)) onLifecycle(e); else e.domain.free(); };
    conn.on('domain:lifecycle', listener);
    await conn.eventsReady();
    const disk = scratch.createVolume({ format: 'qcow2', capacityMiB: 64 });
    guestName = scratch.defineGuest({ disk }).name;
    const dom = await conn.lookupDomain(guestName);
    await dom.start();
    await dom.suspend();
    await dom.resume();
    await dom.destroy();
    await dom.undefine();
    dom.free();
    await until(() => seen.includes('undefined/removed'), 'the undefine event');
    conn.off('domain:lifecycle', listener);
    // QEMU adds events of its own around these (resumed/unpaused as the CPUs start,
    // shutdown/host before stopped/destroyed): each step's event comes, in the order of the steps.
    const steps = ['defined/added', 'started/booted', 'suspended/paused', 'resumed/unpaused', 'stopped/destroyed', 'undefined/removed'];
    let at = -1;
    for (const step of steps) {
      const next = seen.indexOf(step, at + 1);
      assert.ok(next > at, `${step} after the previous step in ${seen.join(', ')}`);
      at = next;
    }
  });

  it('delivers QEMU monitor events (QMP STOP and RESUME of a suspend and resume), registered off the main thread', async () => {
    const { name, dom } = await runningGuest();
    const qmp: string[] = [];
    const listener = (e: QemuMonitorEvent): void => {
      if (e.domainName === name) {
        qmp.push(e.event ?? '');
        assert.equal(typeof e.seconds, 'bigint');
        assert.ok(e.seconds > 1_600_000_000n, `seconds ${e.seconds}`);
      }
      e.domain.free();
    };
    conn.on('qemu:monitor', listener);
    try {
      await conn.eventsReady();
      await dom.suspend();
      await dom.resume();
      await until(() => qmp.includes('STOP') && qmp.includes('RESUME'), 'QMP STOP and RESUME');
      assert.ok(qmp.indexOf('STOP') < qmp.lastIndexOf('RESUME'), qmp.join(', '));
    } finally {
      conn.off('qemu:monitor', listener);
      await dom.destroy();
      dom.free();
    }
  });

  it('delivers the events of taking and reverting to a snapshot', async () => {
    const { name, dom } = await runningGuest();
    const events: string[] = [];
    const it = conn.events({ domain: name, types: ['domain:lifecycle'] });
    await it.ready;
    const snap = await dom.createSnapshot({ name: 'with-memory', disks: [] });
    await dom.suspend();
    await snap.revert();
    for await (const e of it) {
      const ev = e as DomainLifecycleEvent;
      events.push(`${ev.event.name}/${ev.detail.name}`);
      ev.domain.free();
      if (events.includes('resumed/from-snapshot') || events.includes('started/from-snapshot')) break;
    }
    snap.free();
    await dom.destroy();
    dom.free();
    assert.ok(events.includes('suspended/paused'), events.join(', '));
    assert.ok(events.some((x) => x.endsWith('/from-snapshot')), `a from-snapshot event among ${events.join(', ')}`);
  });

  it('delivers graphics events (addresses decoded) and tunable events (typed parameters)', async () => {
    const { name, dom } = await runningGuest();
    const graphics: DomainGraphicsEvent[] = [];
    const tunables: DomainTunableEvent[] = [];
    const onGraphics = (e: DomainGraphicsEvent): void => { if (e.domainName === name) graphics.push(e); e.domain.free(); };
    const onTunable = (e: DomainTunableEvent): void => { if (e.domainName === name) tunables.push(e); e.domain.free(); };
    conn.on('domain:graphics', onGraphics).on('domain:tunable', onTunable);
    let port = 0;
    let clientPort: number | undefined;
    try {
      await conn.eventsReady();
      port = Number(/graphics type='vnc' port='(\d+)'/.exec(await dom.getXMLDesc(0))?.[1]);
      const socket = connect(port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      clientPort = socket.localPort;
      await until(() => graphics.length >= 1, 'the VNC connect event');
      socket.destroy();
      await until(() => graphics.length >= 2, 'the VNC disconnect event');
      await dom.pinVcpuFlags(0, Buffer.from([1]), 1); // VIR_DOMAIN_AFFECT_LIVE
      await until(() => tunables.length >= 1, 'the tunable event');
    } finally {
      conn.off('domain:graphics', onGraphics).off('domain:tunable', onTunable);
      await dom.destroy();
      dom.free();
    }
    assert.deepEqual(graphics.map((g) => g.phase.name), ['connect', 'disconnect']);
    const g = graphics[0] as DomainGraphicsEvent;
    assert.deepEqual(g.local, { family: { code: 0, name: 'ipv4' }, node: '127.0.0.1', service: String(port) });
    assert.equal(g.remote?.node, '127.0.0.1');
    assert.equal(g.remote?.service, String(clientPort));
    assert.equal(g.authScheme, 'none');
    assert.deepEqual(tunables[0]?.params, { 'cputune.vcpupin0': '0' });
  });

  it('delivers storage pool lifecycle events', async () => {
    const names: string[] = [];
    const poolName = uniqueName('evpool');
    const listener = (e: { poolName: string; event: { name: string }; pool: { free(): void } }): void => {
      if (e.poolName === poolName) names.push(e.event.name);
      e.pool.free();
    };
    conn.on('pool:lifecycle', listener);
    const dir = mkdtempSync(join(tmpdir(), `${poolName}-`));
    try {
      await conn.eventsReady();
      const pool = await conn.createStoragePool({ type: 'dir', name: poolName, target: { path: dir } });
      await pool.destroy();
      pool.free();
      await until(() => names.length >= 2, 'two pool events');
    } finally {
      conn.off('pool:lifecycle', listener);
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(names, ['started', 'stopped']);
  });

  it('pauses the loop during a burst of calls when nothing listens; with a listener it runs and events arrive mid-burst', async () => {
    const { name, dom } = await runningGuest();
    await until(() => liveEventRegistrations() === 0, 'earlier registrations to be released');
    const burst = Promise.all(Array.from({ length: 400 }, () => dom.getInfo()));
    const pausedDuringBurst = eventLoopPaused();
    const infos = await burst;
    assert.equal(pausedDuringBurst, true);
    assert.ok(infos.every((i) => i.state.name === 'running'));
    await until(() => !eventLoopPaused(), 'the loop to resume after the last call', 5_000);

    const got: string[] = [];
    const listener = (e: DomainLifecycleEvent): void => { if (e.domainName === name) got.push(`${e.event.name}/${e.detail.name}`); e.domain.free(); };
    conn.on('domain:lifecycle', listener);
    await conn.eventsReady();
    const calls = Promise.all(Array.from({ length: 400 }, () => dom.getInfo()));
    assert.equal(eventLoopPaused(), false, 'a listener keeps the loop running during calls');
    await dom.suspend();
    await until(() => got.includes('suspended/paused'), 'the suspend event while calls are in flight');
    await calls;
    conn.off('domain:lifecycle', listener);
    await dom.destroy();
    dom.free();
  });

  it('a keepalive keeps the loop running until close(); one that close() overtakes does not', async () => {
    await until(() => liveEventRegistrations() === 0, 'earlier registrations to be released');
    const before = eventLoopDemand();
    const set = await Connection.open(DAEMON_URI);
    assert.equal(await set.setKeepAlive(5, 3), 0);
    assert.equal(eventLoopDemand(), before + 1);
    await set.close();
    assert.equal(eventLoopDemand(), before);

    // close() runs while virConnectSetKeepAlive is on its way: the call still succeeds (it holds
    // the connection), but the connection is closed by the time it answers.
    const raced = await Connection.open(DAEMON_URI);
    const answer = raced.setKeepAlive(5, 3);
    const closed = raced.close();
    assert.equal(await answer, 0);
    await closed;
    assert.equal(eventLoopDemand(), before);
  });

  it('`tsvirt events --json` prints the events of a domain as JSON lines, and stops after --count', async () => {
    const disk = scratch.createVolume({ format: 'qcow2', capacityMiB: 64 });
    const name = scratch.defineGuest({ disk }).name;
    const child = spawn(process.execPath, [resolve(root, 'dist/src/cli/main.js'), 'events', '--connect', DAEMON_URI, '--domain', name,
      '--types', 'domain:lifecycle', '--count', '2', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    try {
      await until(() => stderr.includes('watching'), 'the CLI to listen');
      const dom = await conn.lookupDomain(name);
      await dom.start();
      await dom.destroy();
      dom.free();
      assert.equal(await within(exited, 30_000), 0, stderr);
    } finally {
      // One that has not stopped after --count would watch for ever, past the test.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; domainName: string; event: { name: string }; detail: { name: string } });
    assert.equal(lines.length, 2);
    for (const l of lines) assert.equal(l.domainName, name);
    assert.ok(lines.every((l) => l.type === 'domain:lifecycle'));
    assert.ok(lines.some((l) => l.event.name === 'started' || l.event.name === 'resumed'), stdout);
  });
});

// These stop and kill the daemon: they hold no scratch objects, whose connection would die too.
describe('a dead libvirtd (qemu:///system)', function () {
  this.timeout(180_000);

  it('notices a hung daemon within the keepalive window: the call in flight rejects and close is emitted', async () => {
    const c = await Connection.open(DAEMON_URI, { keepAlive: { interval: 1, count: 2 } });
    const closes: ConnectionCloseEvent[] = [];
    c.on('close', (e) => { closes.push(e); });
    await c.eventsReady();
    const pid = libvirtdPid();
    // Never leave the daemon stopped, even if this test is cut short.
    const resume = (): void => { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } };
    process.once('exit', resume);
    process.kill(pid, 'SIGSTOP');
    const t0 = Date.now();
    try {
      await assert.rejects(c.listAllDomains(), (e: unknown) => isLibvirtError(e));
    } finally {
      resume();
      process.off('exit', resume);
    }
    const took = Date.now() - t0;
    await until(() => closes.length > 0, 'the close event', 10_000);
    assert.equal(closes[0]?.reason.name, 'keepalive');
    // interval 1 s, count 2: about 3 s; generous for a loaded machine, far below "hangs".
    assert.ok(took < 15_000, `rejected after ${took} ms`);
    await c.close();
  });

  it('frees the last object of a closed connection without blocking the main thread on a hung daemon', async () => {
    const scratch = new ScratchPool(DAEMON_URI);
    try {
      const c = await Connection.open(DAEMON_URI);
      const pool = await c.lookupStoragePool(scratch.name);
      assert.equal(await c.close(), 1, 'the pool still holds the connection');
      const pid = libvirtdPid();
      // Resumed by another process after 10 s whatever happens here: a blocked main thread runs no JS.
      spawn('sh', ['-c', `sleep 10; kill -CONT ${pid}`], { detached: true, stdio: 'ignore' }).unref();
      process.kill(pid, 'SIGSTOP');
      let took: number;
      try {
        const t0 = performance.now();
        // The connection's last reference goes with the pool: libvirt closes it, a daemon round trip.
        pool.free();
        took = performance.now() - t0;
        await settle(200);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      assert.ok(took < 1000, `free() held the main thread ${took.toFixed(0)} ms`);
    } finally {
      scratch.cleanup();
    }
  });

  it('notices a killed daemon at once, and works again once it is back', async () => {
    const c = await Connection.open(DAEMON_URI);
    const closes: ConnectionCloseEvent[] = [];
    c.on('close', (e) => { closes.push(e); });
    await c.eventsReady();
    const pending = c.listAllDomains();
    process.kill(libvirtdPid(), 'SIGKILL');
    const t0 = Date.now();
    await Promise.allSettled([pending]);
    await assert.rejects(c.listAllDomains(), (e: unknown) => isLibvirtError(e));
    await until(() => closes.length > 0, 'the close event', 10_000);
    assert.equal(closes[0]?.reason.name, 'eof');
    assert.ok(Date.now() - t0 < 10_000);
    await c.close();
    execFileSync('bash', [resolve(root, 'scripts/setup-libvirtd.sh')], { stdio: 'ignore' });
    const again = await Connection.open(DAEMON_URI);
    assert.ok(Array.isArray(await again.listAllDomains()));
    await again.close();
  });
});
