// Work in flight, counted, with one listener told when the count leaves or returns to zero.
// The call pool and the stream threads each keep one; the event loop pauses while either is
// busy (see events/loop-pause.ts).
export class BusyCounter {
  #count = 0;
  #listener: ((busy: boolean) => void) | undefined;

  /** `listener` is told true when work starts after none, false when the last of it ends. */
  onChange(listener: (busy: boolean) => void): void {
    this.#listener = listener;
  }

  get count(): number {
    return this.#count;
  }

  add(delta: number): void {
    const before = this.#count;
    this.#count += delta;
    if ((before === 0) !== (this.#count === 0)) this.#listener?.(this.#count > 0);
  }

  /** Back to no work (threads that were stopped with work in flight). */
  clear(): void {
    this.add(-this.#count);
  }
}
