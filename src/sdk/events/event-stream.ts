// connection.events(): the same events as an async iterator, for `for await` loops. Events are
// queued between reads, up to a limit; past it the iterator fails (nothing is dropped silently).
// An AbortSignal ends the loop with an AbortError, as Node's events.on() does. An event of its
// types that tsvirt could not deliver ends it with that error.
import { tsvirtError, VIR_ERR_INVALID_ARG } from '../../ffi/index.js';
import type { LostWatcher } from './connection-events.js';
import type { EventAbout } from './protocol.js';
import type { Domain } from '../domain.js';
import { eventCatalog } from './catalog.js';
import { checkOptions, optionKeys } from '../option-keys.js';
import type { ConnectionEvent, ConnectionEventMap, LibvirtEventName } from './event-types.js';

const VIR_ERR_OPERATION_FAILED = 9;
const DEFAULT_LIMIT = 100_000;

export interface EventStreamOptions {
  /** Event names; default every domain event. */
  types?: readonly LibvirtEventName[];
  /** Only events of this domain (a Domain, a name or a UUID). */
  domain?: Domain | string;
  signal?: AbortSignal;
  /** Events queued unread before the iterator fails; default 100000. */
  limit?: number;
}

const EVENT_STREAM_OPTIONS = optionKeys<EventStreamOptions>({ types: true, domain: true, signal: true, limit: true });

/** What the iterator needs of a connection: EventEmitter-style listening. */
export interface Listenable {
  on<K extends keyof ConnectionEventMap>(name: K, listener: (e: ConnectionEventMap[K]) => void): unknown;
  off<K extends keyof ConnectionEventMap>(name: K, listener: (e: ConnectionEventMap[K]) => void): unknown;
}

/** What the iterator needs of the connection's events (see connection-events.ts). */
export interface StreamHooks {
  /** Tells the stream of events its source lost until the returned function is called. */
  watchLost: (w: LostWatcher) => () => void;
  /** Tells the stream that the connection is closing, until the returned function is called. */
  watchClose: (onClose: () => void) => () => void;
  /** The registrations of these names (a failure is not counted as received). */
  readyOf: (names: readonly LibvirtEventName[]) => Promise<void>;
  /** The stream handed this registration failure to its reader: no warning for it. */
  received: (err: unknown) => void;
}

