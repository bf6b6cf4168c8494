// The owner of one libvirt object reference. Exactly one release happens: by free()/close(),
// by `using`/`await using`, or, for objects a program drops, by a FinalizationRegistry.
// After release every method throws; nothing reaches freed memory.
import '../../generated/index.js';
import { forgetReleased, rawFunction, tsvirtError } from '../ffi/index.js';
import { sharedPool } from './engine/call-pool.js';

/** libvirt's error number for "invalid argument"; used for calls on a released object. */
const VIR_ERR_INVALID_ARG = 8;

const release = (fn: string, ptr: bigint): void => {
  // Releasing a reference does not block (no daemon round trip) except closing a
  // connection, which the pool runs off the main thread. The object is the owner, so the
  // generated layer's bookkeeping is bypassed.
  if (fn === 'virConnectClose') void sharedPool().call(fn, [ptr]).catch(() => undefined);
  else rawFunction(fn)(ptr);
};

let finalized = 0;
const registry = new FinalizationRegistry<{ fn: string; ptr: bigint }>(({ fn, ptr }) => {
  finalized++;
  release(fn, ptr);
});

/** How many references the safety net released for objects that were dropped unreleased. */
export function finalizedCount(): number {
  return finalized;
}

export abstract class LibvirtObject {
  #ptr: bigint | null;
  readonly #freeFn: string;
  readonly #kind: string;

  protected constructor(ptr: bigint, kind: string, freeFn: string) {
    this.#ptr = ptr;
    this.#kind = kind;
    this.#freeFn = freeFn;
    // This object owns the reference; the address may be one the generated layer saw released.
    forgetReleased(ptr);
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
