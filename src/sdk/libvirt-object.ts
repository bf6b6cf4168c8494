// The owner of one libvirt object reference. Exactly one release happens: by free()/close(),
// by `using`/`await using`, or, for objects a program drops, by a FinalizationRegistry.
// After release every method throws; nothing reaches freed memory: calls already on their way
// keep the reference until they settle (see engine/handle-pins.ts).
import { inspect, type InspectOptionsStylized } from 'node:util';
import '../../generated/index.js';
import { forgetReleased, rawFunction, tsvirtError, VIR_ERR_INVALID_ARG } from '../ffi/index.js';
import { sharedPool } from './engine/call-pool.js';
import { closeConnection, lingeringConnectionOf, releaseConnection } from './engine/closing-connections.js';
import { identityOf, releasedWord } from './object-identity.js';

/**
 * Releases a reference once no call in flight passes it. Releasing does not block the calling
 * thread: closing a connection, and a release that may close one (engine/closing-connections.ts),
 * run on a call thread, since either can mean a round trip to the daemon. The object is the
 * owner, so the generated layer's bookkeeping is bypassed.
 */
const release = (fn: string, ptr: bigint, conn: bigint | undefined): void => {
  const pins = sharedPool().pins;
  // The common case, nothing in flight, without a closure: listings free thousands at a time.
  if (pins.pinned(ptr)) pins.whenUnpinned(ptr, () => releaseNow(fn, ptr, conn));
  else releaseNow(fn, ptr, conn);
};

function releaseNow(fn: string, ptr: bigint, knownConn: bigint | undefined): void {
  if (fn === 'virConnectClose') {
    // A dropped Connection (the safety net); close() goes the same way.
    void releaseConnection(ptr).catch(() => undefined);
    return;
  }
  const conn = lingeringConnectionOf(fn, ptr, knownConn);
  if (conn === undefined) {
    rawFunction(fn)(ptr);
  } else if (conn === 'unknown') {
    void sharedPool().call(fn, [ptr]).catch(() => undefined);
  } else {
    // The object may hold the last reference of a connection the SDK has closed. With a
    // reference of our own (a local count) the object's release stays local; ours is dropped
    // on a call thread, where closing the connection may happen.
    rawFunction('virConnectRef')(conn);
    rawFunction(fn)(ptr);
    void closeConnection(conn).catch(() => undefined);
  }
}

/**
 * What the safety net releases for one object; `ptr` is null once the object released it itself.
 * `conn`: the object's connection, for classes that cannot ask libvirt for it (streams).
 */
interface Reference {
  fn: string; ptr: bigint | null; conn?: bigint;
  /** What the safety net does instead of releasing at once (streams: abort first); `release` then releases. */
  dropped?: (ptr: bigint, release: () => void) => void;
}

let finalized = 0;
// Registered without an unregister token: an explicit release clears the reference instead of
// unregistering, which made registering 2.2x cheaper (5000 objects: 5.0 -> 2.3 ms).
const registry = new FinalizationRegistry<Reference | Reference[]>((held) => {
  for (const ref of Array.isArray(held) ? held : [held]) {
    if (ref.ptr === null) continue;
    finalized++;
    const { fn, ptr, conn } = ref;
    if (ref.dropped) ref.dropped(ptr, () => release(fn, ptr, conn));
    else release(fn, ptr, conn);
    ref.ptr = null;
  }
});

/**
 * The objects of one listing are watched by the safety net as a group: one registration for
 * all of them, on a token each member holds, so the group's references that were not released
 * explicitly are released once every member is unreachable. A registration per object cost
 * about 6 of 38 ms in listing 5000 domains (registering, and the collector's work on 5000 weak
 * cells); the price is that a dropped member is released only with the last of its group.
 */
interface Group { token: object; refs: Reference[] }
let joining: Group | undefined;

/** Runs `make`; the SDK objects it creates form one group (see Group). */
export function asGroup<T>(make: () => T): T {
  const outer = joining;
  const group: Group = { token: {}, refs: [] };
  joining = group;
  try {
    return make();
  } finally {
    joining = outer;
    if (group.refs.length > 0) registry.register(group.token, group.refs);
  }
}

/**
 * Runs `body` on a reference of its own to `obj`, taken now (`refFn`, e.g. virDomainRef: a local
 * count, no round trip), released when `body` settles. For methods that make several calls (the
 * stream methods): one called before the caller's free() completes, as a single call does.
 */
