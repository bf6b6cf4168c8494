// The libvirt side of a Connection's listeners: the first listener of an event registers one
// libvirt callback for it (on a call thread, with the loop thread's entry point and the sink
// thread's free callback), the last one removed deregisters it. A registration is released
// exactly once, when libvirt calls its free callback; until then its route stays, so a late
// event still finds where to go (or is dropped with its reference released).
import { sharedPool } from '../engine/call-pool.js';
import { families, type EventSpec } from './catalog.js';
import { addRoute, eventEntries, eventLoopStopped, hold, release, removeRoute, sinkEntries, type SinkEntries } from './event-loop.js';
import type { EventAbout, RawEvent } from './protocol.js';
import type { LibvirtError } from '../../ffi/index.js';

/** Events need the loop thread; the close callback (spec null) is the sink thread's (see event-loop.ts). */
function throwIfLoopStopped(spec: EventSpec | null): void {
  const stopped = spec ? eventLoopStopped() : undefined;
  if (stopped) throw stopped;
}

/** How long a deregistered close callback's free callback may take to arrive (it crosses threads). */
const CLOSE_FREE_GRACE_MS = 200;

interface Registration {
  reg: number;
  /** The event; null for the close callback. */
  spec: EventSpec | null;
  /** libvirt's callback ID (close callbacks have none); rejects when registering failed. */
  id: Promise<number>;
  held: boolean;
  /** Until libvirt frees the callback (or never took it). */
  routed: boolean;
}

export interface Sink {
  event(spec: EventSpec, e: RawEvent): void;
  close(reason: number): void;
  /** A registration or deregistration failed (also reported by settled()). */
  failed(err: unknown): void;
  /** An event of registration `name` was lost (see event-loop.ts); `about` whom, if known. */
  lost(name: string, err: LibvirtError, about?: EventAbout | null): void;
}

export class Subscriptions {
  readonly #live = new Map<string, Registration>();
  readonly #pending = new Set<Promise<unknown>>();
  /** Deregistrations in flight by name: libvirt refuses a second registration of the same callback. */
  readonly #removing = new Map<string, Promise<void>>();
  /** The registrations those deregister. */
  readonly #leaving = new Set<Registration>();
  #failure: unknown = undefined;
  /** A name's failed registration while its listeners remain: readyOf() still rejects with it. */
  readonly #failedNames = new Map<string, unknown>();

  constructor(private readonly handle: () => bigint, private readonly sink: Sink) {}

