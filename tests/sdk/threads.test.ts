// Stopping tsvirt's worker threads (engine/threads.ts): a thread is never terminated inside a
// request, where koffi would abort the process, neither by its owner nor at process exit.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServingThread } from '../../src/sdk/engine/threads.js';

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
    const t0 = performance.now();
    await thread.stop();
    const took = performance.now() - t0;
    assert.ok(took >= 250, `stop() resolved after ${took.toFixed(0)} ms, before the request returned`);
    assert.deepEqual(answers, ['running', 300]);
  });

  it('stop() of a thread still loading its modules ends it once loaded, without running what was posted', async () => {
    const thread = new ServingThread(slowWorker);
    const answers: unknown[] = [];
    thread.worker.on('message', (m) => answers.push(m));
    thread.worker.postMessage(5);
    await thread.stop();
    assert.deepEqual(answers, []);
  });

  it('process.exit() during a request waits for it to return', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, '../support/exit-during-request.ts')], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /a request of 300 ms returned/);
  });
});