export class EventStream implements AsyncIterableIterator<ConnectionEvent> {
  /**
   * Resolves once libvirt delivers the chosen events to this iterator: await it before the
   * action whose events are wanted, as an earlier event never arrives. Rejects with the failure
   * of its registrations, with which the iterator then ends.
   */
  get ready(): Promise<void> {
    // Each read gets a promise of its own, through which a failure reaches whoever reads it: an
    // await receives it (no warning), and one read and dropped reports it as a rejection nobody
    // handled, rather than silencing the warning for it.
    return this.#ready.then(undefined, (err: unknown) => {
      this.#received(err);
      throw err;
    });
  }

  readonly #ready: Promise<void>;
  readonly #received: (err: unknown) => void;
  readonly #queue: ConnectionEvent[] = [];
  readonly #waiting: { resolve: (r: IteratorResult<ConnectionEvent>) => void; reject: (e: unknown) => void }[] = [];
  readonly #types: LibvirtEventName[];
  readonly #limit: number;
  /** The domain filter, read once: a Domain freed later must not break delivery. */
  readonly #want: { name?: string; uuid?: string } | undefined;
  #failure: unknown = undefined;
  #done = false;
  readonly #onEvent = (e: ConnectionEvent): void => this.#push(e);
  readonly #onAbort = (): void => this.#fail(abortError(this.options.signal));
  // A lost event that could not have passed the domain filter is not this iterator's; one about
  // an unknown object may be.
  readonly #onLost: LostWatcher = (name, err, about) => {
    if (!(this.#types as string[]).includes(name)) return false;
    if (this.#want !== undefined && about !== null && !(about.isDomain && this.#isWanted(about))) return false;
    this.#fail(err);
    return true;
  };
  #unwatchLost: () => void = () => undefined;
  #unwatchClose: () => void = () => undefined;
  /** The connection closed: the events queued are still read, then the iterator is done. */
  #closed = false;

  /**
   * Built by `connection.events()` only: `hooks.watchLost` tells the stream of events its source
   * lost (see connection-events.ts), which a stream built by hand would not hear of, so the class
   * is exported as a type. `hooks.watchClose` tells it that the connection is closing: no more
   * events come, so the iterator ends once the events queued are read.
   */
  constructor(private readonly source: Listenable, private readonly options: EventStreamOptions, hooks: StreamHooks) {
    checkOptions('events', options, EVENT_STREAM_OPTIONS);
    this.#received = hooks.received;
    this.#types = [...(options.types ?? [...eventCatalog.keys()].filter((n) => n.startsWith('domain:')) as LibvirtEventName[])];
    // No types would listen to nothing: an iterator that never yields and never ends.
    if (this.#types.length === 0) throw tsvirtError(VIR_ERR_INVALID_ARG, 'events', 'types names no event; leave it out for every domain event');
    for (const t of this.#types) if (!eventCatalog.has(t)) throw tsvirtError(VIR_ERR_INVALID_ARG, 'events', `unknown event '${t}'`);
    this.#limit = options.limit ?? DEFAULT_LIMIT;
    // The limit is what keeps a reader that falls behind from queueing without bound.
    if (!Number.isSafeInteger(this.#limit) || this.#limit < 1) throw tsvirtError(VIR_ERR_INVALID_ARG, 'events', `limit must be a positive integer, got ${String(options.limit)}`);
    const want = options.domain;
    if (typeof want === 'string') this.#want = { name: want, uuid: want.toLowerCase() };
    else if (want !== undefined) this.#want = { uuid: want.uuid }; // throws for a freed Domain
    if (options.signal?.aborted) {
      this.#failure = abortError(options.signal);
      this.#ready = Promise.resolve();
      return;
    }
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
    for (const t of this.#types) source.on(t, this.#onEvent as never);
    this.#unwatchLost = hooks.watchLost(this.#onLost);
    this.#unwatchClose = hooks.watchClose(() => this.#end());
    // A registration of its own types that fails ends the iterator with its error (and `ready`
    // rejects with it); another listener's failure is not the iterator's. The failure reached
    // someone if next() will reject with it or `ready` hands it over; an iterator that already
    // ended tells nobody, so the connection's warning reports it.
    const ready = hooks.readyOf(this.#types);
    ready.catch((err: unknown) => {
      const open = !this.#done;
      this.#fail(err);
      if (open) hooks.received(err);
    });
    this.#ready = ready;
  }

  next(): Promise<IteratorResult<ConnectionEvent>> {
    const e = this.#queue.shift();
    if (e) return Promise.resolve({ value: e, done: false });
    if (this.#failure !== undefined) {
      const err = this.#failure;
      this.#finish();
      return Promise.reject(err);
    }
    if (this.#closed) this.#finish();
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<ConnectionEvent>> {
    this.#finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #matches(e: ConnectionEvent): boolean {
    if (this.#want === undefined) return true;
    return 'domainUuid' in e && this.#isWanted({ name: e.domainName, uuid: e.domainUuid });
  }

  /** Whether the domain of this name and UUID passes the domain filter. */
  #isWanted(domain: Pick<EventAbout, 'name' | 'uuid'>): boolean {
    const want = this.#want;
    if (want === undefined) return true;
    return (want.name !== undefined && domain.name === want.name) || domain.uuid === want.uuid;
  }

  #push(e: ConnectionEvent): void {
    if (this.#done || !this.#matches(e)) return;
    const waiter = this.#waiting.shift();
    if (waiter) {
      waiter.resolve({ value: e, done: false });
      return;
    }
    if (this.#queue.length >= this.#limit) {
      this.#fail(tsvirtError(VIR_ERR_OPERATION_FAILED, 'events', `more than ${this.#limit} events queued unread; read faster or raise the limit`));
      return;
    }
    this.#queue.push(e);
  }

  #fail(err: unknown): void {
    if (this.#done) return;
    this.#failure = err;
    this.#unlisten();
    for (const w of this.#waiting.splice(0)) w.reject(err);
  }

  #unlisten(): void {
    for (const t of this.#types) this.source.off(t, this.#onEvent as never);
    this.options.signal?.removeEventListener('abort', this.#onAbort);
    this.#unwatchLost();
    this.#unwatchClose();
  }

  /** The connection is closing: the queued events stay to be read; a reader waiting now is done. */
  #end(): void {
    if (this.#done || this.#closed || this.#failure !== undefined) return;
    this.#closed = true;
    this.#unlisten();
    if (this.#queue.length === 0) this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#unlisten();
    this.#queue.length = 0;
    for (const w of this.#waiting.splice(0)) w.resolve({ value: undefined, done: true });
  }
}

function abortError(signal: AbortSignal | undefined): Error {
  const err = new Error('The operation was aborted', { cause: signal?.reason });
  err.name = 'AbortError';
  return err;
}