export function withOwnReference<T extends LibvirtObject, R>(obj: T, refFn: string, make: (ptr: bigint) => T, body: (own: T) => Promise<R>): Promise<R> {
  let own: T;
  try {
    const ptr = obj.handle;
    rawFunction(refFn)(ptr);
    own = make(ptr);
  } catch (err) {
    return Promise.reject(err);
  }
  // A body that throws before it has a Promise still rejects, and still releases the reference.
  let settled: Promise<R>;
  try {
    settled = body(own);
  } catch (err) {
    settled = Promise.reject(err);
  }
  return settled.finally(() => own.free());
}

/** How many references the safety net released for objects that were dropped unreleased. */
export function finalizedCount(): number {
  return finalized;
}

/**
 * The connection of the objects being made now, where the maker knows it: the call whose result
 * is wrapped, or the event. Node devices, network filters and their bindings need it: libvirt
 * cannot be asked their connection, and their release must know it when the connection lingers
 * (engine/closing-connections.ts). Set only around a wrap, which is synchronous.
 */
let makingFor: bigint | undefined;

/** Runs `wrap` with `conn` as the connection of the objects it makes. */
export function wrapFor<T>(conn: bigint | undefined, wrap: () => T): T {
  const before = makingFor;
  makingFor = conn;
  try {
    return wrap();
  } finally {
    makingFor = before;
  }
}

export abstract class LibvirtObject {
  readonly #ref: Reference;
  readonly #kind: string;
  /** The group token this object keeps alive, when it was made as part of a group. */
  readonly #group: object | undefined;

  /**
   * `conn`: the connection the object belongs to, where libvirt cannot be asked for it (streams);
   * by default the one its maker names (see wrapFor), if any.
   */
  protected constructor(ptr: bigint, kind: string, freeFn: string, conn: bigint | undefined = makingFor) {
    this.#ref = conn === undefined ? { fn: freeFn, ptr } : { fn: freeFn, ptr, conn };
    this.#kind = kind;
    // This object owns the reference; the address may be one the generated layer saw released.
    forgetReleased(ptr);
    if (joining) {
      joining.refs.push(this.#ref);
      this.#group = joining.token;
    } else {
      registry.register(this, this.#ref);
    }
  }

  /** The raw handle, for the generated layer. Throws once released. */
  get handle(): bigint {
    const ptr = this.#ref.ptr;
    if (ptr === null) throw tsvirtError(VIR_ERR_INVALID_ARG, this.#kind, `this ${this.#kind} was already freed or closed`);
    return ptr;
  }

  get released(): boolean {
    return this.#ref.ptr === null;
  }

  /**
   * What the safety net does for this object if it is dropped unreleased, instead of releasing
   * at once; it must call `release` in the end. It must not hold the object itself.
   */
  protected whenDropped(dropped: (ptr: bigint, release: () => void) => void): void {
    this.#ref.dropped = dropped;
  }

  /** Releases the reference; calling it again does nothing. */
  protected releaseReference(): bigint | null {
    const ptr = this.#ref.ptr;
    this.#ref.ptr = null;
    return ptr;
  }

  free(): void {
    const ptr = this.releaseReference();
    if (ptr !== null) release(this.#ref.fn, ptr, this.#ref.conn);
  }

  [Symbol.dispose](): void {
    this.free();
  }

  /**
   * What console.log shows: `Domain { name: 'web1', uuid: '...' }` (object-identity.ts), read
   * now by local reads; `Domain <freed>`, `Connection <closed>` once released, with nothing read.
   * Never throws: a read that fails shows its message.
   */
  [inspect.custom](_depth: number, options: InspectOptionsStylized, show: typeof inspect): string {
    const name = this.constructor.name;
    const ptr = this.#ref.ptr;
    if (ptr === null) return `${name} <${releasedWord(this.#kind)}>`;
    try {
      return `${name} ${show(this.identity(ptr), options)}`;
    } catch (err) {
      return `${name} <unreadable: ${err instanceof Error ? err.message : String(err)}>`;
    }
  }

  /**
   * What JSON.stringify writes, for logs: the name and UUID (a connection's URI) that console.log
   * shows, nothing else of the object; null once released.
   */
  toJSON(): Record<string, string> | null {
    const ptr = this.#ref.ptr;
    return ptr === null ? null : this.identity(ptr);
  }

  /**
   * The fields console.log and JSON.stringify show of a held handle (object-identity.ts). A kind
   * whose identity a pending call may change in the handle (a domain's name, during a rename)
   * gives its own, from the getters that know about such calls.
   * @internal
   */
  protected identity(ptr: bigint): Record<string, string> {
    return identityOf(this.#kind, ptr);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.free();
  }
}
