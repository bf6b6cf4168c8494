// Streams against a real libvirtd (qemu:///system): a sparse qcow2 image (64 MiB apparent, a
// few MiB allocated) uploaded into a volume and downloaded back with its holes as holes, byte
// for byte; the same through Node streams and the CLI; transfers that fail reject with a
// LibvirtError and leave no stream and no file behind; a QEMU guest's screenshot and its serial
// console. Everything lives in a ScratchPool, removed also when a test fails.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { Connection, liveStreamCount, type Domain, type SparseChunk, type StorageVolume, type TransferProgress } from '../../src/sdk/index.js';
import { isLibvirtError } from '../../src/ffi/index.js';
import { DAEMON_URI, ScratchPool, listTestObjects, openDaemon, uniqueName } from '../support/daemon.js';
import type { ScratchGuest, ScratchVolume } from '../support/daemon.js';
import * as v from '../../generated/index.js';
import { eventLoopPaused, liveEventRegistrations } from '../../src/sdk/events/event-loop.js';
import { attachUpload, openDownloadStream } from '../../src/sdk/volume-transfer.js';

const root = resolve(import.meta.dirname, '../..');
const MiB = 1024 * 1024;

/** Bytes the file system allocated for a file (what `du` reports). */
const allocated = (path: string): number => statSync(path).blocks * 512;

/** A 64 MiB qcow2 with metadata preallocated (so the file is sparse) and 2 MiB of 0xab at 1 MiB. */
function makeSparseQcow2(path: string): void {
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', 'preallocation=metadata', path, '64M']);
  execFileSync('qemu-io', ['-c', 'write -P 0xab 1M 2M', path], { stdio: 'ignore' });
}

/** Progress events go up and end at the total. */
function assertProgress(events: TransferProgress[], total: number): void {
  assert.ok(events.length > 0, 'progress was reported');
  for (let i = 1; i < events.length; i++) assert.ok((events[i]?.bytes ?? 0) >= (events[i - 1]?.bytes ?? 0), 'progress never goes back');
  const last = events.at(-1) as TransferProgress;
  assert.equal(last.bytes, total);
  assert.equal(last.total, total);
  assert.equal(last.bytes, last.dataBytes + last.holeBytes);
}

async function rejectsWithLibvirtError(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (e: unknown) => isLibvirtError(e));
}

