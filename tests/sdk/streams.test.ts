// Streams on test:///default: the screenshot (the test driver sends a PNG through a stream), the
// Stream lifetime (close once, calls after close are typed errors), Node backpressure, and
// typed errors with nothing left open where the test driver lacks upload, download and consoles.
// Transfers with holes run against the real daemon (tests/daemon/streams-daemon.test.ts).
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { Connection, Stream, fileExtents, isAllZero, liveStreamCount, streamReadable, streamSparseReadable, streamWindow, streamWritable } from '../../src/sdk/index.js';
import type { Domain, StoragePool, StorageVolume } from '../../src/sdk/index.js';
import { isLibvirtError } from '../../src/ffi/index.js';
import { sharedPool } from '../../src/sdk/engine/call-pool.js';

const root = resolve(import.meta.dirname, '../..');
const TEST_PNG = '/usr/share/libvirt/test-screenshot.png';

/** Rejects with a LibvirtError of this code name. */
async function rejectsWith(p: Promise<unknown>, codeName: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isLibvirtError(e), `a LibvirtError, got ${String(e)}`);
    assert.equal(e.codeName, codeName, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** Attaches `s` to the test domain's screen (what Domain#screenshot does), for tests of the raw Stream API. */
async function attachScreenshot(conn: Connection, s: Stream): Promise<string> {
  const d = await conn.lookupDomain('test');
  try {
    return (await sharedPool().call('virDomainScreenshot', [d.handle, s.handle, 0, 0])) as string;
  } finally {
    d.free();
  }
}

/** Waits until every stream of the test was closed (closing finishes on a stream thread). */
async function noStreamsLeft(before: number): Promise<void> {
  for (let i = 0; i < 100 && liveStreamCount() > before; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(liveStreamCount(), before, 'every stream was closed');
}

describe('SDK streams (test:///default)', function () {
  this.timeout(60_000);
  let conn: Connection;
  let dom: Domain;
  let dir: string;
  let openBefore: number;

  before(async () => {
    conn = await Connection.open('test:///default');
    dom = await conn.lookupDomain('test');
    dir = mkdtempSync(join(tmpdir(), 'tsvirt-streams-'));
  });

  after(async () => {
    dom?.free();
    await conn?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    openBefore = liveStreamCount();
  });

  afterEach(async () => {
    await noStreamsLeft(openBefore);
  });

  describe('screenshot', () => {
    it('returns the MIME type, and the image through the stream, byte for byte', async () => {
      const shot = await dom.screenshot();
      assert.equal(shot.mimeType, 'image/png');
      assert.deepEqual(await buffer(shot.data), readFileSync(TEST_PNG));
    });

    it('a bad screen number is a typed error before any call', async () => {
      await rejectsWith(dom.screenshot(-1), 'VIR_ERR_INVALID_ARG', /screen must be a non-negative integer/);
      // A value that String() cannot print still rejects, rather than throwing at the call.
      let shot: Promise<unknown> | undefined;
      assert.doesNotThrow(() => { shot = dom.screenshot([Symbol('screen')] as never); });
      await rejectsWith(shot as Promise<unknown>, 'VIR_ERR_INVALID_ARG', /screen must be a non-negative integer, got an array/);
      await rejectsWith(dom.screenshot(0.5), 'VIR_ERR_INVALID_ARG');
    });

    it('a freed domain is a typed error, not a crash', async () => {
      const d = await conn.lookupDomain('test');
      d.free();
      await rejectsWith(d.screenshot(), 'VIR_ERR_INVALID_ARG', /already freed or closed/);
    });

    it('streams dropped half-way are aborted and released by the safety net; liveStreamCount() comes back down', () => {
      const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'tests/support/dropped-streams.ts')], { cwd: root, encoding: 'utf8' });
      const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { open: number; left: number; finalized: number; bytes: number };
      assert.equal(r.open, 4, 'four streams were left open');
      assert.equal(r.left, 0, 'the safety net closed them all');
      assert.ok(r.finalized >= 4, `the safety net ran (${r.finalized})`);
      assert.equal(r.bytes, readFileSync(TEST_PNG).length, 'streams still work afterwards');
    });

    it('a screenshot asked for before free() completes, as a single call does', async () => {
      const d = await conn.lookupDomain('test');
      const pending = d.screenshot();
      d.free();
      const shot = await pending;
      assert.deepEqual(await buffer(shot.data), readFileSync(TEST_PNG));
    });
  });

  describe('Stream', () => {
    it('closes once; any call after close is a typed error', async () => {
      const s = await Stream.create(conn);
      assert.equal(liveStreamCount(), openBefore + 1);
      assert.equal(s.state, 'open');
      await s.close();
      await s.close();
      s.free();
      assert.equal(s.closed, true);
      assert.equal(s.released, true);
      assert.equal(s.state, 'aborted', 'an unfinished stream is aborted before it is freed');
      await rejectsWith(s.recv(), 'VIR_ERR_INVALID_ARG', /already freed or closed/);
      await rejectsWith(s.send(Buffer.from('x')), 'VIR_ERR_INVALID_ARG', /already freed or closed/);
      await rejectsWith(s.finish(), 'VIR_ERR_INVALID_ARG', /already freed or closed/);
      assert.throws(() => s.handle, /already freed or closed/);
    });

    it('free() right after a call: the call does not start (it could wait for ever), then the stream is released', async () => {
      const s = await Stream.create(conn);
      await attachScreenshot(conn, s);
      const pending = s.recv(16);
      s.free();
      await rejectsWith(pending, 'VIR_ERR_OPERATION_ABORTED', /closed during this call/);
      await rejectsWith(s.recv(16), 'VIR_ERR_INVALID_ARG', /already freed or closed/);
      await s.close();
      assert.equal(s.released, true);
      assert.equal(s.state, 'aborted');
    });

    it('bad arguments are typed errors', async () => {
      await using s = await Stream.create(conn);
      await rejectsWith(s.recv(0), 'VIR_ERR_INVALID_ARG', /recv size/);
      await rejectsWith(s.recv(1.5), 'VIR_ERR_INVALID_ARG');
      await rejectsWith(s.sendHole(-1), 'VIR_ERR_INVALID_ARG', /hole length/);
      await rejectsWith(s.send('text' as unknown as Uint8Array), 'VIR_ERR_INVALID_ARG', /Uint8Array/);
      await rejectsWith(s.recvInto(new Uint8Array(16)), 'VIR_ERR_INVALID_ARG', /SharedArrayBuffer/);
      assert.throws(() => streamWindow(0), /window size/);
    });

    it('option objects with a key they do not have are refused, not ignored', async () => {
      const unknown = (fn: string, key: string): RegExp => new RegExp(`^${fn}: unknown option '${key}'`);
      const before = liveStreamCount();
      // `nonblocking` for `nonBlocking` made a blocking stream.
      await rejectsWith(Stream.create(conn, { nonblocking: true } as never), 'VIR_ERR_INVALID_ARG', unknown('Stream\\.create', 'nonblocking'));
      assert.equal(liveStreamCount(), before, 'no stream was made');
      await using s = await Stream.create(conn);
      // `stopAtHoles` for `stopAtHole` received a hole as zeros.
      await rejectsWith(s.recv(16, { stopAtHoles: true } as never), 'VIR_ERR_INVALID_ARG', unknown('recv', 'stopAtHoles'));
      await rejectsWith(s.recvInto(streamWindow(16), { stopAtHoles: true } as never), 'VIR_ERR_INVALID_ARG', unknown('recvInto', 'stopAtHoles'));
      const fd = openSync('/dev/null', 'w');
      try {
        await rejectsWith(s.recvToFile(fd, 0, 16, { stopAtHoles: true } as never), 'VIR_ERR_INVALID_ARG', unknown('recvToFile', 'stopAtHoles'));
      } finally {
        closeSync(fd);
      }
      assert.equal(s.state, 'open', 'refused before libvirt was called');
      const invalid = (pattern: RegExp) => (e: unknown): boolean => isLibvirtError(e) && e.codeName === 'VIR_ERR_INVALID_ARG' && pattern.test(e.message);
      assert.throws(() => streamReadable(s, { chunksize: 16 } as never), invalid(unknown('streamReadable', 'chunksize')));
      assert.throws(() => streamSparseReadable(s, { onprogress: () => undefined } as never), invalid(unknown('streamSparseReadable', 'onprogress')));
      assert.throws(() => streamWritable(s, { highwaterMark: 16 } as never), invalid(unknown('streamWritable', 'highwaterMark')));
    });

    it('a failed call leaves the stream failed: later calls are refused, close() aborts and frees it', async () => {
      const s = await Stream.create(conn);
      await rejectsWith(s.recv(16), 'VIR_ERR_NO_SUPPORT');
      assert.equal(s.state, 'failed');
      await rejectsWith(s.recv(16), 'VIR_ERR_OPERATION_INVALID', /the stream is failed/);
      await s.close();
      assert.equal(s.released, true);
    });

    it('recvInto fills a shared window without a copy', async () => {
      const s = await Stream.create(conn);
      assert.equal(await attachScreenshot(conn, s), 'image/png');
      const window = streamWindow(4096);
      const parts: Buffer[] = [];
      for (;;) {
        const c = await s.recvInto(window);
        if (c.kind !== 'data') {
          assert.equal(c.kind, 'end');
          break;
        }
        assert.equal(c.data.buffer, window.buffer, 'the data is a view of the window');
        parts.push(Buffer.from(c.data));
      }
      await s.finish();
      assert.equal(s.state, 'finished');
      await s.close();
      assert.deepEqual(Buffer.concat(parts), readFileSync(TEST_PNG));
    });
  });

  describe('Node streams', () => {
    it('the Readable receives one chunk per _read and stops while nobody reads (backpressure)', async () => {
      const s = await Stream.create(conn);
      let receives = 0;
      const received: number[] = [];
      const recv = s.recv.bind(s);
      s.recv = async (max, options) => {
        receives++;
        const c = await recv(max, options);
        if (c.kind === 'data') received.push(c.data.length);
        return c;
      };
      await attachScreenshot(conn, s);
      const readable = streamReadable(s, { chunkSize: 1000 });
      // Not read yet: Node fills its buffer up to the high-water mark (two chunks) and stops.
      readable.pause();
      readable.read(0);
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(receives >= 1 && receives <= 3, `${receives} receives before anyone read`);
      const chunks: Buffer[] = [];
      for await (const c of readable) chunks.push(c as Buffer);
      assert.deepEqual(Buffer.concat(chunks), readFileSync(TEST_PNG));
      assert.ok(received.every((n) => n <= 1000), 'no receive larger than asked');
      assert.equal(receives, received.length + 1, 'one receive per chunk pushed, plus the one that saw the end');
      assert.equal(s.released, true, 'the end of the Readable freed the stream');
      assert.equal(s.state, 'finished');
    });

    it('destroying the Readable half-way aborts and frees the stream', async () => {
      const shot = await dom.screenshot();
      const stream = (shot.data as unknown as { stream: Stream }).stream;
      assert.equal(liveStreamCount(), openBefore + 1);
      const first = await new Promise<Buffer>((resolve) => shot.data.once('data', resolve));
      assert.ok(first.length > 0);
      shot.data.destroy();
      await new Promise((r) => shot.data.once('close', r));
      assert.equal(stream.state, 'aborted', 'aborted, not finished');
      assert.equal(stream.released, true);
      await noStreamsLeft(openBefore);
    });

    it('a Writable whose sends fail rejects its pipeline with the LibvirtError and closes the stream', async () => {
      const s = await Stream.create(conn);
      const source = Readable.from([Buffer.alloc(1000, 1), Buffer.alloc(1000, 2)]);
      await rejectsWith(pipeline(source, streamWritable(s)), 'VIR_ERR_NO_SUPPORT');
      await noStreamsLeft(openBefore);
      assert.equal(s.released, true);
    });
  });

  describe('where the test driver has no streams', () => {
    let pool: StoragePool;
    let vol: StorageVolume;

    before(async () => {
      pool = await conn.lookupStoragePool('default-pool');
      vol = await pool.createVolume({ name: 'streams-test.img', capacity: { value: 1n, unit: 'MiB' } });
    });

    after(async () => {
      await vol?.delete(0);
      vol?.free();
      pool?.free();
    });

    it('upload and download fail with VIR_ERR_NO_SUPPORT and close their stream', async () => {
      await rejectsWith(vol.upload(), 'VIR_ERR_NO_SUPPORT', /virStorageVolUpload/);
      await rejectsWith(vol.download(), 'VIR_ERR_NO_SUPPORT', /virStorageVolDownload/);
      await rejectsWith(vol.download({ sparse: true }), 'VIR_ERR_NO_SUPPORT');
    });

    it('transfers started before free() get as far as the driver lets them, not "already freed"', async () => {
      const v2 = await pool.lookupVolume('streams-test.img');
      const src = join(dir, 'before-free.img');
      writeFileSync(src, Buffer.alloc(4096, 7));
      const pending = [v2.download(), v2.downloadSparse(), v2.upload(), v2.uploadFile(src), v2.downloadToFile(join(dir, 'before-free.out'))];
      v2.free();
      for (const r of await Promise.allSettled(pending)) {
        assert.equal(r.status, 'rejected');
        assert.equal((r as PromiseRejectedResult).reason?.codeName, 'VIR_ERR_NO_SUPPORT', String((r as PromiseRejectedResult).reason));
      }
      await rejectsWith(v2.download(), 'VIR_ERR_INVALID_ARG', /already freed or closed/);
    });

    it('uploadFile and downloadToFile fail typed; the download leaves no file behind', async () => {
      const src = join(dir, 'src.img');
      writeFileSync(src, Buffer.alloc(4096, 7));
      await rejectsWith(vol.uploadFile(src), 'VIR_ERR_NO_SUPPORT');
      const out = join(dir, 'out.img');
      await rejectsWith(vol.downloadToFile(out), 'VIR_ERR_NO_SUPPORT');
      assert.equal(existsSync(out), false);
    });

    it('downloadToFile refuses an existing file (EEXIST) unless force, which keeps it when the transfer fails', async () => {
      const out = join(dir, 'existing.img');
      writeFileSync(out, 'keep me');
      await assert.rejects(vol.downloadToFile(out), { code: 'EEXIST' });
      await rejectsWith(vol.downloadToFile(out, { force: true }), 'VIR_ERR_NO_SUPPORT');
      assert.equal(readFileSync(out, 'utf8'), 'keep me');
    });

    it('bad offsets and lengths are typed errors before any call', async () => {
      await rejectsWith(vol.upload({ offset: -1 }), 'VIR_ERR_INVALID_ARG', /offset must be a non-negative integer/);
      await rejectsWith(vol.download({ length: 1.5 }), 'VIR_ERR_INVALID_ARG', /length/);
      await rejectsWith(vol.uploadFile(join(dir, 'src.img'), { offset: Number.NaN }), 'VIR_ERR_INVALID_ARG');
      await rejectsWith(vol.uploadFile(dir), 'VIR_ERR_INVALID_ARG', /not a regular file/);
    });

    it('openConsole fails with VIR_ERR_NO_SUPPORT and closes its stream', async () => {
      await rejectsWith(dom.openConsole(), 'VIR_ERR_NO_SUPPORT', /virDomainOpenConsole/);
      await rejectsWith(dom.openConsole('serial0', { force: true, safe: true }), 'VIR_ERR_NO_SUPPORT');
    });
  });

  describe('sparse files', () => {
    it('fileExtents finds data and holes with lseek(SEEK_DATA/SEEK_HOLE)', () => {
      const path = join(dir, 'sparse.img');
      const fd = openSync(path, 'w+');
      try {
        writeSync(fd, Buffer.alloc(4096, 1), 0, 4096, 1 << 20);
        writeSync(fd, Buffer.alloc(8192, 2), 0, 8192, 5 << 20);
        ftruncateSync(fd, 8 << 20);
        const extents = fileExtents(fd, 8 << 20);
        assert.equal(extents.reduce((n, e) => n + e.length, 0), 8 << 20, 'the extents cover the file');
        assert.deepEqual(extents.map((e) => e.data), [false, true, false, true, false]);
        const data = extents.filter((e) => e.data);
        assert.ok(data[0] && data[0].offset <= 1 << 20 && data[0].offset + data[0].length >= (1 << 20) + 4096);
        assert.ok(data[1] && data[1].offset <= 5 << 20 && data[1].offset + data[1].length >= (5 << 20) + 8192);
        assert.ok(data.reduce((n, e) => n + e.length, 0) <= 1 << 20, 'the data extents are small');
      } finally {
        closeSync(fd);
      }
    });

    it('isAllZero', () => {
      assert.equal(isAllZero(Buffer.alloc(200_000)), true);
      const b = Buffer.alloc(200_000);
      b[199_999] = 1;
      assert.equal(isAllZero(b), false);
      assert.equal(isAllZero(new Uint8Array(0)), true);
    });
  });
});
