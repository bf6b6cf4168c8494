// The event-loop thread: runs libvirt's default event loop (virEventRunDefaultImpl) and owns the
// entry points libvirt calls for events. libvirt dispatches events from the loop, so those
// entry points always run here, on the thread that owns them: koffi calls them directly, never
// through another thread's queue. Each callback only copies what it needs (and takes a
// reference to its domain, pool, network, node device or secret), then the batch goes to the
// main thread after each loop turn.
//
// Nothing may end this thread but the process: an exception thrown in a callback comes back out
// of virEventRunDefaultImpl, and a dead loop would stop every event, keepalive and stream of the
// process without a word. So an event that cannot be read or sent is reported to the main
// thread as a fault (its registration's listeners then get the error) and the loop goes on.
import { parentPort, workerData } from 'node:worker_threads';
import * as v from '../../../generated/index.js';
import { decodeStruct, decodeTypedParameters, functypeSpec, permanentCallback, rawFunction, setHandleTracking } from '../../ffi/index.js';
import { eventFunctypes } from './catalog.js';
import type { EventAbout, EventField, LoopFault, LoopMessage, RawEvent, Subject } from './protocol.js';
import { loopFault } from './protocol.js';
import { LOOP_STARTED, MAX_PAUSE_MS, PAUSED, STOP, WAKE_TIMER } from './loop-pause.js';
import { markStarted } from './started.js';

setHandleTracking(false);

let batch: (RawEvent | LoopFault)[] = [];
/**
 * For tsvirt's own tests of what follows a fault: 'read' makes every event fail to read,
 * 'read-once' the first one, 'stop' ends this thread with an exception after the first events
 * it sends.
 */
const injected = process.env['TSVIRT_TEST_LOOP_FAULT'];
let readFaults = 0;
const post = (m: LoopMessage): void => parentPort?.postMessage(m);

const int64 = new Set(['long long', 'unsigned long long']);

/** How to read an event's object during the callback: who it is, and the reference to take for the listener's object. */
interface SubjectReader {
  identify(ptr: bigint): Omit<Subject, 'handle' | 'handleType'>;
  ref: (ptr: bigint) => void;
}
const subjectReaders: Readonly<Record<string, SubjectReader>> = {
  virDomainPtr: {
    identify: (p) => ({ name: v.virDomainGetName(p as v.virDomainPtr), uuid: v.virDomainGetUUIDString(p as v.virDomainPtr) }),
    ref: rawFunction('virDomainRef'),
  },
  virStoragePoolPtr: {
    identify: (p) => ({ name: v.virStoragePoolGetName(p as v.virStoragePoolPtr), uuid: v.virStoragePoolGetUUIDString(p as v.virStoragePoolPtr) }),
    ref: rawFunction('virStoragePoolRef'),
  },
  virNetworkPtr: {
    identify: (p) => ({ name: v.virNetworkGetName(p as v.virNetworkPtr), uuid: v.virNetworkGetUUIDString(p as v.virNetworkPtr) }),
    ref: rawFunction('virNetworkRef'),
  },
  virNodeDevicePtr: { identify: (p) => ({ name: v.virNodeDeviceGetName(p as v.virNodeDevicePtr), uuid: null }), ref: rawFunction('virNodeDeviceRef') },
  virSecretPtr: {
    identify: (p) => ({
      name: null, uuid: v.virSecretGetUUIDString(p as v.virSecretPtr),
      usageType: v.virSecretGetUsageType(p as v.virSecretPtr), usageId: v.virSecretGetUsageID(p as v.virSecretPtr),
    }),
    ref: rawFunction('virSecretRef'),
  },
};

/** The object an event is about. The reference is taken last: a read that throws leaves nothing to release. */
function readSubject(reader: SubjectReader, type: string, ptr: bigint, conn: unknown): Subject {
  const who = reader.identify(ptr);
  reader.ref(ptr);
  return { handle: ptr, handleType: type, ...who, conn: typeof conn === 'bigint' ? conn : null };
}

/** What an event that could not be read was about, for a fault; null if not even that is known. */
function aboutOf(reader: SubjectReader | undefined, type: string, ptr: unknown): EventAbout | null {
  const isDomain = type === 'virDomainPtr';
  try {
    if (!reader || typeof ptr !== 'bigint' || ptr === 0n) return null;
    const { name, uuid } = reader.identify(ptr);
    return { isDomain, name, uuid };
  } catch {
    return isDomain ? null : { isDomain, name: null, uuid: null };
  }
}

/** Pointer arguments that carry data: how to copy them out during the callback. */
const pointerFields: Readonly<Record<string, (ptr: bigint, args: Record<string, unknown>) => EventField>> = {
  params: (p, args) => decodeTypedParameters(p, Number(args['nparams'])),
  local: (p) => decodeStruct('virDomainEventGraphicsAddress', p),
  remote: (p) => decodeStruct('virDomainEventGraphicsAddress', p),
  subject: (p) => decodeStruct('virDomainEventGraphicsSubject', p),
};

