// Messages between a Stream and the stream threads (stream-thread.ts, stream-worker.ts). Data does
// not travel in the messages: each stream has a window (a SharedArrayBuffer) that libvirt reads
// from and writes into directly. Results keep libvirt's distinctions: end of stream, "would
// block" (-2) and a hole (-3).
import type { SerializedError } from './engine/protocol.js';

export type StreamCall =
  /** Receive up to `max` bytes into the window; with `stopAtHole`, report holes instead of zeros. */
  | { op: 'recv'; max: number; stopAtHole: boolean }
  /** Send the first `length` bytes of the window. */
  | { op: 'send'; length: number }
  | { op: 'sendHole'; length: number }
  /** Send these extents of the open file `fd` in order: data read and sent a window at a time, holes as holes. */
  | { op: 'sendFile'; fd: number; extents: FileExtent[] }
  /**
   * Receive until about `limit` data bytes went by or the stream ended, writing data into `fd`
   * at `position` onwards; holes and all-zero data are skipped, not written.
   */
  | { op: 'recvFile'; fd: number; position: number; limit: number; stopAtHole: boolean }
  | { op: 'finish' };

export interface FileExtent {
  offset: number;
  length: number;
  data: boolean;
}

export interface StreamRequest {
  id: number;
  /** The virStreamPtr. */
  stream: bigint;
  window: Uint8Array | null;
  call: StreamCall;
}

export type StreamResult =
  /** `length` bytes are in the window. */
  | { kind: 'data'; length: number }
  | { kind: 'hole'; length: number }
  | { kind: 'end' }
  /** A non-blocking stream has nothing to read, or no room to send, right now. */
  | { kind: 'again' }
  /** Bytes a send took; less than asked only on a non-blocking stream. */
  | { kind: 'sent'; length: number }
  /** What a sendFile or recvFile call went through; `end`: the stream ended. */
  | { kind: 'file'; dataBytes: number; holeBytes: number; end: boolean }
  | { kind: 'done' };

export type StreamReply = { id: number; ok: true; result: StreamResult } | { id: number; ok: false; error: SerializedError };
