// The queues of the call pool (call-pool.ts) and of the backing-chain threads (chain-thread.ts).
/**
 * First in, first out, where taking from the front costs what is taken: Array#splice(0, n)
 * moves everything behind, which made handing out a queue of N calls cost N^2 (320,000 calls
 * queued at once: about a second of the main thread in splice alone).
 */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** The first `n` items (fewer when there are fewer), removed. */
  take(n: number): T[] {
    const end = Math.min(this.#head + n, this.#items.length);
    const taken = this.#items.slice(this.#head, end) as T[];
    // Cleared at once: a call's arguments (SDK objects) must not stay reachable from here after
    // it settles, or the safety net could not release objects a program drops.
    this.#items.fill(undefined, this.#head, end);
    this.#head = end;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      // The front is dropped once it is the larger part, so each item is copied once more at most.
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return taken;
  }

  takeAll(): T[] {
    return this.take(this.length);
  }
}
