// Pausing libvirt's event loop while SDK calls are in flight and nothing needs the loop.
//
// Why: while the loop runs, every remote call interrupts it twice (the calling thread takes the
// connection's socket over from the loop and hands it back, each time through
// virEventUpdateHandle and the loop's wake-up pipe). Measured on 2 cores: about 80 us of CPU
// per call on the loop thread, and 2000 concurrent getInfo calls ran at about half the rate
// they reach without a loop.
//
// Stream transfers interrupt the loop the same way, for every packet.
//
// While calls are in flight the calling threads read the socket themselves, so the loop has
// nothing to do unless something listens for events or a keepalive timer runs ("demand"). The
// loop pauses then, and resumes LINGER_MS after the last call settles, at once when demand
// appears, and for one turn every MAX_PAUSE_MS so that the daemon's keepalive pings are always
// answered (it drops a client after 5 unanswered pings, 5 s apart, by default).

/** Indexes in the control array shared with the loop thread (see loop-thread.ts). */
export const STOP = 0;
export const WAKE_TIMER = 1;
export const PAUSED = 2;
/** Set to 1 by the loop thread and the sink thread once they have loaded koffi and their callbacks (see event-loop.ts). */
export const LOOP_STARTED = 3;
export const SINK_STARTED = 4;
export const CONTROL_BYTES = 20;

/** Idle time after the last call before the loop runs again (sequential awaits stay paused). */
const LINGER_MS = 50;
/** Longest uninterrupted pause: the loop thread runs one turn after this (see loop-thread.ts). */
export const MAX_PAUSE_MS = 2000;

export class LoopPause {
  /** Sources with calls in flight ('calls' for the call pool, 'streams' for stream threads). */
  readonly #busySources = new Set<string>();
  #demand = 0;
  #paused = false;
  #linger: NodeJS.Timeout | undefined;

  /** `wake` makes a loop blocked in its poll return (so it sees the pause at once). */
  constructor(private readonly control: Int32Array, private readonly wake: () => void) {}

  /** `source` has calls in flight (true) or all of them settled (false). */
  setBusy(source: string, busy: boolean): void {
    const was = this.#busy;
    if (busy) this.#busySources.add(source);
    else this.#busySources.delete(source);
    if (this.#busy === was) return;
    if (!this.#busy) {
      this.#lingerThenApply();
      return;
    }
    clearTimeout(this.#linger);
    this.#linger = undefined;
    this.#apply();
  }

  /** Something needs the loop running (an event registration, a keepalive timer). */
  addDemand(): void {
    this.#demand++;
    this.#apply();
  }

  removeDemand(): void {
    if (this.#demand > 0) this.#demand--;
    this.#apply();
  }

  /** How many requirements keep the loop running (tests). */
  get demand(): number {
    return this.#demand;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get #busy(): boolean {
    return this.#busySources.size > 0;
  }

  #lingerThenApply(): void {
    clearTimeout(this.#linger);
    this.#linger = setTimeout(() => { this.#linger = undefined; this.#apply(); }, LINGER_MS);
    this.#linger.unref();
  }

  #apply(): void {
    const pause = this.#busy && this.#demand === 0;
    if (pause === this.#paused) return;
    // Calls settled: resume once the linger has passed. Demand resumes at once.
    if (!pause && this.#demand === 0 && this.#linger) return;
    this.#paused = pause;
    Atomics.store(this.control, PAUSED, pause ? 1 : 0);
    if (pause) this.wake();
    else Atomics.notify(this.control, PAUSED);
  }

  /** At exit: never leave the loop thread waiting. */
  release(): void {
    clearTimeout(this.#linger);
    this.#paused = false;
    Atomics.store(this.control, PAUSED, 0);
    Atomics.notify(this.control, PAUSED);
  }
}
