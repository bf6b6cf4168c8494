// A libvirt stream (virStreamPtr): the data channel of volume upload and download, screenshots
// and consoles. One Stream owns one reference. Its calls run one at a time, in order, on the
// stream threads (stream-thread.ts). close() aborts a stream that was neither finished nor
// aborted (beside a receive or send in flight, which may never return otherwise), then frees it:
// virStreamAbort at most once, virStreamFree exactly once, and only after the call in flight has
// returned (libvirt reads the stream while that call returns). Any call after close() rejects
// with a LibvirtError (VIR_ERR_INVALID_ARG) instead of reaching freed memory.
import * as v from '../../generated/index.js';
import { isLibvirtError, tsvirtError, type LibvirtError } from '../ffi/index.js';
import { sharedPool } from './engine/call-pool.js';
import { LibvirtObject } from './libvirt-object.js';
import { blockingStreamsOpen, runStreamCall } from './stream-thread.js';
import { requireEventLoop } from './events/event-loop.js';
import type { FileExtent } from './stream-protocol.js';
import { checkFileExtents, checkFileRange, checkLength, checkShared, invalid, isShared, streamWindow } from './stream-args.js';
import { checkOptions, optionKeys } from './option-keys.js';

export { streamWindow };
import type { Connection } from './connection.js';

/** What one receive got. `again` only on a non-blocking stream (nothing to read yet). */
export type StreamChunk =
  | { kind: 'data'; data: Buffer }
  | { kind: 'hole'; length: number }
  | { kind: 'end' }
  | { kind: 'again' };

export interface StreamOptions {
  /** VIR_STREAM_NONBLOCK: receives and sends never wait (consoles). */
  nonBlocking?: boolean;
}

const STREAM_OPTIONS = optionKeys<StreamOptions>({ nonBlocking: true });
const RECV_OPTIONS = optionKeys<{ stopAtHole?: boolean }>({ stopAtHole: true });

/** Bytes per receive unless asked otherwise. */
export const DEFAULT_CHUNK_SIZE = 256 * 1024;
/**
 * The largest window a stream allocates; larger sends go through it in pieces. One round trip
 * to the stream thread moves up to this much (several libvirt packets).
 */
const MAX_WINDOW = 1024 * 1024;

export type StreamState = 'open' | 'finished' | 'aborted' | 'failed';

type CallKind = 'transfer' | 'finish' | 'abort';

/** What close() and the safety net share (see closer()). */
interface Life {
  state: StreamState;
  /** The one virStreamAbort, once asked for: every later abort waits for it. */
  aborting: Promise<void> | null;
  /** Lets the event loop go (see holdLoop); null once done. */
  letGo: (() => void) | null;
}

/**
 * What a stream asks of libvirt's event loop while it is open. A blocking stream keeps it paused
 * while nothing else needs it (blockingStreamsOpen); a non-blocking one receives only what the
 * loop reads off the socket, so it keeps the loop running (requireEventLoop), as a console must.
 */
function holdLoop(stream: object, nonBlocking: boolean): () => void {
  if (nonBlocking) return requireEventLoop(stream);
  blockingStreamsOpen.add(1);
  return () => blockingStreamsOpen.add(-1);
}

/** The rejection of a call that close() overtook; `cause`: libvirt's own error, if it gave one. */
function closedDuring(cause?: LibvirtError): Error {
  const err = tsvirtError(v.VIR_ERR_OPERATION_ABORTED, 'stream', `the stream was closed during this call${cause ? ` (${cause.message})` : ''}`);
  if (cause) err.cause = cause;
  return err;
}

let open = 0;

/** Streams created and not yet closed (leak checks in tests). */
export function liveStreamCount(): number {
  return open;
}

export class Stream extends LibvirtObject {
  readonly nonBlocking: boolean;
  #window: Uint8Array | null = null;
  /** The last call queued; every call waits for the one before it. Never rejects. */
  #tail: Promise<unknown> = Promise.resolve();
  /** Shared with the safety net (see closer()), which must not hold the Stream itself. */
  readonly #life: Life;
  /** What close() does once the calls before it are done; also the safety net's. */
  readonly #closeOut: CloseOut;
  #closing: Promise<void> | null = null;
  /** A receive or send is running now (close() aborts beside it). */
  #transferring = false;

