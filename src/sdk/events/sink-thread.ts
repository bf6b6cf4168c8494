// The sink thread: owns the entry points that libvirt may call from any thread - free callbacks
// (called by whichever thread deregisters or closes, sometimes with libvirt locks held), the
// connection close callback (called by whichever thread notices the close) and the auth
// callback (called during virConnectOpenAuth on a call thread). koffi runs a JS callback that
// another thread calls by queueing it to the owner and making the caller wait. This thread never
// calls into libvirt and never waits on a thread that does, so it is always free to answer and
// such a wait always ends; auth is the one wait here, on the main thread, which never blocks.
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { SINK_STARTED } from './loop-pause.js';
import { markStarted } from './started.js';
import '../../../generated/index.js';
import { allocCString, decodeStructArray, koffiOffsetOf, permanentCallback, sizeOf, writeNative } from '../../ffi/index.js';
import type { AuthAnswer, CredentialRequest, SinkMessage } from './protocol.js';

const { authPort, authSignal, authTimeoutMs, control } = workerData as { authPort: MessagePort; authSignal: SharedArrayBuffer; authTimeoutMs: number; control: SharedArrayBuffer };
const signal = new Int32Array(authSignal);
const post = (m: SinkMessage): void => parentPort?.postMessage(m);

const freecb = permanentCallback('virFreeCallback', (opaque: bigint | null) => {
  post({ kind: 'freed', reg: Number(opaque ?? 0n) });
});

const close = permanentCallback('virConnectCloseFunc', (_conn: bigint, reason: number, opaque: bigint | null) => {
  post({ kind: 'close', reg: Number(opaque ?? 0n), reason });
});

let nextRequest = 1;

/** Asks the main thread and waits for its answer (bounded: a silent main thread fails the auth). */
function ask(credentials: CredentialRequest[]): AuthAnswer['results'] {
  const request = nextRequest++;
  Atomics.store(signal, 0, 0);
  post({ kind: 'auth', request, credentials });
  const deadline = Date.now() + authTimeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0 || Atomics.wait(signal, 0, 0, left) === 'timed-out') return null;
    Atomics.store(signal, 0, 0);
    const answer = receiveMessageOnPort(authPort)?.message as AuthAnswer | undefined;
    if (answer?.request === request) return answer.results;
  }
}

/** Fills each virConnectCredential's result (malloc'ed: libvirt frees it) and resultlen. */
function fill(cred: bigint, results: (string | null)[]): void {
  const size = sizeOf('virConnectCredential');
  const resultAt = koffiOffsetOf('virConnectCredential', 'result');
  const lenAt = koffiOffsetOf('virConnectCredential', 'resultlen');
  results.forEach((value, i) => {
    if (value === null) return;
    const base = cred + BigInt(i * size);
    const ptr = Buffer.alloc(8);
    ptr.writeBigUInt64LE(allocCString(value));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(Buffer.byteLength(value, 'utf8'));
    writeNative(base + BigInt(resultAt), ptr);
    writeNative(base + BigInt(lenAt), len);
  });
}

const auth = permanentCallback('virConnectAuthCallbackPtr', (cred: bigint, ncred: number) => {
  const raw = decodeStructArray('virConnectCredential', cred, ncred);
  const credentials = raw.map((c): CredentialRequest => ({
    type: c['type'] as number, prompt: (c['prompt'] as string | null) ?? null,
    challenge: (c['challenge'] as string | null) ?? null, defaultResult: (c['defresult'] as string | null) ?? null,
  }));
  const results = ask(credentials);
  if (results === null || results.length !== ncred) return -1;
  fill(cred, results);
  return 0;
});

// Listening keeps this thread running: its entry points must outlive every registration. (The
// main thread unrefs the worker, so this does not keep the process alive.)
parentPort?.on('message', () => undefined);
markStarted(new Int32Array(control), SINK_STARTED, 'sink');
post({ kind: 'ready', freecb, close, auth });
