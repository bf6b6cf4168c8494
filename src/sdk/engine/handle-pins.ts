// Handles that calls in flight still use. An SDK object's release (free(), close(), `using`, the
// FinalizationRegistry) must not reach libvirt while a call thread may still pass its handle to
// libvirt: the object stops taking calls at once, and the C release waits for the calls that
// already hold the handle.

/** A request's handles: bigint arguments, one level of arrays deep (argument lists, bulk reads). */
function eachHandle(args: readonly unknown[], use: (ptr: bigint) => void): void {
  for (const a of args) {
    if (typeof a === 'bigint') use(a);
    else if (Array.isArray(a)) for (const b of a as unknown[]) if (typeof b === 'bigint') use(b);
  }
}

export class HandlePins {
  readonly #counts = new Map<bigint, number>();
  readonly #waiting = new Map<bigint, (() => void)[]>();

  /** Counts the handles in `args` as used until unpin(args). Other bigints count too: harmless. */
  pin(args: readonly unknown[]): void {
    eachHandle(args, (ptr) => this.#counts.set(ptr, (this.#counts.get(ptr) ?? 0) + 1));
  }

  unpin(args: readonly unknown[]): void {
    eachHandle(args, (ptr) => {
      const n = (this.#counts.get(ptr) ?? 1) - 1;
      if (n > 0) {
        this.#counts.set(ptr, n);
        return;
      }
      this.#counts.delete(ptr);
      const waiting = this.#waiting.get(ptr);
      if (!waiting) return;
      this.#waiting.delete(ptr);
      for (const run of waiting) run();
    });
  }

  /** Runs `run` now if no call holds `ptr`, else once the last call that holds it has settled. */
  whenUnpinned(ptr: bigint, run: () => void): void {
    if (!this.#counts.has(ptr)) {
      run();
      return;
    }
    const waiting = this.#waiting.get(ptr);
    if (waiting) waiting.push(run);
    else this.#waiting.set(ptr, [run]);
  }

  /** Calls that hold `ptr` now. */
  count(ptr: bigint): number {
    return this.#counts.get(ptr) ?? 0;
  }
}
