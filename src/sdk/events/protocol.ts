// Messages of the two event threads (see event-loop.ts for why there are two).
import type { TypedParameter } from '../../ffi/index.js';

/** The object an event is about, read during the callback (libvirt's pointer is only valid then). */
export interface Subject {
  /** A reference taken for the receiver (domains, pools, networks, node devices, secrets; the SDK object then owns it). */
  handle: bigint | null;
  /** The typedef of `handle` (virDomainPtr, virStoragePoolPtr, virNetworkPtr, ...), null without one. */
  handleType: string | null;
  /** The connection the event came on (every callback's first argument), for objects that cannot tell it (node devices). */
  conn?: bigint | null;
  name: string | null;
  uuid: string | null;
  /** Secrets: the usage type and ID. */
  usageType?: number;
  usageId?: string | null;
}

export type EventField = number | bigint | string | null | TypedParameter[] | Record<string, unknown>;

/** One event, routed by `reg`: the registration's opaque value. */
export interface RawEvent { reg: number; subject: Subject; fields: Record<string, EventField> }

/** What a lost event was about, as far as known: for the domain filter of iterators. */
export interface EventAbout { isDomain: boolean; name: string | null; uuid: string | null }

/**
 * An event the loop thread could not read or send: the registration's listeners get the error.
 * `handle` is a reference taken for the event, for the main thread to release; `about` is null
 * when even the event's object could not be read.
 */
export interface LoopFault {
  kind: 'fault'; reg: number; message: string; stack: string | null;
  handle: bigint | null; handleType: string | null; about: EventAbout | null;
}

/** A turn's events and faults, in the order the loop thread met them. */
export type LoopMessage =
  | { kind: 'ready'; entries: Record<string, bigint> }
  | { kind: 'events'; events: (RawEvent | LoopFault)[] };

/** A fault about registration `reg`: `what` went wrong because of `err`. */
export function loopFault(reg: number, what: string, err: unknown, about: EventAbout | null = null, subject?: Subject): LoopFault {
  const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  return {
    kind: 'fault', reg, message, stack: err instanceof Error ? err.stack ?? null : null,
    handle: subject?.handle ?? null, handleType: subject?.handleType ?? null, about,
  };
}

export type SinkMessage =
  | { kind: 'ready'; freecb: bigint; close: bigint; auth: bigint }
  | { kind: 'freed'; reg: number }
  | { kind: 'close'; reg: number; reason: number }
  | { kind: 'auth'; request: number; credentials: CredentialRequest[] };

/** One credential libvirt asks for (virConnectCredential). */
export interface CredentialRequest { type: number; prompt: string | null; challenge: string | null; defaultResult: string | null }

/** The answer to an auth request: one result per credential, or null to refuse. */
export interface AuthAnswer { request: number; results: (string | null)[] | null }
