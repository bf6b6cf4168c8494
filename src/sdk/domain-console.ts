// A guest console (virDomainOpenConsole) as a Node Duplex. A console may stay silent for hours,
// so a blocking receive would hold a thread for as long: the stream is opened non-blocking
// (VIR_STREAM_NONBLOCK) and polled. Every receive and send returns at once, "nothing yet"
// included, so a console does not hold a stream thread, and the call pool is not involved.
// Polling backs off while the console is silent (1 ms doubling to 50 ms) and runs again at
// once after data: a keystroke's echo waits at most 50 ms. Polling runs only while the reader
// wants data (Readable backpressure); while it runs, the console keeps the process alive,
// like an open socket. end() closes the console (virStreamFinish); destroy() aborts it.
// A non-blocking stream of a remote connection only receives what libvirt's event loop read
// off the socket: tsvirt runs that loop (events/event-loop.ts); a program that opts out with
// TSVIRT_EVENT_LOOP=none must run its own, or the console stays silent.
import { Duplex } from 'node:stream';
import type { Stream } from './stream.js';

const RECV_SIZE = 64 * 1024;
const MAX_DELAY_MS = 50;

const nextDelay = (ms: number): number => Math.min(MAX_DELAY_MS, ms === 0 ? 1 : ms * 2);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class DomainConsole extends Duplex {
  readonly #stream: Stream;
  #polling = false;
  #ending = false;
  #delay = 0;
  #timer: NodeJS.Timeout | null = null;

  /** @internal */
  constructor(stream: Stream) {
    super({ allowHalfOpen: false });
    this.#stream = stream;
  }

  override _read(): void {
    if (this.#polling || this.#ending) return;
    this.#polling = true;
    this.#poll();
  }

  #poll(): void {
    this.#timer = null;
    if (this.#ending || this.destroyed) return;
    this.#stream.recv(RECV_SIZE).then((c) => {
      if (this.#ending || this.destroyed) return;
      if (c.kind === 'again') {
        this.#delay = nextDelay(this.#delay);
        this.#timer = setTimeout(() => this.#poll(), this.#delay);
        return;
      }
      this.#polling = false;
      if (c.kind === 'data') {
        this.#delay = 0;
        if (this.push(c.data)) this._read();
      } else if (c.kind === 'end') {
        this.push(null);
      }
    }, (err: Error) => this.destroy(err));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#sendAll(chunk).then(() => cb(), cb);
  }

  /** A non-blocking send may take part of the bytes, or none while libvirt's buffers are full. */
  async #sendAll(chunk: Buffer): Promise<void> {
    let delay = 0;
    for (let at = 0; at < chunk.length;) {
      const n = await this.#stream.send(chunk.subarray(at));
      at += n;
      delay = n > 0 ? 0 : nextDelay(delay);
      if (n === 0) await sleep(delay);
    }
  }

  /** The console closes with the writing side; the stream is freed now, not when the reader gets around to it. */
  override _final(cb: (err?: Error | null) => void): void {
    this.#stopPolling();
    this.#stream.finish().then(() => this.#stream.close()).then(() => {
      this.push(null);
      cb();
    }, cb);
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    this.#stopPolling();
    this.#stream.close().then(() => cb(err), () => cb(err));
  }

  #stopPolling(): void {
    this.#ending = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
