// A stream thread: runs virStream* calls of any stream, one at a time. Receive and send call
// the C functions directly (rawFunction): the bytes go straight between libvirt and the
// stream's shared window, without a copy per message, and the return value tells end of
// stream (0), "would block" (-2) and a hole (-3) apart. A failure is read on this thread, right after the call.
import { readSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { serveRequests } from './engine/threads.js';
import * as v from '../../generated/index.js';
import { rawFunction, setHandleTracking, tsvirtError } from '../ffi/index.js';
import type { SerializedError } from './engine/protocol.js';
import { serializeError } from './engine/serialize-error.js';
import type { FileExtent, StreamCall, StreamReply, StreamRequest, StreamResult } from './stream-protocol.js';
import { isAllZero } from '../image/all-zero.js';

// The owning thread decides lifetimes (see engine/worker.ts).
setHandleTracking(false);

type Native = (...args: unknown[]) => number;
const native = (name: string): Native => rawFunction(name) as Native;

/** libvirt's return values for a receive that got no bytes. */
const WOULD_BLOCK = -2;
const AT_HOLE = -3;
/**
 * The largest send: libvirt's stream packets carry 256 KiB; larger ones were measured 6x slower
 * per byte (256 MiB: 160 ms in 256 KiB sends, 900 ms in 1 MiB sends).
 */
const SEND_PIECE = 256 * 1024;

function lastFailure(func: string): SerializedError {
  const e = v.virGetLastError();
  if (!e) return { code: 1, domain: 0, level: 2, message: `${func} failed without a libvirt error`, str1: null, str2: null, str3: null, int1: -1, int2: -1, func };
  return { code: e.code, domain: e.domain, level: e.level, message: e.message ?? `${func} failed`, str1: e.str1, str2: e.str2, str3: e.str3,
    int1: e.int1, int2: e.int2, func };
}

class CallFailed extends Error {
  constructor(readonly serialized: SerializedError) {
    super(serialized.message);
  }
}

/** One receive; `at` bytes of the window are already filled. */
function recvOnce(stream: bigint, window: Uint8Array, at: number, max: number, stopAtHole: boolean): number {
  const into = window.subarray(at, max);
  return stopAtHole
    ? native('virStreamRecvFlags')(stream, into, max - at, v.VIR_STREAM_RECV_STOP_AT_HOLE)
    : native('virStreamRecv')(stream, into, max - at);
}

/**
 * Receives until the window holds `max` bytes or nothing more is there right away: a receive
 * returns one packet (128-256 KiB), so filling the window saves round trips to the owning
 * thread. End, "would block" and a hole repeat on the next receive until handled, so stopping
 * early loses nothing.
 */
function recv(stream: bigint, window: Uint8Array, max: number, stopAtHole: boolean): StreamResult {
  let filled = 0;
  while (filled < max) {
    const n = recvOnce(stream, window, filled, max, stopAtHole);
    if (n > 0) {
      filled += n;
      continue;
    }
    if (n < 0 && n !== WOULD_BLOCK && n !== AT_HOLE) throw new CallFailed(lastFailure(stopAtHole ? 'virStreamRecvFlags' : 'virStreamRecv'));
    if (filled > 0) break;
    if (n === 0) return { kind: 'end' };
    if (n === WOULD_BLOCK) return { kind: 'again' };
    return { kind: 'hole', length: Number(v.virStreamRecvHole(stream as v.virStreamPtr, 0)) };
  }
  return { kind: 'data', length: filled };
}

/**
 * Sends everything, at most SEND_PIECE bytes per call; a non-blocking stream stops early when
 * libvirt's buffers are full.
 */
function send(stream: bigint, window: Uint8Array, length: number): StreamResult {
  let sent = 0;
  while (sent < length) {
    const piece = Math.min(SEND_PIECE, length - sent);
    const n = native('virStreamSend')(stream, window.subarray(sent, sent + piece), piece);
    if (n === WOULD_BLOCK) break;
    if (n < 0) throw new CallFailed(lastFailure('virStreamSend'));
    sent += n;
  }
  return { kind: 'sent', length: sent };
}

/**
 * File transfers run here from end to end, like virsh's loop: read, send, read, ... in one
 * thread. Handing each chunk to the main thread instead keeps two more threads busy (the main
 * thread and a file-system thread) beside the daemon's on a 2-core machine; in the benchmark
 * (bench/events/streams.ts, 256 MiB) that was slower, most for sparse downloads (~250 ms
 * against ~170 ms).
 */
function sendFile(stream: bigint, window: Uint8Array, fd: number, extents: FileExtent[]): StreamResult {
  let dataBytes = 0;
  let holeBytes = 0;
  for (const e of extents) {
    if (e.data) {
      sendFileData(stream, window, fd, e.offset, e.length);
      dataBytes += e.length;
    } else {
      v.virStreamSendHole(stream as v.virStreamPtr, e.length, 0);
      holeBytes += e.length;
    }
  }
  return { kind: 'file', dataBytes, holeBytes, end: false };
}

function sendFileData(stream: bigint, window: Uint8Array, fd: number, position: number, length: number): void {
  for (let done = 0; done < length;) {
    const n = readSync(fd, window, 0, Math.min(window.length, length - done), position + done);
    if (n === 0) {
      throw tsvirtError(v.VIR_ERR_OPERATION_FAILED, 'uploadFile',
        `uploadFile: the file ended at byte ${position + done}, where it had data when the upload began: it shrank during the upload`);
    }
    const sent = send(stream, window, n);
    if (sent.kind !== 'sent' || sent.length < n) throw new Error('sendFile: the stream would block');
    done += n;
  }
}

function recvFile(stream: bigint, window: Uint8Array, call: { fd: number; position: number; limit: number; stopAtHole: boolean }): StreamResult {
  let dataBytes = 0;
  let holeBytes = 0;
  while (dataBytes < call.limit) {
    const r = recv(stream, window, window.length, call.stopAtHole);
    const at = call.position + dataBytes + holeBytes;
    if (r.kind === 'end') return { kind: 'file', dataBytes, holeBytes, end: true };
    if (r.kind === 'hole') holeBytes += r.length;
    else if (r.kind === 'data') {
      const data = window.subarray(0, r.length);
      if (!isAllZero(data)) writeAll(call.fd, data, at);
      dataBytes += r.length;
    } else throw new Error('recvFile: the stream would block');
  }
  return { kind: 'file', dataBytes, holeBytes, end: false };
}

function writeAll(fd: number, data: Uint8Array, position: number): void {
  for (let done = 0; done < data.length;) done += writeSync(fd, data, done, data.length - done, position + done);
}

function run(stream: bigint, window: Uint8Array | null, call: StreamCall): StreamResult {
  const st = stream as v.virStreamPtr;
  switch (call.op) {
    case 'recv': return recv(stream, window as Uint8Array, call.max, call.stopAtHole);
    case 'send': return send(stream, window as Uint8Array, call.length);
    case 'sendHole': v.virStreamSendHole(st, call.length, 0); return { kind: 'done' };
    case 'sendFile': return sendFile(stream, window as Uint8Array, call.fd, call.extents);
    case 'recvFile': return recvFile(stream, window as Uint8Array, call);
    case 'finish': v.virStreamFinish(st); return { kind: 'done' };
  }
}

function serialize(err: unknown, func: string): SerializedError {
  return err instanceof CallFailed ? err.serialized : serializeError(err, func);
}

serveRequests((r: StreamRequest) => {
  let reply: StreamReply;
  try {
    reply = { id: r.id, ok: true, result: run(r.stream, r.window, r.call) };
  } catch (err) {
    reply = { id: r.id, ok: false, error: serialize(err, `virStream ${r.call.op}`) };
  }
  parentPort?.postMessage(reply);
});