  private constructor(ptr: bigint, nonBlocking: boolean, conn: bigint) {
    // libvirt cannot be asked for a stream's connection: kept for its release (libvirt-object.ts).
    super(ptr, 'stream', 'virStreamFree', conn);
    this.nonBlocking = nonBlocking;
    open++;
    this.#life = { state: 'open', aborting: null, letGo: holdLoop(this, nonBlocking) };
    this.#closeOut = closer(this.#life);
    this.whenDropped(this.#closeOut);
  }

  /** A new stream on a connection (virStreamNew), to hand to an upload, download, screenshot or console. */
  static create(conn: Connection, options: StreamOptions = {}): Promise<Stream> {
    try {
      checkOptions('Stream.create', options, STREAM_OPTIONS);
      return Stream.onConnection(conn, conn.handle, options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * @internal A stream on the connection of `owner` (a connection, or a domain or volume whose
   * connection pointer is borrowed). `owner` stays referenced until virStreamNew returned: a
   * dropped owner released meanwhile could release the connection the call is using.
   */
  static async onConnection(owner: LibvirtObject, connPtr: bigint, options: StreamOptions = {}): Promise<Stream> {
    const nonBlocking = options.nonBlocking === true;
    const ptr = (await sharedPool().call('virStreamNew', [connPtr, nonBlocking ? v.VIR_STREAM_NONBLOCK : 0])) as bigint;
    keepUntilHere(owner);
    return new Stream(ptr, nonBlocking, connPtr);
  }

  /** True once close() (or free()) was called: every later call rejects. */
  get closed(): boolean {
    return this.#closing !== null;
  }

  /** 'finished' or 'aborted' once the transfer is over; 'failed' after a call failed (libvirt then aborted it). */
  get state(): StreamState {
    return this.#life.state;
  }

  /**
   * Receives up to `max` bytes (at most 1 MiB at a time; virStreamRecv). With `stopAtHole` (a
   * sparse stream), a hole comes back as its length instead of as zeros (virStreamRecvFlags +
   * virStreamRecvHole).
   */
  recv(max: number = DEFAULT_CHUNK_SIZE, options: { stopAtHole?: boolean } = {}): Promise<StreamChunk> {
    return this.#enqueue(() => { checkLength('recv size', max, 1); checkOptions('recv', options, RECV_OPTIONS); }, async (ptr) => {
      const size = Math.min(max, MAX_WINDOW);
      const c = await this.#receive(ptr, this.#windowOf(size), size, options.stopAtHole === true);
      // A copy: the window is reused by the next call.
      return c.kind === 'data' ? { kind: 'data', data: Buffer.from(c.data) } : c;
    });
  }

  /**
   * recv() into the caller's `window`, a Uint8Array over a SharedArrayBuffer that the stream
   * thread fills directly: no copy, no allocation per chunk (fresh large Buffers cost ~2 ms per
   * MiB here in page faults and GC). The data is a view of the window, valid until it is reused.
   */
  recvInto(window: Uint8Array, options: { stopAtHole?: boolean } = {}): Promise<StreamChunk> {
    return this.#enqueue(() => { checkShared(window); checkOptions('recvInto', options, RECV_OPTIONS); }, (ptr) => this.#receive(ptr, window, window.length, options.stopAtHole === true));
  }

  async #receive(ptr: bigint, window: Uint8Array, max: number, stopAtHole: boolean): Promise<StreamChunk> {
    const r = await runStreamCall(ptr, window, { op: 'recv', max, stopAtHole });
    switch (r.kind) {
      case 'data': return { kind: 'data', data: Buffer.from(window.buffer, window.byteOffset, r.length) };
      case 'hole': return { kind: 'hole', length: r.length };
      case 'again': return { kind: 'again' };
      default: return { kind: 'end' };
    }
  }

  /**
   * Sends `data` (virStreamSend). Resolves to the bytes libvirt took: all of them on a blocking
   * stream; on a non-blocking one possibly fewer, 0 when its buffers are full. Data over a
   * SharedArrayBuffer goes to the stream thread as it is (no copy): leave it unchanged until
   * the send resolves.
   */
  send(data: Uint8Array): Promise<number> {
    return this.#enqueue(() => { if (!(data instanceof Uint8Array)) throw invalid('send: data must be a Uint8Array'); }, async (ptr) => {
      if (isShared(data)) return this.#sendWindow(ptr, data, data.length);
      const window = this.#windowOf(Math.min(data.length, MAX_WINDOW));
      let sent = 0;
      while (sent < data.length) {
        const piece = data.subarray(sent, sent + window.length);
        window.set(piece);
        const took = await this.#sendWindow(ptr, window, piece.length);
        sent += took;
        if (took < piece.length) break;
      }
      return sent;
    });
  }

  async #sendWindow(ptr: bigint, window: Uint8Array, length: number): Promise<number> {
    const r = await runStreamCall(ptr, window, { op: 'send', length });
    return r.kind === 'sent' ? r.length : 0;
  }

  /**
   * @internal Sends the extents of the open file `fd`, in order (data read from the file, holes
   * as holes), on the stream thread (see stream-worker.ts for why).
   */
  sendFromFile(fd: number, extents: FileExtent[]): Promise<{ dataBytes: number; holeBytes: number }> {
    return this.#enqueue(() => checkFileExtents(fd, extents), async (ptr) => {
      const r = await runStreamCall(ptr, this.#windowOf(MAX_WINDOW), { op: 'sendFile', fd, extents });
      return r.kind === 'file' ? { dataBytes: r.dataBytes, holeBytes: r.holeBytes } : { dataBytes: 0, holeBytes: 0 };
    });
  }

  /**
   * @internal Receives about `limit` data bytes into the open file `fd` from `position` on the
   * stream thread, leaving holes (and all-zero data) unwritten.
   */
  recvToFile(fd: number, position: number, limit: number, options: { stopAtHole?: boolean } = {}): Promise<{ dataBytes: number; holeBytes: number; end: boolean }> {
    return this.#enqueue(() => { checkFileRange(fd, position, limit); checkOptions('recvToFile', options, RECV_OPTIONS); }, async (ptr) => {
      const r = await runStreamCall(ptr, this.#windowOf(MAX_WINDOW), { op: 'recvFile', fd, position, limit, stopAtHole: options.stopAtHole === true });
      return r.kind === 'file' ? { dataBytes: r.dataBytes, holeBytes: r.holeBytes, end: r.end } : { dataBytes: 0, holeBytes: 0, end: true };
    });
  }

  /** Tells the other end to make `length` bytes of hole (virStreamSendHole; sparse streams only). */
  sendHole(length: number): Promise<void> {
    return this.#enqueue(() => checkLength('hole length', length), async (ptr) => {
      await runStreamCall(ptr, null, { op: 'sendHole', length });
    });
  }

  /** Completes the transfer (virStreamFinish): after the last send, or once a receive got `end`. */
  finish(): Promise<void> {
    return this.#enqueue(undefined, async (ptr) => {
      await runStreamCall(ptr, null, { op: 'finish' });
      this.#life.state = 'finished';
      letGoOfLoop(this.#life);
    }, 'finish');
  }

  /** Abandons the transfer (virStreamAbort); the other end discards it. */
  abort(): Promise<void> {
    return this.#enqueue(undefined, (ptr) => abortOnce(this.#life, ptr), 'abort');
  }

  /** Aborts if the transfer is not over, then frees the stream. Idempotent; resolves when freed. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Same as close(), without waiting. */
  override free(): void {
    void this.close();
  }

  override [Symbol.dispose](): void {
    void this.close();
  }

  override async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #shutdown(): Promise<void> {
    if (this.released) return;
    const ptr = this.handle;
    // A receive or send may wait for ever (a hung QEMU, a receive on an upload stream, a console
    // the guest does not read). Aborted from another thread, libvirt returns it at once with
    // "stream is closed" (tests/support/stuck-stream.ts); finish and abort are waited for.
    if (this.#transferring) await abortOnce(this.#life, ptr).catch(() => undefined);
    await this.#tail;
    await this.#closeOut(ptr, () => super.free());
  }

  /**
   * Queues `body` after the calls before it; `check` validates the arguments first. `kind`: a
   * transfer or finish needs an open stream; an abort does not.
   */
  #enqueue<T>(check: (() => void) | undefined, body: (ptr: bigint) => Promise<T>, kind: CallKind = 'transfer'): Promise<T> {
    try {
      if (this.#closing) throw invalid('this stream was already freed or closed');
      check?.();
    } catch (err) {
      return Promise.reject(err);
    }
    const ptr = this.handle;
    const run = this.#tail.then(async () => {
      // close() came after this transfer was queued: it must not start (it may never return).
      if (kind === 'transfer' && this.#closing) throw closedDuring();
      this.#transferring = kind === 'transfer';
      try {
        return await (kind === 'abort' ? body(ptr) : this.#guard(body, ptr));
      } finally {
        this.#transferring = false;
      }
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** A failed call leaves the stream aborted on libvirt's side; later calls are refused here. */
  async #guard<T>(body: (ptr: bigint) => Promise<T>, ptr: bigint): Promise<T> {
    if (this.#life.state !== 'open') throw this.#closing ? closedDuring() : tsvirtError(v.VIR_ERR_OPERATION_INVALID, 'stream', `the stream is ${this.#life.state}`);
    try {
      return await body(ptr);
    } catch (err) {
      if (this.#life.state === 'open') this.#life.state = 'failed';
      // close() aborted the stream beside this call (see #shutdown): libvirt's "stream is closed".
      if (this.#closing && isLibvirtError(err)) throw closedDuring(err);
      throw err;
    }
  }

  #windowOf(size: number): Uint8Array {
    if (!this.#window || this.#window.length < size) this.#window = streamWindow(Math.max(size, 1));
    return this.#window;
  }
}

/**
 * virStreamAbort unless the transfer finished, once: a second caller (close() after a beside
 * abort, abort() queued behind a stuck call) waits for the first. The stream counts as aborted
 * afterwards either way. It goes through the call pool, not a stream thread: it may have to run
 * beside a call that holds a stream thread, and the call pool's threads are started already,
 * where a stream thread might have to be started first (tens of ms).
 */
function abortOnce(life: Life, ptr: bigint): Promise<void> {
  if (life.state === 'finished') return Promise.resolve();
  life.aborting ??= sharedPool().call('virStreamAbort', [ptr]).then(() => undefined).finally(() => {
    life.state = 'aborted';
    letGoOfLoop(life);
  });
  return life.aborting;
}

/** The transfer is over (or the stream gone): nothing more arrives, the loop may run again. */
function letGoOfLoop(life: Life): void {
  const letGo = life.letGo;
  life.letGo = null;
  letGo?.();
}

type CloseOut = (ptr: bigint, release: () => void) => Promise<void>;

/**
 * The end of a stream, for close() and for the safety net when a stream is dropped unclosed
 * (built outside the object, which is gone by then): a transfer still going is aborted, so the
 * daemon lets go of it; then the reference is released.
 */
function closer(life: Life): CloseOut {
  return async (ptr, release) => {
    // The abort (or the finish before it) let go of the event loop.
    await abortOnce(life, ptr).catch(() => undefined);
    open--;
    release();
  };
}

/** A use of `value` the optimiser cannot drop: what is passed here stays reachable until this point. */
function keepUntilHere(value: unknown): void {
  if (value === keepUntilHere) throw new Error('unreachable');
}

/** A stream on the connection a domain or volume belongs to (borrowed, not a new reference: never closed here). */
export function streamOf(owner: LibvirtObject, getConnect: 'virDomainGetConnect' | 'virStorageVolGetConnect', options: StreamOptions = {}): Promise<Stream> {
  try {
    // The connection is lent (borrowed='true' in the overrides): no reference to release.
    const connect = v[getConnect] as unknown as (handle: bigint) => bigint;
    return Stream.onConnection(owner, connect(owner.handle), options);
  } catch (err) {
    return Promise.reject(err);
  }
}
