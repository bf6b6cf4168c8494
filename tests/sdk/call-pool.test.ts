// The call threads on test:///default: closing the pool with calls queued and answers on their
// way, and what calls on several threads at once must not share.
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { CallPool } from '../../src/sdk/engine/call-pool.js';
import { Connection, Domain } from '../../src/sdk/index.js';
import { closeTestDomain, openTestDomain } from '../support/test-domain.js';
import { withPatched } from '../support/with-patched.js';

describe('call pool (test:///default)', function () {
  this.timeout(60_000);
  let conn: Connection;
  let dom: Domain;
  before(async () => ({ conn, dom } = await openTestDomain()));
  after(() => closeTestDomain(conn, dom));

  it('close() with calls queued starts no thread for them when an answer arrives meanwhile, and settles every call', async () => {
    // Whether the thread answers while close() stops it depends on where it is in its batches
    // when close() comes: tried until it does (one try in nearly every run).
    let answeredDuringClose = false;
    for (let attempt = 0; attempt < 10 && !answeredDuringClose; attempt++) {
      const pool = new CallPool(1);
      await pool.call('virDomainGetID', [dom.handle]); // the thread is up
      const calls = Array.from({ length: 3000 }, () => pool.call('virDomainGetInfo', [dom.handle]));
      await calls[0];
      assert.ok(pool.queued > 0, 'calls still queued when close() begins');
      let answers = 0;
      (pool as unknown as { threads: { serving: { worker: Worker } }[] }).threads[0]?.serving.worker.on('message', () => answers++);
      await pool.close();
      answeredDuringClose = answers > 0;
      const outcomes = await Promise.allSettled(calls);
      // A thread started for the queued calls would answer them after close() cleared the count.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(pool.outstanding.count, 0);
      const closed = outcomes.filter((o) => o.status === 'rejected' && /pool is closed/.test(String(o.reason))).length;
      const done = outcomes.filter((o) => o.status === 'fulfilled').length;
      assert.equal(closed + done, calls.length);
      // The batch answered before close() and the two the thread held (batches of at most 64).
      assert.ok(done <= 3 * 64, `${done} calls ran: no more than were answered or on the thread when close() began`);
    }
    assert.ok(answeredDuringClose, 'in no try did an answer arrive while close() stopped the thread');
  });

  it("offers no read of the connection's last error without libvirt's lock; the locked copy stays", async () => {
    // virConnGetLastError hands out the connection's own struct: failures of calls on other
    // threads free its strings while they are read (seen: garbage messages).
    assert.equal('connGetLastError' in Connection.prototype, false);
    await assert.rejects(conn.storagePoolLookupByName('no-such-pool'));
    const copy = (await conn.connCopyLastError()) as { to: { message: string } };
    assert.match(copy.to.message, /no-such-pool/);
  });

  it("offers no method that moves the thread running it into a guest's namespaces", () => {
    // setns applies to the calling thread: a call thread would stay inside the guest for every
    // call after it.
    assert.equal('lxcEnterNamespace' in Domain.prototype, false);
  });

  it('refuses alone a call whose argument cannot be cloned; its batch and later calls get their own answers', async () => {
    const pool = new CallPool(1);
    try {
      await pool.call('virDomainGetID', [dom.handle]); // the thread is up, so that the calls below share batches
      const lookup = (i: number): Promise<unknown> => pool.call('virStoragePoolLookupByName', [conn.handle, `missing-${i}`]);
      const uncloneable = (): number => 0;
      const burst = Array.from({ length: 300 }, (_, i) => (i === 150 ? pool.call('virConnectListAllDomains', [conn.handle, uncloneable]) : lookup(i)));
      const outcomes = await Promise.allSettled(burst);
      outcomes.forEach((o, i) => {
        const reason = String((o as PromiseRejectedResult).reason);
        if (i === 150) assert.match(reason, /DataCloneError/);
        else assert.ok(reason.includes(`'missing-${i}'`), `call ${i}: ${reason}`);
      });
      const later = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => (i % 2 ? pool.call('virDomainGetMaxVcpus', [dom.handle]) : lookup(1000 + i))));
      later.forEach((o, i) => {
        if (i % 2) assert.deepEqual(o, { status: 'fulfilled', value: 2 });
        else assert.ok(String((o as PromiseRejectedResult).reason).includes(`'missing-${1000 + i}'`), `later call ${i}`);
      });
      assert.equal(pool.outstanding.count, 0);
    } finally {
      await pool.close();
    }
  });

  it('hands out a long queue with work that grows with its length, not its square', async () => {
    // Counted, not timed: the array elements the hand-out copies, moves or clears. Taking each
    // batch off the front with splice(0, n) moved every call queued behind it (quadratic); a
    // queue that drops what it handed out in one copy now and then touches each call a few times.
    const pool = new CallPool(2);
    try {
      await pool.call('virDomainGetID', [dom.handle]);
      /** Elements the main thread's hand-out (pump) touches for `n` calls queued at once. */
      const handOut = async (n: number): Promise<number> => {
        let touched = 0;
        let counting = false;
        const proto = Array.prototype as unknown as Record<string, (this: unknown[], ...a: number[]) => unknown>;
        const at = (i: number | undefined, length: number, fallback: number): number =>
          i === undefined ? fallback : i < 0 ? Math.max(0, length + i) : Math.min(i, length);
        const work: Record<string, (a: unknown[], args: number[]) => number> = {
          slice: (a, [s, e]) => Math.max(0, at(e, a.length, a.length) - at(s, a.length, 0)),
          fill: (a, [, s, e]) => Math.max(0, at(e, a.length, a.length) - at(s, a.length, 0)),
          copyWithin: (a, [, s, e]) => Math.max(0, at(e, a.length, a.length) - at(s, a.length, 0)),
          splice: (a) => a.length,
          shift: (a) => a.length,
          unshift: (a) => a.length,
        };
        const originals = Object.fromEntries(Object.keys(work).map((m) => [m, proto[m] as (this: unknown[], ...a: number[]) => unknown]));
        for (const [m, cost] of Object.entries(work)) {
          const original = originals[m] as (this: unknown[], ...a: number[]) => unknown;
          proto[m] = function (this: unknown[], ...args: number[]): unknown {
            if (counting) touched += cost(this, args);
            return original.apply(this, args);
          };
        }
        try {
          await withPatched(pool as unknown as { pump: () => void }, 'pump', (pump) => function (this: unknown) {
            counting = true;
            try {
              pump.call(this);
            } finally {
              counting = false;
            }
          }, () => Promise.all(Array.from({ length: n }, () => pool.call('virDomainGetID', [dom.handle]))));
        } finally {
          for (const m of Object.keys(work)) proto[m] = originals[m] as (this: unknown[], ...a: number[]) => unknown;
        }
        return touched;
      };
      const small = await handOut(10_000);
      const large = await handOut(160_000);
      assert.ok(small >= 10_000, `${small} elements touched for 10k calls: every call taken off the queue is counted`);
      // 16 times the calls: 16 times the work when it grows linearly, 256 times when quadratic.
      assert.ok(large < 2 * 16 * small, `${large} elements touched for 160k calls, ${small} for 10k`);
    } finally {
      await pool.close();
    }
  });
});