  /** Registers `spec` (an event) or 'close' with libvirt; resolves once registered. */
  add(name: string, spec: EventSpec | null): Promise<void> {
    const existing = this.#live.get(name);
    // A new listener of a registered event: ready unless the loop thread has stopped since.
    if (existing) return this.#track(existing.id.then(() => throwIfLoopStopped(spec)));
    const handle = this.handle(); // throws on a closed connection, before anything is taken
    this.#failedNames.delete(name);
    const r: Registration = { reg: 0, spec, id: Promise.resolve(0), held: true, routed: true };
    r.reg = addRoute({
      event: spec ? (e) => this.sink.event(spec, e) : undefined,
      close: spec ? undefined : (reason) => this.sink.close(reason),
      failed: (err, about) => this.sink.lost(name, err, about),
      freed: () => { r.routed = false; this.#unhold(r); },
    });
    hold();
    const after = this.#removing.get(name) ?? Promise.resolve();
    r.id = after.then(() => this.#register(handle, spec, r.reg));
    r.id.catch((err: unknown) => {
      removeRoute(r.reg);
      r.routed = false;
      this.#unhold(r);
      if (this.#live.get(name) !== r) return; // removed already: nobody listens any more
      this.#live.delete(name); // the next listener registers again
      this.#failedNames.set(name, err);
    });
    this.#live.set(name, r);
    return this.#track(r.id.then(() => undefined));
  }

  /**
   * Deregisters; the route goes when libvirt frees the callback. Removing twice does nothing.
   * `quiet`: a failure is not reported (closing a connection that is already dead).
   */
  remove(name: string, quiet = false): Promise<void> {
    this.#failedNames.delete(name);
    const r = this.#live.get(name);
    if (!r) return Promise.resolve();
    this.#live.delete(name);
    const done = r.id.then(
      async (id) => {
        await this.#deregister(r.spec, id);
        if (r.spec === null) this.#closeDeregistered(r);
      },
      () => undefined,
    );
    const settled = done.catch(() => undefined);
    this.#removing.set(name, settled);
    this.#leaving.add(r);
    void settled.then(() => {
      this.#leaving.delete(r);
      if (this.#removing.get(name) === settled) this.#removing.delete(name);
    });
    return quiet ? settled : this.#track(done);
  }

  /**
   * The registrations of `names` have settled; rejects with the first of their own failures (or
   * the loop's stop), not with another registration's: an iterator of some events must not end
   * for the failure of an unrelated listener's registration. A failed one that is no longer
   * tried still rejects while its listeners remain.
   */
  async readyOf(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((name) => {
      if (this.#failedNames.has(name)) return Promise.reject(this.#failedNames.get(name));
      const r = this.#live.get(name);
      return r?.id.then(() => throwIfLoopStopped(r.spec));
    }));
  }

  /** Every registration and deregistration started so far has settled; rejects with the first failure since the last call. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    const failure = this.#failure;
    this.#failure = undefined;
    if (failure !== undefined) throw failure;
  }

  /**
   * Deregisters everything (before the connection closes); failures are ignored. Also waits for
   * the registrations and deregistrations already on their way (a listener added and removed just
   * before, the iterators that close() ends): they pass the connection's handle, which must
   * still be open when they run.
   */
  async removeAll(): Promise<void> {
    const regs = [...this.#live.values(), ...this.#leaving];
    await Promise.allSettled([...[...this.#live.keys()].map((n) => this.remove(n, true)), ...this.#removing.values()]);
    // A registration libvirt could not drop (a dead connection) is freed when the connection
    // goes; it no longer keeps the process alive.
    for (const r of regs) this.#unhold(r);
  }

  get names(): string[] {
    return [...this.#live.keys()];
  }

  async #register(handle: bigint, spec: EventSpec | null, reg: number): Promise<number> {
    if (!spec) {
      const sink: SinkEntries = await sinkEntries();
      return sharedPool().call('virConnectRegisterCloseCallback', [handle, { native: sink.close, freecb: sink.freecb }, BigInt(reg)]) as Promise<number>;
    }
    const entries = await eventEntries();
    const fam = families[spec.family];
    const callback = { native: entries.events[spec.functype], freecb: entries.freecb };
    const args = fam.registerArgs?.(handle, spec.id, callback, BigInt(reg)) ?? [handle, null, spec.id, callback, BigInt(reg)];
    return sharedPool().call(fam.register, args) as Promise<number>;
  }

  async #deregister(spec: EventSpec | null, id: number): Promise<void> {
    const handle = this.handle();
    if (spec === null) {
      const sink = await sinkEntries();
      await sharedPool().call('virConnectUnregisterCloseCallback', [handle, { native: sink.close }]);
      return;
    }
    await sharedPool().call(families[spec.family].deregister, [handle, id]);
  }

  /**
   * libvirt calls a close callback's free callback inside virConnectUnregisterCloseCallback,
   * but drivers without close notifications (the test driver) accept the registration and
   * never keep it: there is no free callback to wait for. After the unregister returns libvirt
   * cannot call it any more, so a route still there shortly after is released here.
   */
  #closeDeregistered(r: Registration): void {
    setTimeout(() => {
      if (!r.routed) return;
      removeRoute(r.reg);
      r.routed = false;
      this.#unhold(r);
    }, CLOSE_FREE_GRACE_MS).unref();
  }

  #unhold(r: Registration): void {
    if (!r.held) return;
    r.held = false;
    release();
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#pending.add(p);
    const forget = (): void => { this.#pending.delete(p); };
    p.then(forget, (err: unknown) => {
      forget();
      this.#failure ??= err;
      this.sink.failed(err);
    });
    return p;
  }
}
