// When the SDK pauses libvirt's event loop (see src/sdk/events/loop-pause.ts): only while calls
// are in flight and nothing needs the loop, resumed after a linger, at once on demand.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONTROL_BYTES, LoopPause, PAUSED } from '../../src/sdk/events/loop-pause.js';

function fixture(): { pause: LoopPause; control: Int32Array; wakes: () => number } {
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
  let wakes = 0;
  return { pause: new LoopPause(control, () => { wakes++; }), control, wakes: () => wakes };
}

describe('pausing the event loop during calls', () => {
  it('pauses when calls start, wakes the loop once, and resumes only after the linger', async () => {
    const { pause, control, wakes } = fixture();
    pause.setBusy('calls', true);
    assert.equal(Atomics.load(control, PAUSED), 1);
    assert.equal(wakes(), 1);
    pause.setBusy('calls', false);
    assert.equal(Atomics.load(control, PAUSED), 1, 'a call that follows at once finds the loop still paused');
    pause.setBusy('calls', true);
    pause.setBusy('calls', false);
    assert.equal(wakes(), 1, 'no second wake while already paused');
    await sleep(120);
    assert.equal(Atomics.load(control, PAUSED), 0);
    assert.equal(pause.paused, false);
  });

  it('stays paused while any source has calls in flight', async () => {
    const { pause, control } = fixture();
    pause.setBusy('calls', true);
    pause.setBusy('streams', true);
    pause.setBusy('calls', false);
    await sleep(120);
    assert.equal(Atomics.load(control, PAUSED), 1, 'a stream transfer still runs');
    pause.setBusy('streams', false);
    await sleep(120);
    assert.equal(Atomics.load(control, PAUSED), 0);
  });

  it('never pauses while something needs the loop, and resumes at once when that appears', () => {
    const { pause, control } = fixture();
    pause.addDemand();
    pause.setBusy('calls', true);
    assert.equal(Atomics.load(control, PAUSED), 0);
    pause.removeDemand();
    assert.equal(Atomics.load(control, PAUSED), 1, 'calls still in flight: now it pauses');
    pause.setBusy('calls', false);
    pause.addDemand();
    assert.equal(Atomics.load(control, PAUSED), 0, 'demand does not wait for the linger');
    pause.release();
  });

  it('wakes a waiting loop thread when resumed, and release() never leaves it waiting', async () => {
    const { pause, control } = fixture();
    pause.setBusy('calls', true);
    // Atomics.waitAsync is in Node 20, not in the ES2023 typings this project compiles against.
    const waitAsync = (Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: Promise<string> | string } }).waitAsync;
    const waited = waitAsync(control, PAUSED, 1, 5000);
    assert.equal(waited.async, true);
    pause.release();
    assert.equal(await waited.value, 'ok');
    assert.equal(Atomics.load(control, PAUSED), 0);
  });

  it('releases the requirement of an owner that was dropped without releasing it (on the test driver)', () => {
    const root = resolve(import.meta.dirname, '../..');
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', resolve(root, 'tests/support/dropped-requirement.ts')], { cwd: root, encoding: 'utf8' });
    const seen = JSON.parse(out) as { before: boolean; whileOwned: boolean; afterDrop: boolean };
    assert.deepEqual(seen, { before: true, whileOwned: false, afterDrop: true });
  });
});
