// libvirt's event loop, run for the user. libvirt needs an event loop registered before the
// first connection opens (for events, keepalive, stream and close notifications), so
// Connection.open registers libvirt's default implementation once and starts two threads:
//
// - the loop thread (loop-thread.ts) runs virEventRunDefaultImpl and owns the entry points of
//   event callbacks, which libvirt only calls from the loop: they run on their own thread;
// - the sink thread (sink-thread.ts) owns the entry points libvirt may call from any thread
//   (free, close and auth callbacks). It never calls libvirt, so a thread that waits on it
//   (koffi makes a foreign caller wait) always gets its answer.
//
// The main thread never blocks on either, so no cycle of waits can form (a main thread that
// waits on a thread that waits on it deadlocks).
//
// An event the loop thread cannot read or send reaches its registration's listeners as an error
// (a fault). Should either thread stop, every registration's listeners get that error, later
// ones are refused with it, and a process warning says so: events never just stop.
//
// Both threads are unref'ed: a process with no listener exits on its own; each live event
// registration holds the loop thread ref'ed, so a process with listeners stays alive.
//
// Opting out: TSVIRT_EVENT_LOOP=none, or configureEventLoop({ mode: 'none' }) before the first
// open, for programs that register their own libvirt event loop. Events, close notifications,
// keepalive and auth callbacks then are not available through tsvirt.
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import * as v from '../../../generated/index.js';
import { describeValue, permanentCallback, rawFunction, tsvirtError, VIR_ERR_INTERNAL_ERROR, VIR_ERR_INVALID_ARG, VIR_ERR_NO_SUPPORT, type LibvirtError } from '../../ffi/index.js';
import { checkOptions, optionKeys } from '../option-keys.js';
import { sharedPool } from '../engine/call-pool.js';
import { startWorker } from '../engine/threads.js';
import { CONTROL_BYTES, LOOP_STARTED, LoopPause, SINK_STARTED, STOP, WAKE_TIMER } from './loop-pause.js';
import { awaitStarted } from './started.js';
import { blockingStreamsOpen, streamCallsInFlight } from '../stream-thread.js';
import { dropEvent } from './to-event.js';
import { loopFault } from './protocol.js';
import type { AuthAnswer, EventAbout, LoopFault, LoopMessage, RawEvent, SinkMessage, CredentialRequest } from './protocol.js';
import { choiceSetting } from '../env-settings.js';

export type EventLoopMode = 'default' | 'none';

/** Where a registration's callbacks go, by its opaque number. */
export interface Route {
  event?: ((e: RawEvent) => void) | undefined;
  close?: ((reason: number) => void) | undefined;
  /** An event of this registration was lost (about whom, if known), or the loop thread stopped. */
  failed?: ((err: LibvirtError, about?: EventAbout | null) => void) | undefined;
  freed(): void;
}

/** The sink thread's entry points: free, close and auth callbacks (they need no loop thread). */
export interface SinkEntries { freecb: bigint; close: bigint; auth: bigint }
export interface Entries extends SinkEntries { events: Record<string, bigint> }

interface Running {
  loop: Worker;
  sink: Worker;
  entries: Promise<Entries>;
  sinkEntries: Promise<SinkEntries>;
  authPort: MessagePort;
  authSignal: Int32Array;
  /** Shared with the loop thread: stop flag, wake timer, pause flag (see loop-pause.ts). */
  control: Int32Array;
  pause: LoopPause;
  /** Both threads reported in: from then on only listeners keep the loop thread ref'ed. */
  started: boolean;
  /** Why the loop or the sink thread stopped, if one did before the process exits. */
  stopped: LibvirtError | undefined;
  /** The sink thread's entry points are gone too (they would call into a stopped thread). */
  sinkStopped: boolean;
}

const AUTH_TIMEOUT_MS = 120_000;
/**
 * Set when an event loop was registered in this process before this copy of tsvirt could: by
 * another copy (a package can bring its own), by tsvirt in another thread (each worker thread
 * has its own modules), or by the program. tsvirt then runs no loop: two loop threads would take
 * GLib's context by turns, and one could dispatch a callback of the other's while the other,
 * waiting for the context, cannot run it - a deadlock.
 */
let registeredElsewhere = false;

/** Set by configureEventLoop, else read from TSVIRT_EVENT_LOOP when first needed (see env-settings.ts). */
let chosen: EventLoopMode | undefined;
let running: Running | undefined;
const routes = new Map<number, Route>();
let nextReg = 1;
let holds = 0;
type AuthHandler = (credentials: CredentialRequest[]) => Promise<(string | null)[] | null>;
let currentAuth: AuthHandler | undefined;

