// The event-loop thread: runs libvirt's default event loop (virEventRunDefaultImpl) and owns the
// entry points libvirt calls for events. libvirt dispatches events from the loop, so those
// entry points always run here, on the thread that owns them: koffi calls them directly, never
// through another thread's queue. Each callback only copies what it needs (and takes a
// reference to a domain or pool), then the batch goes to the main thread after each loop turn.
import { parentPort, workerData } from 'node:worker_threads';
import * as v from '../../../generated/index.js';
import { decodeStruct, decodeTypedParameters, functypeSpec, permanentCallback, rawFunction, setHandleTracking } from '../../ffi/index.js';
import { eventFunctypes } from './catalog.js';
import type { EventField, LoopMessage, RawEvent, Subject } from './protocol.js';
import { MAX_PAUSE_MS, PAUSED, STOP, WAKE_TIMER } from './loop-pause.js';

setHandleTracking(false);

let batch: RawEvent[] = [];
const post = (m: LoopMessage): void => parentPort?.postMessage(m);

const int64 = new Set(['long long', 'unsigned long long']);

type SubjectReader = (ptr: bigint) => Subject;
const subjectReaders: Readonly<Record<string, SubjectReader>> = {
  virDomainPtr: (p) => {
    rawFunction('virDomainRef')(p);
    return { handle: p, handleType: 'virDomainPtr', name: v.virDomainGetName(p as v.virDomainPtr), uuid: v.virDomainGetUUIDString(p as v.virDomainPtr) };
  },
  virStoragePoolPtr: (p) => {
    rawFunction('virStoragePoolRef')(p);
    return { handle: p, handleType: 'virStoragePoolPtr', name: v.virStoragePoolGetName(p as v.virStoragePoolPtr), uuid: v.virStoragePoolGetUUIDString(p as v.virStoragePoolPtr) };
  },
  virNetworkPtr: (p) => ({ handle: null, handleType: null, name: v.virNetworkGetName(p as v.virNetworkPtr), uuid: v.virNetworkGetUUIDString(p as v.virNetworkPtr) }),
  virNodeDevicePtr: (p) => ({ handle: null, handleType: null, name: v.virNodeDeviceGetName(p as v.virNodeDevicePtr), uuid: null }),
  virSecretPtr: (p) => ({
    handle: null, handleType: null, name: null, uuid: v.virSecretGetUUIDString(p as v.virSecretPtr),
    usageType: v.virSecretGetUsageType(p as v.virSecretPtr), usageId: v.virSecretGetUsageID(p as v.virSecretPtr),
  }),
};

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
  const readSubject = subjectReaders[spec.args[subjectAt]?.ffi ?? ''] as SubjectReader;
  return (...args: unknown[]): number => {
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
    batch.push({ reg: Number(byName['opaque']), subject: readSubject(args[subjectAt] as bigint), fields });
    return 0;
  };
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

function turn(): void {
  // A stopped loop lets Node join this thread at exit; yielding between turns lets it be terminated.
  if (Atomics.load(control, STOP) !== 0) return;
  // Paused: wait to be resumed, but run a turn at least every MAX_PAUSE_MS (see loop-pause.ts).
  if (Atomics.load(control, PAUSED) === 1) Atomics.wait(control, PAUSED, 1, MAX_PAUSE_MS);
  if (Atomics.load(control, STOP) !== 0) return;
  runOnce();
  if (batch.length > 0) {
    post({ kind: 'events', events: batch });
    batch = [];
  }
  setImmediate(turn);
}

post({ kind: 'ready', entries });
turn();
