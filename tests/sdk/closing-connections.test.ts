// Closing connections off the main thread (src/sdk/engine/closing-connections.ts): which close
// waits for which, and when a connection stops lingering. Pointer values here are made up: these
// functions keep counts and never touch the memory.
import assert from 'node:assert/strict';
import { Connection, Stream, sharedPool } from '../../src/sdk/index.js';
import { closeConnection, closingConnection, connectionHeld, closesAnswered, isLingering } from '../../src/sdk/engine/closing-connections.js';

const answered = <T>(p: Promise<T>, ms = 2000): Promise<T | 'still waiting'> =>
  Promise.race([p, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), ms))]);

describe('closing connections', () => {
  it('a close waits for the earlier closes of its own connection only', async () => {
    const hung = 0x7e57_0001n;
    const other = 0x7e57_0002n;
    connectionHeld(hung);
    closingConnection(hung);
    let answer: (n: number) => void = () => undefined;
    void closeConnection(hung, () => new Promise<number>((resolve) => { answer = resolve; })); // a daemon that does not answer
    assert.equal(await answered(closesAnswered(other), 200), undefined, 'another connection does not wait for it');
    assert.equal(await answered(closesAnswered(hung), 200), 'still waiting');
    answer(0); // the daemon answers at last
    assert.equal(await answered(closesAnswered(hung)), undefined);
    assert.equal(isLingering(hung), false);
  });

  it("a late answer of an earlier close leaves a reused address's lingering alone", async () => {
    const reused = 0x7e57_0003n;
    connectionHeld(reused);
    closingConnection(reused);
    let answerOld: (n: number) => void = () => undefined;
    const old = closeConnection(reused, () => new Promise<number>((resolve) => { answerOld = resolve; }));
    connectionHeld(reused); // libvirt gave the address to a new connection
    closingConnection(reused); // which the SDK closes while its objects hold it
    answerOld(0); // the first connection's close answers only now
    await old;
    assert.equal(isLingering(reused), true, 'the new connection still lingers');
    assert.equal(await closeConnection(reused, () => Promise.resolve(0)), 0);
    assert.equal(isLingering(reused), false, "its own close's 0 ends it");
  });

  it('a second close() answers what the first one does', async () => {
    const conn = await Connection.open('test:///default');
    const dom = await conn.lookupDomain('test');
    const first = conn.close();
    const second = conn.close();
    assert.equal(await second, 1, 'the domain still holds the connection');
    assert.equal(await first, 1);
    dom.free();
  });

  it('closing a connection does not wait for calls on a Connection lent from it', async () => {
    const conn = await Connection.open('test:///default');
    const dom = await conn.lookupDomain('test');
    const lent = dom.getConnect();
    const inFlight = [lent.handle]; // stands for a call on the lent Connection that takes long
    sharedPool().pins.pin(inFlight);
    try {
      assert.equal(await answered(conn.close()), 1, 'lent and the domain hold it; no wait needed');
    } finally {
      sharedPool().pins.unpin(inFlight);
    }
    dom.free();
    assert.equal(await answered(lent.close()), 0);
  });

  it("a stream's release, the last reference of a closed connection, ends its lingering", async () => {
    const conn = await Connection.open('test:///default');
    const ptr = conn.handle;
    const stream = await Stream.create(conn);
    assert.equal(await conn.close(), 1, 'the stream still holds the connection');
    assert.equal(isLingering(ptr), true);
    await stream.close();
    await closesAnswered(ptr);
    assert.equal(isLingering(ptr), false, 'its release dropped the last reference, and said so');
  });

  it('the closes of one connection run one after another, in the order they were asked for', async () => {
    const conn = 0x7e57_0004n;
    const other = 0x7e57_0005n;
    const started: string[] = [];
    let answerFirst: (n: number) => void = () => undefined;
    const first = closeConnection(conn, () => {
      started.push('first');
      return new Promise<number>((resolve) => { answerFirst = resolve; });
    });
    const second = closeConnection(conn, () => { started.push('second'); return Promise.resolve(0); });
    const elsewhere = closeConnection(other, () => { started.push('other'); return Promise.resolve(0); });
    assert.equal(await elsewhere, 0, 'another connection does not wait');
    assert.deepEqual(started, ['first', 'other'], 'the second close waits for the first to answer');
    answerFirst(1);
    assert.deepEqual([await first, await second], [1, 0]);
    assert.deepEqual(started, ['first', 'other', 'second']);
  });
});