const LOOP_OPTIONS = optionKeys<{ mode: EventLoopMode }>({ mode: true });
const MODES: readonly unknown[] = ['default', 'none'] satisfies EventLoopMode[];

/** Chooses whether tsvirt runs libvirt's event loop; only before the first connection opens. */
export function configureEventLoop(options: { mode: EventLoopMode }): void {
  // A misspelt key or an unknown mode would otherwise leave the default loop running unasked.
  checkOptions('configureEventLoop', options, LOOP_OPTIONS);
  if (!MODES.includes(options?.mode)) {
    throw tsvirtError(VIR_ERR_INVALID_ARG, 'configureEventLoop', `configureEventLoop: mode must be 'default' or 'none', got ${describeValue(options?.mode)}`);
  }
  if (running && options.mode !== modeNow()) throw tsvirtError(VIR_ERR_NO_SUPPORT, 'events', 'the event loop is already running: configure it before the first Connection.open');
  chosen = options.mode;
}

const modeNow = (): EventLoopMode => (chosen ??= choiceSetting<EventLoopMode>('TSVIRT_EVENT_LOOP', ['default', 'none'], 'default'));

export function eventLoopMode(): EventLoopMode {
  return modeNow();
}

/** Registers libvirt's default event loop and starts its threads, once (no-op when opted out). */
export function ensureEventLoop(): void {
  if (modeNow() === 'none' || running || registeredElsewhere) return;
  registeredElsewhere = anEventLoopIsRegistered();
  if (registeredElsewhere) return;
  v.virEventRegisterDefaultImpl();
  running = start();
}

/**
 * Whether libvirt has an event loop implementation, asked of libvirt itself (a flag on
 * globalThis would not see other threads): adding a timer fails without one. The timer is
 * disabled (-1) and removed at once; its callback is never called.
 */
function anEventLoopIsRegistered(): boolean {
  const timer = rawFunction('virEventAddTimeout')(-1, permanentCallback('virEventTimeoutCallback', () => undefined), null, null) as number;
  if (timer < 0) return false;
  rawFunction('virEventRemoveTimeout')(timer);
  return true;
}

/** The entry points, once both threads are up; rejects when tsvirt runs no loop or it stopped. */
export async function eventEntries(): Promise<Entries> {
  const r = runningLoop();
  if (r.stopped) throw r.stopped;
  return r.entries;
}

/** The sink thread's entry points (close and auth callbacks work without the loop thread). */
export async function sinkEntries(): Promise<SinkEntries> {
  const r = runningLoop();
  if (r.sinkStopped && r.stopped) throw r.stopped;
  return r.sinkEntries;
}

/**
 * Why tsvirt runs no loop, one error per reason: every registration of a connection fails with
 * it (an iterator of all events makes 27), and the connection reports each error once.
 */
let noLoop: { readonly message: string; readonly err: LibvirtError } | undefined;

/** The loop tsvirt runs, started if need be; throws when it runs none. */
function runningLoop(): Running {
  ensureEventLoop();
  if (running) return running;
  const why = modeNow() === 'none'
    ? 'tsvirt does not run the event loop (TSVIRT_EVENT_LOOP=none or configureEventLoop)'
    : 'an event loop was registered in this process before tsvirt could (by another copy of tsvirt - `npm ls tsvirt`, `npm dedupe` -, by tsvirt in another thread, or by the program), so tsvirt runs none';
  const message = `${why}: events, close notifications and auth callbacks are not available`;
  if (noLoop?.message !== message) noLoop = { message, err: tsvirtError(VIR_ERR_NO_SUPPORT, 'events', message) };
  throw noLoop.err;
}

