// Node streams over a libvirt Stream. Backpressure is Node's: a Readable receives one chunk per
// _read, a Writable calls back once libvirt took the bytes. Whatever ends the Node stream -
// the end of data, an error, destroy() - closes the libvirt stream: aborted unless it finished,
// then freed once.
import { Readable, Writable } from 'node:stream';
import { DEFAULT_CHUNK_SIZE, streamWindow, type Stream, type StreamChunk } from './stream.js';
import { ProgressCounter, type ProgressListener } from './transfer-progress.js';
import { isAllZero } from '../image/all-zero.js';
import { checkOptions, optionKeys } from './option-keys.js';

export interface StreamReadableOptions {
  /** Bytes asked for per receive (default 256 KiB). */
  chunkSize?: number;
  /** The stream carries holes (a sparse download): they are received as lengths, not zeros. */
  sparse?: boolean;
  /** Expected length, for progress. */
  total?: number | null;
  onProgress?: ProgressListener;
}

export interface StreamWritableOptions {
  /** Send all-zero chunks as holes (virStreamSendHole); the stream must be sparse. */
  sparse?: boolean;
  /** Byte of the stream before which all-zero chunks still go as data (default 0; see volume-transfer.ts attachUpload). */
  holesFrom?: number;
  total?: number | null;
  onProgress?: ProgressListener;
  /** Bytes buffered before write() asks the writer to wait (default 1 MiB). */
  highWaterMark?: number;
}

const READABLE_OPTIONS = optionKeys<StreamReadableOptions>({ chunkSize: true, sparse: true, total: true, onProgress: true });
const WRITABLE_OPTIONS = optionKeys<StreamWritableOptions>({ sparse: true, holesFrom: true, total: true, onProgress: true, highWaterMark: true });

/** A piece of a sparse stream: data, or a hole of `length` bytes. */
export type SparseChunk = { kind: 'data'; data: Buffer } | { kind: 'hole'; length: number };

/** Polling delay when a non-blocking stream has nothing yet. */
const AGAIN_DELAY_MS = 5;

const closeThen = (stream: Stream, err: Error | null, cb: (e: Error | null) => void): void => {
  stream.close().then(() => cb(err), () => cb(err));
};

/**
 * Bytes of a received stream. On a sparse stream holes arrive as lengths (never as zeros over
 * the wire) and are handed on as zero-filled chunks; use streamSparseReadable to keep them apart.
 */
export function streamReadable(stream: Stream, options: StreamReadableOptions = {}): Readable {
  checkOptions('streamReadable', options, READABLE_OPTIONS);
  return new ByteReadable(stream, options);
}

/** An object-mode Readable of SparseChunk: data, and holes as lengths. */
export function streamSparseReadable(stream: Stream, options: StreamReadableOptions = {}): Readable {
  checkOptions('streamSparseReadable', options, READABLE_OPTIONS);
  return new SparseReadable(stream, options);
}

/** A Writable that sends into `stream` and finishes it on end(). */
export function streamWritable(stream: Stream, options: StreamWritableOptions = {}): Writable {
  checkOptions('streamWritable', options, WRITABLE_OPTIONS);
  return new StreamWritable(stream, options);
}

/** One receive per _read; subclasses turn a chunk into pushes. */
abstract class ReceivingReadable extends Readable {
  protected readonly progress: ProgressCounter;
  protected readonly chunkSize: number;

  constructor(protected readonly stream: Stream, private readonly options: StreamReadableOptions, objectMode: boolean) {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    // Room for two chunks: the next receive runs while the consumer handles the last one.
    super(objectMode ? { objectMode, highWaterMark: 2 } : { highWaterMark: 2 * chunkSize });
    this.chunkSize = chunkSize;
    this.progress = new ProgressCounter(options.total ?? null, options.onProgress);
  }

  override _read(): void {
    if (this.pending()) return;
    this.stream.recv(this.chunkSize, { stopAtHole: this.options.sparse === true }).then((c) => {
      // A progress listener that throws ends the download with its error, as on the other paths.
      try {
        this.#handle(c);
      } catch (err) {
        this.destroy(err as Error);
      }
    }, (err: Error) => this.destroy(err));
  }

