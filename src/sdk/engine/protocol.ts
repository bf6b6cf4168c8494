// Messages between the SDK and its call threads. Values cross by structured clone: handles are
// bigint (koffi's pointers), Buffers arrive as Uint8Array, errors as LibvirtError's fields.
import type { LibvirtErrorFields } from '../../ffi/index.js';
import type { IdentityGetters } from './identity-columns.js';

/** One C function call: the generated function's name and its arguments. */
export interface CallRequest { id: number; fn: string; args: unknown[]; each?: false }
/** The same function once per argument list, in one message (bulk reads). */
export interface EachRequest { id: number; fn: string; args: unknown[][]; each: true }
/** virDomainGetInfo of many domains, answered as typed-array columns (info-columns.ts). */
export interface InfoColumnsRequest { id: number; fn: 'info-columns'; args: bigint[]; each?: false; columns: 'info' }
/** Names and raw UUIDs of many handles through the two getters named (identity-columns.ts). */
export interface IdentityColumnsRequest { id: number; fn: 'identity-columns'; args: bigint[]; each?: false; columns: 'identity'; getters: IdentityGetters }
export type Request = CallRequest | EachRequest | InfoColumnsRequest | IdentityColumnsRequest;

export type Outcome = { ok: true; value: unknown } | { ok: false; error: SerializedError };
export interface Response { id: number; outcome: Outcome | Outcome[] }

export interface SerializedError extends LibvirtErrorFields {
  func: string;
  /** Set for errors that are not libvirt's (a bug, a bad argument caught by JS). */
  jsName?: string;
}