function start(): Running {
  // First: a pool that cannot be made (TSVIRT_THREADS set to nonsense) must fail before any
  // thread starts, or the threads would hold the process open with no loop to stop them.
  const calls = sharedPool();
  const here = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const { port1, port2 } = new MessageChannel();
  const signal = new SharedArrayBuffer(4);
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const loop = startWorker(new URL(`./loop-thread${here}`, import.meta.url), { workerData: { control } });
  const sink = startWorker(new URL(`./sink-thread${here}`, import.meta.url),
    { workerData: { authPort: port2, authSignal: signal, authTimeoutMs: AUTH_TIMEOUT_MS, control }, transferList: [port2] });
  const controls = new Int32Array(control);
  const r: Running = {
    loop, sink, entries: Promise.resolve(undefined as never), sinkEntries: Promise.resolve(undefined as never), authPort: port1, authSignal: new Int32Array(signal), control: controls,
    pause: new LoopPause(controls, () => wakeLoop(controls)), started: false, stopped: undefined, sinkStopped: false,
  };
  calls.outstanding.onChange((busy) => r.pause.setBusy('calls', busy));
  streamCallsInFlight.onChange((busy) => r.pause.setBusy('streams', busy));
  blockingStreamsOpen.onChange((busy) => r.pause.setBusy('open streams', busy));
  r.sinkEntries = readyOf<SinkMessage>(sink).then((s) => {
    if (s.kind !== 'ready') throw new Error('tsvirt: the event sink thread failed to start');
    return { freecb: s.freecb, close: s.close, auth: s.auth };
  });
  r.entries = Promise.all([readyOf<LoopMessage>(loop), r.sinkEntries]).then(([l, s]) => {
    if (l.kind !== 'ready') throw new Error('tsvirt: the event loop thread failed to start');
    return { events: l.entries, ...s };
  });
  r.sinkEntries.catch(() => undefined);
  r.entries.catch(() => undefined);
  loop.on('message', (m: LoopMessage) => { if (m.kind === 'events') deliverAll(m.events); });
  // The loop thread ends only with the process: at any other time, from its first moment, it is
  // reported (LoopFault and loopStopped).
  loop.on('error', (err: Error) => loopStopped(r, 'loop', err.message));
  loop.on('exit', (code: number) => loopStopped(r, 'loop', `exit code ${code}`));
  // Free, close and auth callbacks need the sink thread: without it nothing is delivered either.
  sink.on('error', (err: Error) => loopStopped(r, 'sink', err.message));
  sink.on('exit', (code: number) => loopStopped(r, 'sink', `exit code ${code}`));
  // A batch that arrives but cannot be read here is lost events too.
  loop.on('messageerror', (err: Error) => onFault(loopFault(0, 'events from the loop thread could not be read', err)));
  sink.on('message', (m: SinkMessage) => onSink(m));
  // Both threads keep the process alive until they have started: a process that exited while a
  // thread was still loading koffi would abort. Then they let it go (after the listeners:
  // adding a 'message' listener refs a worker again).
  port1.unref();
  const letGo = (): void => {
    r.started = true;
    if (holds === 0) loop.unref(); // else a listener holds it (see hold/release)
    sink.unref();
  };
  r.entries.then(letGo, letGo);
  // At exit Node joins worker threads: stop the loop and wake it out of its poll, so that the
  // join is immediate. process.exit() terminates them at once, and a thread terminated while
  // it loads koffi aborts the whole process (koffi cannot throw into a terminating thread): a
  // script that exits right after Connection.open waits for the two to finish starting first.
  process.once('exit', () => {
    if (!r.started && !r.stopped) awaitStarted(r.control, [LOOP_STARTED, SINK_STARTED]);
    Atomics.store(r.control, STOP, 1);
    r.pause.release();
    wakeLoop(r.control);
  });
  return r;
}

/** Makes the loop return from its poll: its wake timer fires at once. */
function wakeLoop(control: Int32Array): void {
  const timer = Atomics.load(control, WAKE_TIMER) - 1;
  if (timer >= 0) rawFunction('virEventUpdateTimeout')(timer, 0);
}

function readyOf<M extends { kind: string }>(w: Worker): Promise<M> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}

/**
 * An event thread ended before the process: nothing dispatches events any more. The process
 * warning is the one report every program gets; registrations' listeners get the error too.
 */
function loopStopped(r: Running, thread: 'loop' | 'sink', why: string): void {
  if (Atomics.load(r.control, STOP) !== 0) return;
  if (thread === 'sink') r.sinkStopped = true;
  if (r.stopped) return;
  const err = tsvirtError(VIR_ERR_INTERNAL_ERROR, 'events',
    `tsvirt's event ${thread} thread stopped (${why}): events, keepalive and close notifications no longer arrive`);
  r.stopped = err;
  r.pause.release();
  process.emitWarning(err.message, 'TsvirtEventWarning');
  for (const route of [...routes.values()]) guarded(() => route.failed?.(err));
}

