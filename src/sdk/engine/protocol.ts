// Messages between the SDK and its call threads. Values cross by structured clone: handles are
// bigint (koffi's pointers), Buffers arrive as Uint8Array, errors as LibvirtError's fields.
//
// A batch of requests goes in one message and its answers come back in one message, in the
// same order: requests carry no id, a plain call crosses as two entries (its function's number
// and its argument list), and a call that succeeds costs one cloned value on the way back, with
// nothing wrapped around it (or a row of typed columns, for results that are structs of numbers:
// packed-results.ts). Cloning objects is most of the per-call cost of a message.
import type { LibvirtErrorFields } from '../../ffi/index.js';
import type { IdentityGetters } from './identity-columns.js';
import type { PackedResults } from './packed-results.js';

/** The same function once per argument list, in one message (bulk reads); answered with an Outcome per list. */
export interface EachRequest { fn: number; args: unknown[][]; each: true }
/** virDomainGetInfo of many domains, answered as typed-array columns (info-columns.ts). */
export interface InfoColumnsRequest { fn: 'info-columns'; args: bigint[]; each?: false; columns: 'info' }
/** Names and raw UUIDs of many handles through the two getters named (identity-columns.ts). */
export interface IdentityColumnsRequest { fn: 'identity-columns'; args: bigint[]; each?: false; columns: 'identity'; getters: IdentityGetters }
export type BulkRequest = EachRequest | InfoColumnsRequest | IdentityColumnsRequest;

/**
 * A batch as sent: a plain call as two entries in a row, its generated function's number
 * (function-numbers.ts) and its argument list; a bulk request as itself.
 */
export type WireBatch = (number | unknown[] | BulkRequest)[];

export type Outcome = { ok: true; value: unknown } | { ok: false; error: SerializedError };

/**
 * The answer to one batch: `values[i]` answers request i, unless `errors` lists i with the
 * error it failed with (its value is then undefined). Most batches have no errors. A batch of
 * calls of one function that returns a struct of numbers may come `packed` instead, with
 * `values` empty (packed-results.ts).
 */
export interface BatchAnswer { values: unknown[]; errors: [number, SerializedError][]; packed?: PackedResults }

export interface SerializedError extends LibvirtErrorFields {
  func: string;
  /** Set for errors that are not libvirt's (a bug, a bad argument caught by JS). */
  jsName?: string;
  /** A system call's error (ENOSPC writing a file): Node's fields, so `err.code === 'ENOSPC'` holds on the other side. */
  system?: { code: string; errno: number; syscall: string; path?: string };
}
