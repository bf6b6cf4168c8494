// The built `tsvirt` binary's stream commands on test:///default: domain screenshot (the test
// driver sends a PNG), and the errors of vol upload / vol download (each run of the binary is a
// fresh test:///default, whose pool has no volume; the test driver cannot transfer anyway).
// Transfers themselves run against the real daemon (tests/daemon/streams-daemon.test.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBuilt, type BinaryRun } from '../support/cli-run.js';

const TEST_PNG = '/usr/share/libvirt/test-screenshot.png';

const tsvirt = (...args: string[]): BinaryRun => runBuilt(args);

describe('tsvirt stream commands (test:///default)', function () {
  this.timeout(60_000);
  let dir: string;

  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'tsvirt-cli-streams-'));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('domain screenshot NAME FILE saves the image and reports its MIME type', () => {
    const file = join(dir, 'screen.png');
    const r = tsvirt('domain', 'screenshot', 'test', file);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `domain test: screenshot saved to ${file} (image/png, ${readFileSync(TEST_PNG).length} bytes)\n`);
    assert.ok(readFileSync(file).equals(readFileSync(TEST_PNG)));
  });

  it('domain screenshot does not replace a file unless --force; --json reports the bytes', () => {
    const file = join(dir, 'taken.png');
    writeFileSync(file, 'keep');
    const refused = tsvirt('domain', 'screenshot', 'test', file);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^tsvirt: EEXIST: .* \(--force replaces it\)$/m);
    assert.equal(readFileSync(file, 'utf8'), 'keep');
    const forced = tsvirt('domain', 'screenshot', 'test', file, '--force', '--json');
    assert.equal(forced.status, 0, forced.stderr);
    assert.deepEqual(JSON.parse(forced.stdout), { kind: 'domain', name: 'test', action: 'screenshot', file, mimeType: 'image/png', bytes: readFileSync(TEST_PNG).length });
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.part')), [], 'no temporary file is left');
  });

  it('--force replaces only a regular file, keeping its permissions; a directory, FIFO, device or link stays, said to be one', () => {
    const file = join(dir, 'private.png');
    writeFileSync(file, 'old', { mode: 0o600 });
    chmodSync(file, 0o600);
    assert.equal(tsvirt('domain', 'screenshot', 'test', file, '--force').status, 0);
    assert.ok(readFileSync(file).equals(readFileSync(TEST_PNG)));
    assert.equal(statSync(file).mode & 0o777, 0o600, 'the replacement keeps the old mode');

    const fifo = join(dir, 'fifo');
    const device = join(dir, 'null');
    // The device case needs root (mknod), as the tests run (.ci/run): without it, it fails rather than being left out.
    for (const [command, ...args] of [['mkfifo', fifo], ['mknod', device, 'c', '1', '3']] as const) {
      const made = spawnSync(command, args, { encoding: 'utf8' });
      assert.equal(made.status, 0, `${command}: ${made.stderr}`);
    }
    const link = join(dir, 'link');
    symlinkSync(file, link);
    const cases: [string, RegExp, () => boolean][] = [
      [dir, /is a directory/, () => lstatSync(dir).isDirectory()],
      [fifo, /is a FIFO/, () => lstatSync(fifo).isFIFO()],
      [link, /is a symbolic link/, () => lstatSync(link).isSymbolicLink()],
      [device, /is a device/, () => lstatSync(device).isCharacterDevice()],
    ];
    // Refused by what it is, with --force and without: not as an EEXIST that --force would replace.
    for (const [target, message, unchanged] of cases) {
      for (const force of [['--force'], []]) {
        const r = tsvirt('domain', 'screenshot', 'test', target, ...force);
        assert.equal(r.status, 1, `${target} ${force.join('')}: ${r.stderr}`);
        assert.match(r.stderr, /VIR_ERR_INVALID_ARG/);
        assert.match(r.stderr, message);
        assert.doesNotMatch(r.stderr, /EEXIST|--force replaces it/, `${target} ${force.join('')}`);
        assert.ok(unchanged(), `${target} is still what it was`);
      }
    }
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.part')), [], 'no temporary file is left');
    const nowhere = join(dir, 'no-such-dir', 'x.png');
    const missing = tsvirt('domain', 'screenshot', 'test', nowhere, '--force');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, new RegExp(`ENOENT: cannot write ${nowhere.replace(/[.]/g, '\\.')} \\(through a temporary file`), 'the error names FILE');
  });

  it('domain screenshot of a missing domain fails typed and writes no file', () => {
    const file = join(dir, 'none.png');
    const r = tsvirt('domain', 'screenshot', 'no-such-domain', file);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /VIR_ERR_NO_DOMAIN/);
    assert.equal(existsSync(file), false);
  });

  it('vol upload / download: the driver error and exit 1, usage errors exit 2, no file left', () => {
    const src = join(dir, 'src.img');
    writeFileSync(src, Buffer.alloc(4096, 1));
    const up = tsvirt('vol', 'upload', 'default-pool', 'no-such-vol', src);
    assert.equal(up.status, 1);
    assert.match(up.stderr, /VIR_ERR_NO_STORAGE_VOL/);
    const missing = tsvirt('vol', 'download', 'default-pool');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /vol download POOL VOL FILE/);
    const badOffset = tsvirt('vol', 'upload', 'default-pool', 'v', src, '--offset=-3');
    assert.equal(badOffset.status, 2);
    assert.match(badOffset.stderr, /--offset: not a byte count: -3/);
    for (const [flag, ...rest] of [['--length', '10'], ['--force']] as const) {
      const ignored = tsvirt('vol', 'upload', 'default-pool', 'v', src, flag, ...rest);
      assert.equal(ignored.status, 2, `upload ${flag}`);
      assert.match(ignored.stderr, new RegExp(`vol upload takes no ${flag}`));
    }
    const out = join(dir, 'out.img');
    assert.equal(tsvirt('vol', 'download', 'default-pool', 'no-such-vol', out).status, 1);
    assert.equal(existsSync(out), false);
  });
});