/** An event the loop thread could not read or send: its reference goes, its listeners hear of it. */
function onFault(m: LoopFault): void {
  if (m.handle !== null && m.handleType !== null) dropEvent({ reg: m.reg, subject: { handle: m.handle, handleType: m.handleType, name: null, uuid: null }, fields: {} });
  const who = m.about?.name ?? m.about?.uuid;
  const err = tsvirtError(VIR_ERR_INTERNAL_ERROR, 'events', `tsvirt: ${m.message}; the event${who ? ` about '${who}'` : ''} was dropped`);
  if (m.stack !== null) (err as { cause?: unknown }).cause = Object.assign(new Error(m.message), { stack: m.stack });
  const route = routes.get(m.reg);
  if (route?.failed) route.failed(err, m.about);
  else process.emitWarning(err.message, 'TsvirtEventWarning');
}

/**
 * Runs `fn`; what it throws (a listener's error) is thrown again afterwards, uncaught, as an
 * EventEmitter's would be, so that it keeps nothing else from being delivered or told.
 */
export function guarded(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    queueMicrotask(() => { throw err; });
  }
}

/** A turn's events and faults, in the order the loop thread met them. */
function deliverAll(items: (RawEvent | LoopFault)[]): void {
  for (const item of items) guarded(() => ('kind' in item ? onFault(item) : deliver(item)));
}

function deliver(e: RawEvent): void {
  const route = routes.get(e.reg);
  if (route?.event) route.event(e);
  else dropEvent(e); // its registration went first (they cross threads): release its reference
}

function onSink(m: SinkMessage): void {
  switch (m.kind) {
    case 'freed': {
      const route = routes.get(m.reg);
      if (routes.delete(m.reg)) running?.pause.removeDemand();
      route?.freed();
      return;
    }
    case 'close': routes.get(m.reg)?.close?.(m.reason); return;
    case 'auth': void answerAuth(m.request, m.credentials); return;
    default: return;
  }
}

async function answerAuth(request: number, credentials: CredentialRequest[]): Promise<void> {
  let results: (string | null)[] | null = null;
  try {
    results = currentAuth ? await currentAuth(credentials) : null;
  } catch {
    results = null; // the open fails with libvirt's auth error; the handler's error is reported by openWithAuth
  }
  if (!running) return;
  const answer: AuthAnswer = { request, results };
  running.authPort.postMessage(answer);
  Atomics.store(running.authSignal, 0, 1);
  Atomics.notify(running.authSignal, 0);
}

/**
 * Runs `open` with `handler` answering credential requests. Opens with auth run one at a time:
 * the sink thread has one auth callback and libvirt does not say which open a request is for.
 */
let authQueue: Promise<unknown> = Promise.resolve();
export function withAuthHandler<T>(handler: AuthHandler, open: () => Promise<T>): Promise<T> {
  const run = authQueue.then(async () => {
    currentAuth = handler;
    try {
      return await open();
    } finally {
      currentAuth = undefined;
    }
  });
  authQueue = run.catch(() => undefined);
  return run;
}

/** A new registration number (the opaque value libvirt hands back) routed to `route`. */
export function addRoute(route: Route): number {
  const reg = nextReg++;
  routes.set(reg, route);
  // A registration needs the loop running, from now until libvirt frees it.
  running?.pause.addDemand();
  return reg;
}

/** Forgets a route whose registration failed (libvirt never calls its free callback). */
export function removeRoute(reg: number): void {
  if (routes.delete(reg)) running?.pause.removeDemand();
}

/** Requirements whose owner was dropped without releasing them are released when it is collected. */
const ownerGone = new FinalizationRegistry<() => void>((release) => release());

/**
 * `owner` needs the loop running even while calls are in flight (a keepalive timer, an open
 * console): the loop does not pause until the returned release is called (once; more do
 * nothing), or until `owner` is collected.
 */
export function requireEventLoop(owner: object): () => void {
  // Without a running loop (opted out) there is nothing to keep running.
  const pause = running?.pause;
  pause?.addDemand();
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    pause?.removeDemand();
  };
  ownerGone.register(owner, release);
  return release;
}

/** Whether the loop is paused now (tests). */
export function eventLoopPaused(): boolean {
  return running?.pause.paused ?? false;
}

/** How many registrations and requirements keep the loop from pausing now (tests). */
export function eventLoopDemand(): number {
  return running?.pause.demand ?? 0;
}

/** Why the loop thread stopped before the process, if it did (diagnostics). */
export function eventLoopStopped(): LibvirtError | undefined {
  return running?.stopped;
}

/** Registrations libvirt has not released yet (each is released through its free callback). */
export function liveEventRegistrations(): number {
  return routes.size;
}

/** Keeps the process alive while something listens. */
export function hold(): void {
  if (holds++ === 0) running?.loop.ref();
}

export function release(): void {
  if (holds > 0 && --holds === 0 && running?.started) running.loop.unref();
}

