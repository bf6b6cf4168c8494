// The progress bar of `tsvirt image check|map`: only on a TTY, only once the work is long.
import assert from 'node:assert/strict';
import { progressBar } from '../../src/cli/image-command.js';

function fakeStderr(isTTY: boolean): { stream: NodeJS.WritableStream; text: () => string } {
  let out = '';
  const stream = { isTTY, write: (s: string) => { out += s; return true; } } as unknown as NodeJS.WritableStream;
  return { stream, text: () => out };
}

describe('image progress bar', () => {
  it('draws on a TTY after half a second, at most every 100 ms, and clears its line at the end', () => {
    const err = fakeStderr(true);
    let now = 1_000;
    const bar = progressBar({ stdout: err.stream, stderr: err.stream }, true, () => now);
    bar.tick(10, 100);
    assert.equal(err.text(), '', 'nothing during the first half second');
    now += 600;
    bar.tick(50, 100);
    assert.equal(err.text(), `\r    ( 50.00/100%) [${'#'.repeat(20).padEnd(40)}]`);
    now += 50;
    bar.tick(60, 100);
    assert.equal(err.text().split('\r').length, 2, 'not redrawn within 100 ms');
    bar.end();
    assert.ok(err.text().endsWith('\r\x1b[K'));
  });

  it('stays silent when stderr is not a TTY, or with --no-progress', () => {
    for (const [tty, enabled] of [[false, true], [true, false]] as const) {
      const err = fakeStderr(tty);
      let now = 0;
      const bar = progressBar({ stdout: err.stream, stderr: err.stream }, enabled, () => now);
      now = 5_000;
      bar.tick(1, 2);
      bar.end();
      assert.equal(err.text(), '');
    }
  });
});
