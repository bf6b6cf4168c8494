// Stopping tsvirt's worker threads (engine/threads.ts): a thread is never terminated inside a
// request, where koffi would abort the process, neither by its owner nor at process exit.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_WAIT_MS, ServingThread } from '../../src/sdk/engine/threads.js';
import { withLoadedMarker } from '../support/loaded-marker.js';

const here = dirname(fileURLToPath(import.meta.url));
const slowWorker = new URL('../support/slow-serving-worker.ts', import.meta.url);

describe('serving threads', function () {
  this.timeout(60_000);

  it('stop() lets the running request return and answer, and runs no request posted after it', async () => {
    const thread = new ServingThread(slowWorker);
    const answers: unknown[] = [];
    thread.worker.on('message', (m) => answers.push(m));
    thread.worker.postMessage(300);
    thread.worker.postMessage(5); // waits behind the first: stop() comes before it runs
    await once(thread.worker, 'message'); // 'running'
    await thread.stop();
    // The request's answer came before stop() resolved: it waited for the request to return.
    assert.deepEqual(answers, ['running', 300]);
  });

  it('stop() of a thread still loading its modules ends it once loaded, without running what was posted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvirt-threads-'));
    try {
      const marker = join(dir, 'loaded');
      const thread = await withLoadedMarker(marker, async () => new ServingThread(slowWorker));
      const answers: unknown[] = [];
      thread.worker.on('message', (m) => answers.push(m));
      thread.worker.postMessage(5);
      assert.equal(existsSync(marker), false, 'still loading when stopped');
      await thread.stop();
      assert.ok(existsSync(marker), 'it ended after it had loaded, not part-way');
      assert.deepEqual(answers, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const script = (name: string, ...args: string[]): SpawnSyncReturns<string> =>
    spawnSync(process.execPath, ['--import', 'tsx', join(here, '../support', name), ...args], { encoding: 'utf8', timeout: 30_000 });

  it('process.exit() during a request waits for it to return', () => {
    const r = script('exit-during-request.ts');
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /a request of 300 ms returned/);
    assert.doesNotMatch(r.stderr, /still run a call/);
  });

  it('process.exit() during a request longer than EXIT_WAIT_MS exits after it, and says so', () => {
    const r = script('exit-during-request.ts', String(EXIT_WAIT_MS + 3000));
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /tsvirt: exiting while 1 worker thread\(s\) still run a call, after waiting 5 s/);
    assert.doesNotMatch(r.stderr, /returned/);
  });

  it('stopping idle threads settles: the call pool and the stream threads close with nothing in flight', () => {
    // An idle thread is unreferenced; its stop() never resolved, and the script ended with exit
    // code 13 (a top-level await that never settled) before saying anything.
    const r = script('idle-close.ts');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'stream threads stopped\ncall pool closed\n');
  });

  it('process.exit() does not wait for a thread whose module failed to load', () => {
    // Exits on the thread's 'error' event, before its 'exit' event could take it off the list.
    const r = script('exit-after-failed-load.ts');
    assert.equal(r.status, 4, r.stderr);
    assert.doesNotMatch(r.stderr, /still run a call/);
  });
});
