// A Connection's events as a Node EventEmitter: listeners by name ('domain:lifecycle', 'close',
// ...), and libvirt registrations that follow them (first listener registers, last removed
// deregisters). Registration runs in the background; `ready()` waits for it. A failed
// registration is emitted as 'error' when someone listens for errors, else it becomes a process
// warning; ready() rejects with it either way.
import { EventEmitter } from 'node:events';
import { tsvirtError, VIR_ERR_INVALID_ARG } from '../../ffi/index.js';
import { eventCatalog, type EventSpec } from './catalog.js';
import type { ConnectionEventMap } from './event-types.js';
import { toEvent, dropEvent } from './to-event.js';
import { enumNamer } from '../enum-names.js';
import { Subscriptions } from './subscriptions.js';
import type { RawEvent } from './protocol.js';
import * as v from '../../../generated/index.js';

const closeReason = enumNamer(v.virConnectCloseReason);
/** Listener names that are the emitter's own, not libvirt registrations. */
const local = new Set(['error', 'newListener', 'removeListener']);

export type EventName = keyof ConnectionEventMap;
export type Listener<K extends EventName> = (event: ConnectionEventMap[K]) => void;

export class ConnectionEvents {
  readonly emitter = new EventEmitter();
  readonly #subs: Subscriptions;

  constructor(handle: () => bigint) {
    this.#subs = new Subscriptions(handle, {
      event: (spec, e) => this.#dispatch(spec, e),
      close: (reason) => this.emitter.emit('close', { type: 'close', reason: closeReason(reason) }),
      failed: (err) => this.#failed(err),
    });
    this.emitter.on('newListener', (name: string | symbol) => {
      if (typeof name !== 'string' || local.has(name) || this.emitter.listenerCount(name) > 0) return;
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

  ready(): Promise<void> {
    return this.#subs.settled();
  }

  /** Stops every libvirt registration (the connection is closing); listeners stay attached. */
  detach(): Promise<void> {
    return this.#subs.removeAll();
  }

  get registered(): string[] {
    return this.#subs.names;
  }

  #dispatch(spec: EventSpec, e: RawEvent): void {
    if (this.emitter.listenerCount(spec.name) === 0) {
      dropEvent(e);
      return;
    }
    this.emitter.emit(spec.name, toEvent(spec, e));
  }

  #failed(err: unknown): void {
    if (this.emitter.listenerCount('error') > 0) this.emitter.emit('error', err);
    else process.emitWarning(`tsvirt: event registration failed: ${(err as Error).message}`, 'TsvirtEventWarning');
  }
}

function specOf(name: string): EventSpec {
  const spec = eventCatalog.get(name);
  if (!spec) throw tsvirtError(VIR_ERR_INVALID_ARG, 'events', `unknown event '${name}'`);
  return spec;
}