  #handle(c: StreamChunk): void {
    if (c.kind === 'data') {
      this.progress.data(c.data.length);
      this.pushData(c.data);
    } else if (c.kind === 'hole') {
      this.progress.hole(c.length);
      this.pushHole(c.length);
    } else if (c.kind === 'again') {
      setTimeout(() => this._read(), AGAIN_DELAY_MS);
    } else {
      this.stream.finish().then(() => this.push(null), (err: Error) => this.destroy(err));
    }
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    closeThen(this.stream, err, cb);
  }

  /** Pushes something owed from an earlier receive instead of receiving; true when it did. */
  protected pending(): boolean {
    return false;
  }

  protected abstract pushData(data: Buffer): void;
  protected abstract pushHole(length: number): void;
}

class ByteReadable extends ReceivingReadable {
  /** Hole bytes still to hand on as zeros. */
  #zeros = 0;

  constructor(stream: Stream, options: StreamReadableOptions) {
    super(stream, options, false);
  }

  protected override pending(): boolean {
    if (this.#zeros === 0) return false;
    const n = Math.min(this.#zeros, this.chunkSize);
    this.#zeros -= n;
    this.push(Buffer.alloc(n));
    return true;
  }

  protected pushData(data: Buffer): void {
    this.push(data);
  }

  protected pushHole(length: number): void {
    this.#zeros = length;
    if (!this.pending()) this._read();
  }
}

class SparseReadable extends ReceivingReadable {
  constructor(stream: Stream, options: StreamReadableOptions) {
    super(stream, options, true);
  }

  protected pushData(data: Buffer): void {
    this.push({ kind: 'data', data } satisfies SparseChunk);
  }

  protected pushHole(length: number): void {
    this.push({ kind: 'hole', length } satisfies SparseChunk);
  }
}

/** Bytes gathered per send by the Writable. */
const WRITE_WINDOW = 1024 * 1024;

class StreamWritable extends Writable {
  readonly #progress: ProgressCounter;
  readonly #window = streamWindow(WRITE_WINDOW);
  /** Bytes of data in the window, and hole bytes, not sent yet. */
  #filled = 0;
  #hole = 0;
  /** Bytes taken so far: where the next chunk starts in the stream. */
  #position = 0;

  constructor(private readonly stream: Stream, private readonly options: StreamWritableOptions) {
    // Room for a window's worth while a send runs: _writev then gets them all at once.
    super({ highWaterMark: options.highWaterMark ?? WRITE_WINDOW });
    this.#progress = new ProgressCounter(options.total ?? null, options.onProgress);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#put([chunk]).then(() => cb(), cb);
  }

  /** Chunks that queued up while a send ran go out together: fewer round trips to the stream thread. */
  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.#put(chunks.map((c) => c.chunk)).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.stream.finish().then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    closeThen(this.stream, err, cb);
  }

  /**
   * Data is gathered into the shared window and sent from there (no copy to the stream thread,
   * no Buffer.concat); with `sparse`, runs of all-zero chunks go as one hole. Order is kept: a
   * switch between data and hole sends what was gathered first.
   */
  async #put(chunks: Buffer[]): Promise<void> {
    const sparse = this.options.sparse === true;
    const holesFrom = this.options.holesFrom ?? 0;
    for (const c of chunks) {
      if (c.length === 0) continue;
      const start = this.#position;
      this.#position += c.length;
      if (sparse && start >= holesFrom && isAllZero(c)) {
        await this.#sendData();
        this.#hole += c.length;
        continue;
      }
      await this.#sendHole();
      for (let at = 0; at < c.length;) {
        const n = Math.min(c.length - at, this.#window.length - this.#filled);
        this.#window.set(c.subarray(at, at + n), this.#filled);
        this.#filled += n;
        at += n;
        if (this.#filled === this.#window.length) await this.#sendData();
      }
    }
    await this.#sendData();
    await this.#sendHole();
  }

  async #sendData(): Promise<void> {
    if (this.#filled === 0) return;
    const n = this.#filled;
    this.#filled = 0;
    await this.stream.send(this.#window.subarray(0, n));
    this.#progress.data(n);
  }

  async #sendHole(): Promise<void> {
    if (this.#hole === 0) return;
    const n = this.#hole;
    this.#hole = 0;
    await this.stream.sendHole(n);
    this.#progress.hole(n);
  }
}