async function noStreamsLeft(): Promise<void> {
  for (let i = 0; i < 200 && liveStreamCount() > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(liveStreamCount(), 0, 'every stream was closed');
}

/** The first bytes of an image of this MIME type (QEMU sends PNG where it can, else PPM). */
function magic(mimeType: string): string {
  if (mimeType === 'image/png') return '\x89PNG';
  if (mimeType === 'image/x-portable-pixmap') return 'P6\n';
  throw new Error(`unexpected MIME type ${mimeType}`);
}

/** Reads from `console` until `pattern` shows up in what it sent. */
/** `p`, or a rejection naming `step` when it has not settled within `ms`: a hung step says which it is. */
function within<T>(step: string, p: Promise<T>, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${step}: not done within ${ms} ms`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function readUntil(console: Readable, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer): void => {
      text += d.toString('latin1');
      if (pattern.test(text)) done(null);
    };
    const done = (err: Error | null): void => {
      clearTimeout(timer);
      console.off('data', onData);
      console.off('error', done);
      console.pause();
      if (err) reject(err);
      else resolve(text);
    };
    const timer = setTimeout(() => done(new Error(`no ${String(pattern)} on the console within ${timeoutMs} ms: ${JSON.stringify(text)}`)), timeoutMs);
    console.on('data', onData);
    console.on('error', done);
  });
}

describe('streams on a real libvirtd (qemu:///system)', function () {
  this.timeout(180_000);
  let scratch: ScratchPool;
  let conn: Connection;
  let dir: string;
  let source: string;

  before(async () => {
    scratch = new ScratchPool(DAEMON_URI);
    conn = await Connection.open(DAEMON_URI);
    dir = join(tmpdir(), uniqueName('streams'));
    mkdirSync(dir);
    source = join(dir, 'source.qcow2');
    makeSparseQcow2(source);
  });

  after(async () => {
    await conn?.close();
    scratch?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
    const c = openDaemon();
    try {
      assert.deepEqual(listTestObjects(c, 'mine'), { domains: [], pools: [] }, 'nothing of this run is left on the daemon');
    } finally {
      v.virConnectClose(c);
    }
  });

  afterEach(noStreamsLeft);

  /** A fresh volume of the scratch pool, as an SDK object; `empty`: nothing allocated (where sparse uploads go). */
  async function volume(format: 'qcow2' | 'raw' = 'qcow2', capacityMiB = 64, empty = false): Promise<{ scratchVol: ScratchVolume; vol: StorageVolume }> {
    const scratchVol = scratch.createVolume({ format, capacityMiB, empty });
    using pool = await conn.lookupStoragePool(scratch.name);
    return { scratchVol, vol: await pool.lookupVolume(scratchVol.name) };
  }

  describe('sparse volume transfer', () => {
    it('the source image is sparse: 64 MiB apparent, a few MiB allocated', () => {
      const size = statSync(source).size;
      assert.ok(size > 64 * MiB, `${size} bytes apparent`);
      assert.ok(allocated(source) >= 2 * MiB && allocated(source) < 8 * MiB, `${allocated(source)} bytes allocated`);
    });

    it('uploadFile into an empty volume, then downloadToFile: holes travel as holes, the copy is identical and as sparse', async () => {
      const { scratchVol, vol } = await volume('raw', 64, true);
      try {
        const size = statSync(source).size;
        const used = allocated(source);
        const up: TransferProgress[] = [];
        const sent = await vol.uploadFile(source, { onProgress: (p) => up.push(p) });
        assert.equal(sent.total, size);
        assertProgress(up, size);
        // lseek finds the allocated blocks: the data sent is what `du` counts, far below the size.
        assert.ok(Math.abs(sent.dataBytes - used) <= used / 10 + 64 * 1024, `sent ${sent.dataBytes} data bytes, ${used} allocated`);
        assert.ok(sent.dataBytes < size / 10);
        assert.equal(sent.dataBytes + sent.holeBytes, size);
        assert.ok(allocated(scratchVol.path) < 2 * used + MiB, `the volume's file is sparse too (${allocated(scratchVol.path)} bytes)`);

        const out = join(dir, 'download.qcow2');
        const down: TransferProgress[] = [];
        const got = await vol.downloadToFile(out, { onProgress: (p) => down.push(p) });
        assertProgress(down, size);
        assert.ok(Math.abs(got.dataBytes - used) <= used / 10 + 64 * 1024, `received ${got.dataBytes} data bytes, ${used} allocated`);
        assert.equal(statSync(out).size, size);
        assert.ok(readFileSync(out).equals(readFileSync(source)), 'byte for byte');
        assert.ok(allocated(out) < 2 * used + MiB, `the download kept the holes (${allocated(out)} bytes allocated)`);
        const check = spawnSync('qemu-img', ['check', out], { encoding: 'utf8' });
        assert.equal(check.status, 0, check.stdout + check.stderr);
      } finally {
        vol.free();
      }
    });

    it('a non-sparse download moves every byte as data, yet writes no zeros: the file stays sparse', async () => {
      const { vol } = await volume();
      try {
        await vol.uploadFile(source);
        const out = join(dir, 'dense.qcow2');
        const got = await vol.downloadToFile(out, { sparse: false });
        assert.equal(got.holeBytes, 0);
        assert.equal(got.dataBytes, statSync(source).size);
        assert.ok(readFileSync(out).equals(readFileSync(source)));
        assert.ok(allocated(out) < 2 * allocated(source) + MiB, `${allocated(out)} bytes allocated`);
      } finally {
        vol.free();
      }
    });

    it('Node streams: a sparse Writable sends all-zero chunks as holes; Readables give the bytes back, or data and holes', async () => {
      const { vol } = await volume('raw', 64, true);
      try {
        const size = statSync(source).size;
        const up: TransferProgress[] = [];
        const writable = await vol.upload({ sparse: true, length: size, onProgress: (p) => up.push(p) });
        await pipeline(createReadStream(source, { highWaterMark: 256 * 1024 }), writable);
        assertProgress(up, size);
        assert.ok((up.at(-1)?.holeBytes ?? 0) > size / 2, 'most of the image went as holes');

        const bytes = await buffer(await vol.download({ sparse: true }));
        assert.ok(bytes.equals(readFileSync(source)), 'holes come out of the byte Readable as zeros');

        const pieces: SparseChunk[] = [];
        for await (const c of await vol.downloadSparse()) pieces.push(c as SparseChunk);
        const holes = pieces.filter((c) => c.kind === 'hole');
        assert.ok(holes.length > 0, 'the object Readable reports holes');
        const total = pieces.reduce((n, c) => n + (c.kind === 'hole' ? c.length : c.data.length), 0);
        assert.equal(total, size);
      } finally {
        vol.free();
      }
    });
  });

  describe('an upload never loses what the volume holds outside its range', () => {
    /** A raw volume of 8 MiB of known bytes, and a sparse 1 MiB file: 4 KiB of data, then a hole. */
    async function usedVolumeAndSmallFile(): Promise<{ scratchVol: ScratchVolume; vol: StorageVolume; before: Buffer; small: string }> {
      const { scratchVol, vol } = await volume('raw', 8);
      const full = join(dir, uniqueName('full'));
      writeFileSync(full, randomBytes(8 * MiB));
      await vol.uploadFile(full, { sparse: false });
      const small = join(dir, uniqueName('small'));
      execFileSync('truncate', ['-s', String(MiB), small]);
      writeFileSync(small, Buffer.alloc(4096, 7), { flag: 'r+' });
      return { scratchVol, vol, before: readFileSync(scratchVol.path), small };
    }

    it('uploadFile of a sparse file onto a volume with data sends zeros, and the rest of the volume stays', async () => {
      const { scratchVol, vol, before, small } = await usedVolumeAndSmallFile();
      try {
        const sent = await vol.uploadFile(small);
        assert.equal(sent.holeBytes, 0, 'not sparse: a hole would cut the volume');
        const after = readFileSync(scratchVol.path);
        assert.equal(after.length, 8 * MiB, 'the volume kept its size');
        assert.ok(after.subarray(0, MiB).equals(readFileSync(small)), 'the range holds the file, zeros included');
        assert.ok(after.subarray(MiB).equals(before.subarray(MiB)), 'the rest is as it was');
      } finally {
        vol.free();
      }
    });

    it('sparse uploads send holes only where nothing of the volume is under or after them', async () => {
      const { scratchVol, vol, before, small } = await usedVolumeAndSmallFile();
      const { scratchVol: emptyVol, vol: empty } = await volume('raw', 8, true);
      try {
        // Onto data: the hole's zeros go as data, and the rest of the volume stays.
        const sent = await vol.uploadFile(small, { sparse: true });
        assert.equal(sent.holeBytes, 0);
        let after = readFileSync(scratchVol.path);
        assert.ok(after.subarray(0, MiB).equals(readFileSync(small)) && after.subarray(MiB).equals(before.subarray(MiB)));
        // The same through a sparse Writable (all-zero chunks would be holes).
        await pipeline(Readable.from([readFileSync(small)]), await vol.upload({ sparse: true, offset: 2 * MiB }));
        after = readFileSync(scratchVol.path);
        assert.equal(after.length, 8 * MiB);
        assert.ok(after.subarray(2 * MiB, 3 * MiB).equals(readFileSync(small)) && after.subarray(3 * MiB).equals(before.subarray(3 * MiB)));
        // An empty volume the upload does not fill to its end keeps its size.
        const part = await empty.uploadFile(small, { sparse: true });
        assert.equal(part.holeBytes, 0);
        assert.equal(statSync(emptyVol.path).size, 8 * MiB);
        assert.ok(readFileSync(emptyVol.path).subarray(0, MiB).equals(readFileSync(small)));
      } finally {
        vol.free();
        empty.free();
      }
    });
  });

  describe('failures abort the transfer and leave nothing open', () => {
    it('more bytes than the declared length: the pipeline rejects with the LibvirtError', async () => {
      const { vol } = await volume('raw', 4);
      try {
        const writable = await vol.upload({ length: MiB });
        await rejectsWithLibvirtError(pipeline(Readable.from([Buffer.alloc(MiB, 1), Buffer.alloc(MiB, 2)]), writable));
        assert.equal(writable.destroyed, true);
      } finally {
        vol.free();
      }
    });

    it('a download past the end of the volume rejects with a LibvirtError and leaves no file', async () => {
      const { vol } = await volume('raw', 4);
      try {
        const out = join(dir, 'past-the-end.raw');
        await rejectsWithLibvirtError(vol.downloadToFile(out, { offset: 64 * MiB }));
        assert.equal(existsSync(out), false);
        assert.deepEqual(readdirParts(), [], 'no temporary file either');
      } finally {
        vol.free();
      }
    });

    it('a source that breaks half-way rejects with its error; the upload is aborted', async () => {
      const { vol } = await volume('raw', 4);
      try {
        let sent = 0;
        const broken = new Readable({
          read() {
            if (sent++ < 4) this.push(Buffer.alloc(64 * 1024, 5));
            else this.destroy(new Error('the source broke'));
          },
        });
        await assert.rejects(pipeline(broken, await vol.upload()), /the source broke/);
      } finally {
        vol.free();
      }
    });

    it('a progress listener that throws fails the transfer with its error, on every path', async () => {
      const { vol } = await volume('raw', 4);
      try {
        const boom = (): never => { throw new Error('listener boom'); };
        const sink = new Writable({ write: (_c, _e, cb) => cb() });
        await assert.rejects(pipeline(await vol.download({ onProgress: boom }), sink), /listener boom/);
        await assert.rejects(async () => { for await (const c of await vol.downloadSparse({ onProgress: boom })) void c; }, /listener boom/);
        const out = join(dir, 'boom.raw');
        await assert.rejects(vol.downloadToFile(out, { onProgress: boom }), /listener boom/);
        assert.equal(existsSync(out), false);
      } finally {
        vol.free();
      }
    });

    it("a file's system errors keep Node's code across the stream thread; a source that shrank is a typed error", async () => {
      const { vol } = await volume('raw', 4);
      const file = join(dir, uniqueName('readonly'));
      writeFileSync(file, randomBytes(MiB));
      await vol.uploadFile(file, { sparse: false }); // data, which a download writes (it skips zeros)
      const fd = openSync(file, 'r');
      try {
        const { stream } = await openDownloadStream(vol, {});
        try {
          await assert.rejects(stream.recvToFile(fd, 0, MiB), (e: NodeJS.ErrnoException) => e.code === 'EBADF' && e.syscall === 'write');
        } finally {
          await stream.close();
        }
        const { stream: up } = await attachUpload(vol, { offset: 0, length: 2 * MiB }, false);
        try {
          await assert.rejects(up.sendFromFile(fd, [{ offset: 0, length: 2 * MiB, data: true }]),
            (e) => isLibvirtError(e) && e.code === v.VIR_ERR_OPERATION_FAILED && /ended at byte 1048576.*shrank/.test(e.message));
        } finally {
          await up.close();
        }
      } finally {
        closeSync(fd);
        vol.free();
      }
    });

    it('uploadFile from a FIFO is refused at once; a download past the end is a typed error, one running over it gets what there is', async () => {
      const { vol } = await volume('raw', 4);
      try {
        const fifo = join(dir, uniqueName('fifo'));
        execFileSync('mkfifo', [fifo]);
        await assert.rejects(vol.uploadFile(fifo), (e) => isLibvirtError(e) && e.code === v.VIR_ERR_INVALID_ARG && /not a regular file/.test(e.message));
        for (const sparse of [false, true]) {
          await assert.rejects(vol.download({ offset: 4 * MiB + 1, sparse }),
            (e) => isLibvirtError(e) && e.code === v.VIR_ERR_INVALID_ARG && /past the end of the volume \(4194304 bytes\)/.test(e.message));
        }
        const out = join(dir, uniqueName('tail'));
        const got = await vol.downloadToFile(out, { offset: 4 * MiB - 10, length: 100, sparse: false });
        assert.deepEqual([got.bytes, got.total, statSync(out).size], [10, 10, 10]);
      } finally {
        vol.free();
      }
    });

    it('an AbortSignal stops uploadFile and downloadToFile: the stream is aborted, no file is left', async () => {
      const { vol } = await volume('raw', 64);
      try {
        const out = join(dir, uniqueName('aborted'));
        const ac = new AbortController();
        await assert.rejects(vol.downloadToFile(out, { sparse: false, signal: ac.signal, onProgress: () => ac.abort() }), { name: 'AbortError' });
        assert.equal(existsSync(out), false);
        assert.deepEqual(readdirParts(), []);
        const src = join(dir, uniqueName('src'));
        writeFileSync(src, randomBytes(16 * MiB));
        const up = new AbortController();
        await assert.rejects(vol.uploadFile(src, { signal: up.signal, onProgress: () => up.abort() }), { name: 'AbortError' });
        await assert.rejects(vol.uploadFile(src, { signal: AbortSignal.abort() }), { name: 'AbortError' });
      } finally {
        vol.free();
      }
    });

    it('an AbortSignal stops a transfer in the middle of a request, not after it', async () => {
      // Aborted right after the first 8 MiB request, once the second is on its way: waiting for
      // that request would report its progress before rejecting.
      const { vol } = await volume('raw', 64);
      try {
        const src = join(dir, uniqueName('src'));
        writeFileSync(src, randomBytes(32 * MiB));
        const abortSoon = (ac: AbortController, seen: number[]) => (p: TransferProgress): void => {
          seen.push(p.bytes);
          setImmediate(() => ac.abort());
        };
        const up = new AbortController();
        const sent: number[] = [];
        await assert.rejects(vol.uploadFile(src, { signal: up.signal, onProgress: abortSoon(up, sent) }), { name: 'AbortError' });
        assert.deepEqual(sent, [8 * MiB]);
        const down = new AbortController();
        const got: number[] = [];
        const out = join(dir, uniqueName('aborted'));
        await assert.rejects(vol.downloadToFile(out, { sparse: false, signal: down.signal, onProgress: abortSoon(down, got) }), { name: 'AbortError' });
        assert.deepEqual(got, [8 * MiB]);
        assert.equal(existsSync(out), false);
      } finally {
        vol.free();
      }
    });

    it('downloadToFile --force keeps the old file when the transfer fails', async () => {
      const { vol } = await volume('raw', 4);
      try {
        const out = join(dir, 'keep.raw');
        await vol.downloadToFile(out);
        const before = readFileSync(out);
        await rejectsWithLibvirtError(vol.downloadToFile(out, { force: true, offset: 64 * MiB }));
        assert.ok(readFileSync(out).equals(before));
      } finally {
        vol.free();
      }
    });
  });

  function readdirParts(): string[] {
    return spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout.split('\n').filter((n) => n.endsWith('.part'));
  }

  describe('stream threads and the event loop', () => {
    /** Runs a script of tests/support: it must exit with 0 and print JSON last. */
    const runSupport = (script: string, args: string[], env: NodeJS.ProcessEnv = {}): Record<string, unknown> => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tests/support', script), DAEMON_URI, ...args],
        { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
      assert.equal(r.status, 0, `${script}: ${r.stdout}${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
    };

    it('a download whose reader stops buffers next to nothing while nothing else needs the loop', async () => {
      // Before, the running loop read the daemon's packets into libvirt's unbounded queue:
      // about 150 MiB in these 3 s.
      const { scratchVol } = await volume('raw', 512);
      const r = runSupport('stalled-download.ts', [scratchVol.path, '3000']);
      assert.equal(r['bytes'], 512 * MiB, 'the download still gets every byte');
      assert.ok((r['grewMiB'] as number) < 32, `the process grew by ${String(r['grewMiB'])} MiB while the reader stopped`);
    });

    it('a stream call that never returns holds one stream thread, not the streams after it; close() ends it, and what was queued', async () => {
      const { scratchVol: stuckOn } = await volume('raw', 4);
      const { scratchVol: source } = await volume('raw', 8);
      const r = runSupport('stuck-stream.ts', [stuckOn.path, source.path], { TSVIRT_STREAM_THREADS: '2' });
      const aborted = 'LibvirtError VIR_ERR_OPERATION_ABORTED';
      assert.deepEqual(r, { downloads: [8 * MiB, 8 * MiB], stuckWhileDownloading: null, closed: true, receive: aborted,
        queuedReceive: aborted, thirdReceive: aborted, queuedAbort: 'resolved', open: 0 });
    });
  });

  describe('command line', () => {
    const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args, '--connect', DAEMON_URI],
        { cwd: root, encoding: 'utf8', timeout: 60_000 });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };

    it('Ctrl-C during vol download aborts it: exit 130, a message, and no file left', async () => {
      const { scratchVol } = await volume('raw', 1024);
      const out = join(dir, uniqueName('interrupted'));
      const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'vol', 'download', scratch.name, scratchVol.name, out,
        '--no-sparse', '--connect', DAEMON_URI], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      try {
        for (let i = 0; i < 600 && !existsSync(out); i++) await new Promise((r) => setTimeout(r, 50));
        assert.ok(existsSync(out), 'the download started');
        child.kill('SIGINT');
        assert.equal(await within('the download to stop after SIGINT', exited), 130, stderr);
      } finally {
        // A download that never started, or did not stop, would go on past the test.
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      assert.match(stderr, /interrupted: the download was aborted; .* was not written/);
      assert.equal(existsSync(out), false);
      assert.deepEqual(readdirParts(), []);
    });

    it('vol upload and vol download (sparse, --json), download refusing to replace a file without --force', async () => {
      const { scratchVol } = await volume('raw', 64, true);
      const up = cli('vol', 'upload', scratch.name, scratchVol.name, source, '--json');
      assert.equal(up.status, 0, up.stderr);
      const sent = JSON.parse(up.stdout) as { kind: string; name: string; action: string; pool: string; file: string; bytes: string | number; dataBytes: number; holeBytes: number };
      assert.deepEqual([sent.kind, sent.name, sent.action, sent.pool, sent.file], ['volume', scratchVol.name, 'upload', scratch.name, source]);
      assert.ok(sent.holeBytes > sent.dataBytes);
      const out = join(dir, 'cli.qcow2');
      const down = cli('vol', 'download', scratch.name, scratchVol.name, out);
      assert.equal(down.status, 0, down.stderr);
      assert.match(down.stdout, new RegExp(`^volume \\S+ in \\S+: downloaded to ${out.replace(/[.]/g, '\\.')}: \\d+ bytes \\(\\d+ as data, \\d+ as holes\\)$`, 'm'));
      assert.ok(readFileSync(out).equals(readFileSync(source)));
      const again = cli('vol', 'download', scratch.name, scratchVol.name, out);
      assert.equal(again.status, 1);
      assert.match(again.stderr, /EEXIST/);
      assert.equal(cli('vol', 'download', scratch.name, scratchVol.name, out, '--force', '--no-sparse').status, 0);
      assert.ok(readFileSync(out).equals(readFileSync(source)));
    });
  });

  describe('a running QEMU guest', () => {
    let guest: ScratchGuest;
    let dom: Domain;

    before(async () => {
      guest = scratch.defineGuest({ disk: scratch.createVolume({ format: 'qcow2' }), serialConsole: true });
      v.virDomainCreate(guest.dom);
      dom = await conn.lookupDomain(guest.name);
    });

    after(() => {
      dom?.free();
    });

    it('screenshot: the MIME type, and the image through the stream', async () => {
      const shot = await dom.screenshot();
      const image = await buffer(shot.data);
      assert.ok(image.length > 100, `${image.length} bytes`);
      assert.equal(image.subarray(0, 4).toString('latin1'), magic(shot.mimeType));
    });

    it('screenshot of a screen that does not exist is a LibvirtError', async () => {
      await rejectsWithLibvirtError(dom.screenshot(7));
    });

    it('domain screenshot NAME FILE reports the MIME type', () => {
      const file = join(dir, 'screen.ppm');
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'domain', 'screenshot', guest.name, file, '--json', '--connect', DAEMON_URI],
        { cwd: root, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      const report = JSON.parse(r.stdout) as { kind: string; name: string; action: string; file: string; mimeType: string };
      assert.deepEqual([report.kind, report.name, report.action, report.file], ['domain', guest.name, 'screenshot', file]);
      assert.equal(readFileSync(file).subarray(0, 4).toString('latin1'), magic(report.mimeType));
    });

    it('console: reads what the firmware prints, writes, takes over with force, closes', async () => {
      const first = await dom.openConsole();
      const seen = await readUntil(first, /Boot failed|No bootable device|SeaBIOS/);
      assert.match(seen, /SeaBIOS|Boot/);
      await new Promise<void>((resolve, reject) => first.write('\r\n', (err) => (err ? reject(err) : resolve())));
      // The event loop reads the console's data: an open console keeps it running during calls.
      const during = Promise.all(Array.from({ length: 50 }, () => dom.getInfo()));
      assert.equal(eventLoopPaused(), false, 'an open console keeps the event loop running during calls');
      await within('50 getInfo calls with a console open', during);

      await assert.rejects(dom.openConsole(), (e: unknown) => isLibvirtError(e) && /console/i.test(e.message));
      // Taken over: the first console's stream fails (or ends), and the console closes either way.
      let lost: unknown = null;
      first.on('error', (e) => { lost = e; });
      const closed = new Promise((r) => first.once('close', r));
      first.resume();
      const second = await within('openConsole with force', dom.openConsole(null, { force: true }));
      await within('the first console closing once taken over', closed);
      assert.ok(lost === null || isLibvirtError(lost), `the first console ended with ${String(lost)}`);
      await readUntil(second, /SeaBIOS|Boot/);
      second.end();
      second.resume();
      await within('the second console closing after end()', new Promise((r) => second.once('close', r)));
      assert.equal(liveEventRegistrations(), 0);
      const after = Promise.all(Array.from({ length: 50 }, () => dom.getInfo()));
      assert.equal(eventLoopPaused(), true, 'closed consoles no longer keep the loop running');
      await within('50 getInfo calls after the consoles closed', after);
    });
  });
});
