// Handles that calls in flight still use. An SDK object's release (free(), close(), `using`, the
// FinalizationRegistry) must not reach libvirt while a call thread may still pass its handle to
// libvirt: the object stops taking calls at once, and the C release waits for the calls that
// already hold the handle.

/** Whether `args` holds `ptr`, as an argument or one level of arrays deep (argument lists, bulk reads). */
function holds(args: readonly unknown[], ptr: bigint): boolean {
  for (const a of args) {
    if (a === ptr) return true;
    if (Array.isArray(a) && (a as unknown[]).includes(ptr)) return true;
  }
  return false;
}

/** More arguments than any C function takes: a bulk read's list of handles. */
const MAX_PLAIN_ARGS = 16;

/** A plain call: a few arguments, none of them a list. Its bigints are counted one by one. */
const isPlain = (args: readonly unknown[]): boolean => args.length <= MAX_PLAIN_ARGS && !args.some((a) => Array.isArray(a));

export class HandlePins {
  /** Calls in flight per bigint argument of plain calls (other bigints count too: harmless). */
  readonly #counts = new Map<bigint, number>();
  /**
   * The argument lists of bulk requests in flight, searched only when a release asks: counting
   * thousands of handles per listing would cost more than the rare search.
   */
  readonly #bulk = new Set<readonly unknown[]>();
  readonly #waiting = new Map<bigint, (() => void)[]>();

  pin(args: readonly unknown[]): void {
    if (!isPlain(args)) {
      this.#bulk.add(args);
      return;
    }
    for (const a of args) if (typeof a === 'bigint') this.#counts.set(a, (this.#counts.get(a) ?? 0) + 1);
  }

  unpin(args: readonly unknown[]): void {
    if (this.#bulk.delete(args)) {
      for (const ptr of [...this.#waiting.keys()]) this.#runIfFree(ptr);
      return;
    }
    for (const a of args) {
      if (typeof a !== 'bigint') continue;
      const n = (this.#counts.get(a) ?? 1) - 1;
      if (n > 0) {
        this.#counts.set(a, n);
        continue;
      }
      this.#counts.delete(a);
      if (this.#waiting.has(a)) this.#runIfFree(a);
    }
  }

  /** Whether a call in flight holds `ptr`. The sizes first: hashing a bigint costs more. */
  pinned(ptr: bigint): boolean {
    if (this.#counts.size !== 0 && this.#counts.has(ptr)) return true;
    if (this.#bulk.size !== 0) for (const args of this.#bulk) if (holds(args, ptr)) return true;
    return false;
  }

  /** Runs `run` now if no call holds `ptr`, else once the last call that holds it has settled. */
  whenUnpinned(ptr: bigint, run: () => void): void {
    if (!this.pinned(ptr)) {
      run();
      return;
    }
    const waiting = this.#waiting.get(ptr);
    if (waiting) waiting.push(run);
    else this.#waiting.set(ptr, [run]);
  }

  #runIfFree(ptr: bigint): void {
    if (this.pinned(ptr)) return;
    const waiting = this.#waiting.get(ptr) ?? [];
    this.#waiting.delete(ptr);
    for (const run of waiting) run();
  }
}
