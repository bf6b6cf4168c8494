// A Connection's events as a Node EventEmitter: listeners by name ('domain:lifecycle', 'close',
// ...), and libvirt registrations that follow them (first listener registers, last removed
// deregisters). Registration runs in the background; `ready()` waits for it. A failed
// registration is emitted as 'error' when someone listens for errors; ready() rejects with it,
// and so does next() of an open iterator of its name; a process warning says so when none told anyone. A lost event (see event-loop.ts) is
// emitted as 'error' too, and ends the iterators of its name; a warning when nobody was told.
import { EventEmitter } from 'node:events';
import { tsvirtError, VIR_ERR_INVALID_ARG, type LibvirtError } from '../../ffi/index.js';
import { eventCatalog, type EventSpec } from './catalog.js';
import type { ConnectionEventMap } from './event-types.js';
import { toEvent, dropEvent } from './to-event.js';
import { enumNamer } from '../enum-names.js';
import { Subscriptions } from './subscriptions.js';
import { eventLoopStopped, guarded } from './event-loop.js';
import type { EventAbout, RawEvent } from './protocol.js';
import * as v from '../../../generated/index.js';

const closeReason = enumNamer(v.virConnectCloseReason);
/** Listener names that are the emitter's own, not libvirt registrations. */
const local = new Set(['error', 'newListener', 'removeListener']);

export type EventName = keyof ConnectionEventMap;
export type Listener<K extends EventName> = (event: ConnectionEventMap[K]) => void;
/** Told of a lost event of `name` (about whom, when known); true if it took the error. */
export type LostWatcher = (name: string, err: LibvirtError, about: EventAbout | null) => boolean;

export class ConnectionEvents {
  readonly emitter = new EventEmitter();
  readonly #subs: Subscriptions;
  readonly #lostWatchers = new Set<LostWatcher>();
  readonly #closeWatchers = new Set<() => void>();
  readonly #reported = new WeakSet<LibvirtError>();
  /** Failures handed to someone (a ready() call, an open iterator): no warning besides. */
  readonly #received = new WeakSet<object>();

  constructor(handle: () => bigint) {
    this.#subs = new Subscriptions(handle, {
      event: (spec, e) => this.#dispatch(spec, e),
      close: (reason) => this.emitter.emit('close', { type: 'close', reason: closeReason(reason) }),
      failed: (err) => this.#failed(err),
      lost: (name, err, about) => this.#lost(name, err, about ?? null),
    });
    // Every new listener goes through add(): the first registers, later ones learn whether the
    // registration still delivers (the loop thread may have stopped since).
    this.emitter.on('newListener', (name: string | symbol) => {
      if (typeof name !== 'string' || local.has(name)) return;
      void this.#subs.add(name, name === 'close' ? null : specOf(name)).catch(() => undefined);
    });
    this.emitter.on('removeListener', (name: string | symbol) => {
      if (typeof name !== 'string' || local.has(name) || this.emitter.listenerCount(name) > 0) return;
      void this.#subs.remove(name).catch(() => undefined);
    });
  }

  /** Throws at once for a name that is not an event (a typo would otherwise never fire). */
  check(name: string): void {
    if (!local.has(name) && name !== 'close' && !eventCatalog.has(name)) {
      throw tsvirtError(VIR_ERR_INVALID_ARG, 'events', `unknown event '${name}'; known: close, ${[...eventCatalog.keys()].join(', ')}`);
    }
  }

  /**
   * `names` given: their registrations (Subscriptions.readyOf); else all of them (settled). Its
   * caller gets the failure, so it counts as received.
   */
  ready(names?: readonly string[]): Promise<void> {
    const ready = names ? this.#subs.readyOf(names) : this.#subs.settled();
    ready.catch((err: unknown) => this.received(err));
    return ready;
  }

  /**
   * As ready(names), for an iterator: its own catch keeps the rejection from reaching anyone,
   * so the iterator says with received() when it handed the failure on.
   */
  readyOf(names: readonly string[]): Promise<void> {
    return this.#subs.readyOf(names);
  }

  /** Someone was given this registration failure: no warning for it. */
  received(err: unknown): void {
    if (typeof err === 'object' && err !== null) this.#received.add(err);
  }

  /**
   * Stops every libvirt registration (the connection is closing); listeners stay attached, and
   * the iterators end once they have handed out the events queued.
   */
  detach(): Promise<void> {
    for (const watcher of [...this.#closeWatchers]) watcher();
    this.#closeWatchers.clear();
    return this.#subs.removeAll();
  }

  get registered(): string[] {
    return this.#subs.names;
  }

  /** `watcher` is told when the connection closes, unless the returned function was called. */
  watchClose(watcher: () => void): () => void {
    this.#closeWatchers.add(watcher);
    return () => { this.#closeWatchers.delete(watcher); };
  }

  /** `watcher` is told of lost events until the returned function is called. */
  watchLost(watcher: LostWatcher): () => void {
    this.#lostWatchers.add(watcher);
    return () => { this.#lostWatchers.delete(watcher); };
  }

  /** Every listener gets the event, also when one before it throws (its error is thrown again afterwards). */
  #dispatch(spec: EventSpec, e: RawEvent): void {
    const listeners = this.emitter.rawListeners(spec.name) as ((event: unknown) => void)[];
    if (listeners.length === 0) {
      dropEvent(e);
      return;
    }
    const event = toEvent(spec, e);
    for (const listener of listeners) guarded(() => listener.call(this.emitter, event));
  }

  /**
   * An 'error' listener is told at once. The warning waits for the ready() calls and iterators
   * that were waiting on the registration: they get its failure in this same turn (microtasks), so
   * after setImmediate a failure none of them handed out is one nobody was told.
   */
  #failed(err: unknown): void {
    const warning = `tsvirt: event registration failed: ${(err as Error).message}`;
    if (this.emitter.listenerCount('error') > 0) {
      this.#report(err, warning);
      return;
    }
    setImmediate(() => this.#report(err, typeof err === 'object' && err !== null && this.#received.has(err) ? undefined : warning));
  }

  /** Iterators of `name` hear of each lost event; nothing for a name nobody listens to any more. */
  #lost(name: string, err: LibvirtError, about: EventAbout | null): void {
    if (this.emitter.listenerCount(name) === 0) return;
    let told = false;
    for (const watcher of [...this.#lostWatchers]) told = watcher(name, err, about) || told;
    this.#report(err, told ? undefined : err.message);
  }

  /**
   * 'error' once per error (a stopped loop fails every registration with the same one); without
   * an 'error' listener, `warning` - unless the loop's stop, which printed its own.
   */
  #report(err: unknown, warning: string | undefined): void {
    if (typeof err === 'object' && err !== null) {
      if (this.#reported.has(err as LibvirtError)) return;
      this.#reported.add(err as LibvirtError);
    }
    if (this.emitter.listenerCount('error') > 0) this.emitter.emit('error', err);
    else if (warning !== undefined && err !== eventLoopStopped()) process.emitWarning(warning, 'TsvirtEventWarning');
  }
}

function specOf(name: string): EventSpec {
  const spec = eventCatalog.get(name);
  if (!spec) throw tsvirtError(VIR_ERR_INVALID_ARG, 'events', `unknown event '${name}'`);
  return spec;
}
