// The owner of one libvirt object reference. Exactly one release happens: by free()/close(),
// by `using`/`await using`, or, for objects a program drops, by a FinalizationRegistry.
// After release every method throws; nothing reaches freed memory.
import * as v from '../../generated/index.js';
import { adoptHandle, tsvirtError } from '../ffi/index.js';
import { sharedPool } from './engine/call-pool.js';

/** libvirt's error number for "invalid argument"; used for calls on a released object. */
const VIR_ERR_INVALID_ARG = 8;

const release = (fn: string, ptr: bigint): void => {
  // Releasing a reference does not block (no daemon round trip) except closing a
  // connection, which the pool runs off the main thread.
  if (fn === 'virConnectClose') void sharedPool().call(fn, [ptr]).catch(() => undefined);
  else (v as unknown as Record<string, (p: bigint) => unknown>)[fn]?.(ptr);
};

const registry = new FinalizationRegistry<{ fn: string; ptr: bigint }>(({ fn, ptr }) => release(fn, ptr));

export abstract class LibvirtObject {
  #ptr: bigint | null;
  readonly #freeFn: string;
  readonly #kind: string;

  protected constructor(ptr: bigint, kind: string, freeFn: string) {
    this.#ptr = ptr;
    this.#kind = kind;
    this.#freeFn = freeFn;
    // The reference came from another thread (or from C): this thread's table must know it.
    adoptHandle(ptr);
    registry.register(this, { fn: freeFn, ptr }, this);
  }

  /** The raw handle, for the generated layer. Throws once released. */
  get handle(): bigint {
    if (this.#ptr === null) throw tsvirtError(VIR_ERR_INVALID_ARG, this.#kind, `this ${this.#kind} was already freed or closed`);
    return this.#ptr;
  }

  get released(): boolean {
    return this.#ptr === null;
  }

  /** Releases the reference; calling it again does nothing. */
  protected releaseReference(): bigint | null {
    const ptr = this.#ptr;
    if (ptr === null) return null;
    this.#ptr = null;
    registry.unregister(this);
    return ptr;
  }

  free(): void {
    const ptr = this.releaseReference();
    if (ptr !== null) release(this.#freeFn, ptr);
  }

  [Symbol.dispose](): void {
    this.free();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.free();
  }
}