/** The entry point for one callback type: arguments by name -> a RawEvent in the batch. */
function entryFor(functype: string): (...args: unknown[]) => number {
  const spec = functypeSpec(functype);
  const names = spec.args.map((a) => a.name);
  const subjectAt = spec.args.findIndex((a, i) => i === 1 && a.ffi in subjectReaders);
  const subjectType = spec.args[subjectAt]?.ffi ?? '';
  const reader = subjectReaders[subjectType];
  const opaqueAt = names.indexOf('opaque');
  const read = (args: unknown[], reg: number): RawEvent => {
    if (injected === 'read' || (injected === 'read-once' && readFaults === 0)) {
      readFaults++;
      throw new Error(`injected fault (TSVIRT_TEST_LOOP_FAULT=${injected})`);
    }
    const byName: Record<string, unknown> = {};
    names.forEach((n, i) => { byName[n] = args[i]; });
    const fields: Record<string, EventField> = {};
    spec.args.forEach((a, i) => {
      if (i <= subjectAt || a.name === 'opaque' || a.name === 'nparams') return;
      const value = args[i];
      const reader = pointerFields[a.name];
      if (reader && typeof value === 'bigint') fields[a.name] = value === 0n ? null : reader(value, byName);
      else fields[a.name] = int64.has(a.ffi) && value !== null ? BigInt(value as number | bigint) : (value as EventField);
    });
    return { reg, subject: readSubject(reader as SubjectReader, subjectType, args[subjectAt] as bigint, args[0]), fields };
  };
  return (...args: unknown[]): number => {
    const reg = Number(args[opaqueAt] ?? 0);
    try {
      batch.push(read(args, reg));
    } catch (err) {
      batch.push(loopFault(reg, `a ${functype} event could not be read`, err, aboutOf(reader, subjectType, args[subjectAt])));
    }
    return 0;
  };
}

/** Sends the events and faults of a turn; an event that cannot be sent is a fault, and the others still go. */
function flush(): void {
  if (batch.length === 0) return;
  const events = batch;
  batch = [];
  if (injected === 'stop') setImmediate(() => { throw new Error('injected fault (TSVIRT_TEST_LOOP_FAULT=stop)'); });
  try {
    post({ kind: 'events', events });
    return;
  } catch {
    // One of them cannot be copied to the main thread: send them one by one to find it.
  }
  const sendable = events.map((e) => {
    if ('kind' in e) return e;
    try {
      structuredClone(e);
      return e;
    } catch (err) {
      return loopFault(e.reg, 'an event could not be sent to the main thread', err, { isDomain: e.subject.handleType === 'virDomainPtr', name: e.subject.name, uuid: e.subject.uuid }, e.subject);
    }
  });
  post({ kind: 'events', events: sendable });
}

const entries: Record<string, bigint> = {};
for (const functype of eventFunctypes()) entries[functype] = permanentCallback(functype, entryFor(functype));

// A timer that other threads set to 0 to make the loop return at once (to stop, or at exit).
const setTimer = rawFunction('virEventUpdateTimeout');
let wakeTimer = -1;
const onWake = permanentCallback('virEventTimeoutCallback', () => { setTimer(wakeTimer, -1); });
wakeTimer = v.virEventAddTimeout(-1, { native: onWake, freecb: null } as never, null);

/**
 * Shared with the main thread (indexes in loop-pause.ts): STOP is set to 1 when the process
 * exits, WAKE_TIMER holds the wake timer + 1, PAUSED is 1 while the main thread pauses the loop.
 * The timer is published before the first check of STOP, so at exit either the main thread sees
 * the timer (and wakes the loop) or this thread sees the flag (and never polls).
 */
const control = new Int32Array((workerData as { control: SharedArrayBuffer }).control);
Atomics.store(control, WAKE_TIMER, wakeTimer + 1);

const runOnce = rawFunction('virEventRunDefaultImpl');
/** Turns in a row that may fail before the thread gives up (see turn()). */
const MAX_FAILED_TURNS = 3;
let failedTurns = 0;

function turn(): void {
  // A stopped loop lets Node join this thread at exit; yielding between turns lets it be terminated.
  if (Atomics.load(control, STOP) !== 0) return;
  // Paused: wait to be resumed, but run a turn at least every MAX_PAUSE_MS (see loop-pause.ts).
  if (Atomics.load(control, PAUSED) === 1) Atomics.wait(control, PAUSED, 1, MAX_PAUSE_MS);
  if (Atomics.load(control, STOP) !== 0) return;
  try {
    runOnce();
    failedTurns = 0;
  } catch (err) {
    // Callbacks catch their own errors: this is a last resort. A turn that keeps failing ends
    // the thread (the main thread reports the stop) rather than spinning.
    if (++failedTurns >= MAX_FAILED_TURNS) throw err;
    batch.push(loopFault(0, "the event loop's turn failed", err));
  }
  flush();
  setImmediate(turn);
}

markStarted(control, LOOP_STARTED, 'loop');
post({ kind: 'ready', entries });
turn();
