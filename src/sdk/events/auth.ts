// Connection.open(uri, { auth }): virConnectOpenAuth with a typed credential callback. libvirt
// calls its auth callback on the call thread that opens; that callback belongs to the sink
// thread (event-loop.ts), which hands the request to the main thread and waits for the answer,
// so the user's callback runs here and may be async (a password prompt).
import * as v from '../../../generated/index.js';
import { allocNative, describeValue, freeNative, koffiOffsetOf, sizeOf, tsvirtError, VIR_ERR_INVALID_ARG } from '../../ffi/index.js';
import type { Named } from '../enum-names.js';
import { sharedPool } from '../engine/call-pool.js';
import { hold, release, sinkEntries, withAuthHandler } from './event-loop.js';
import { enumNamer } from '../enum-names.js';
import type { CredentialRequest } from './protocol.js';
import { checkOptions, optionKeys } from '../option-keys.js';

export type CredentialTypeName = 'username' | 'authname' | 'language' | 'cnonce' | 'passphrase' | 'echoprompt' | 'noechoprompt' | 'realm' | 'external';

/** One credential libvirt asks for (virConnectCredential). */
export interface Credential {
  type: Named<CredentialTypeName>;
  prompt: string | null;
  challenge: string | null;
  defaultResult: string | null;
}

/** One answer per credential, in order; null leaves that credential unanswered. */
export type AuthCallback = (credentials: readonly Credential[]) => (string | null)[] | Promise<(string | null)[]>;

export type AuthOptions =
  /** A callback, and the credential types it can answer (default: every type). */
  | { callback: AuthCallback; types?: readonly number[] }
  /** Fixed answers: `username` for username/authname, `password` for passphrase. */
  | { username?: string; password?: string };

const AUTH_FN = 'Connection.open auth';
const CALLBACK_KEYS = optionKeys<Extract<AuthOptions, { callback: AuthCallback }>>({ callback: true, types: true });
const FIXED_KEYS = optionKeys<Exclude<AuthOptions, { callback: AuthCallback }>>({ username: true, password: true });

/**
 * Throws a LibvirtError (VIR_ERR_INVALID_ARG) for a key neither form of AuthOptions has, and for
 * a key of the other form than the one used: a username beside a callback, or types without
 * one, would be ignored as silently as a misspelt key.
 */
export function checkAuthOptions(options: unknown): void {
  checkOptions(AUTH_FN, options, [...CALLBACK_KEYS, ...FIXED_KEYS]);
  if (options === undefined) return;
  const o = options as Record<string, unknown>;
  if ('callback' in o) {
    checkOptions(AUTH_FN, options, CALLBACK_KEYS);
    // Checked here, not when the driver first asks: a wrong value would fail only on a server that asks.
    if (typeof o['callback'] !== 'function') throw badAuth('callback must be a function', o['callback']);
    if (o['types'] !== undefined && !(Array.isArray(o['types']) && o['types'].every((t) => (allTypes as readonly unknown[]).includes(t)))) {
      throw badAuth(`types must be an array of VIR_CRED_* numbers (${[...allTypes].sort((a, b) => a - b).join(', ')})`, o['types']);
    }
  } else {
    checkOptions(AUTH_FN, options, FIXED_KEYS);
    for (const key of ['username', 'password'] as const) {
      if (o[key] !== undefined && typeof o[key] !== 'string') throw badAuth(`${key} must be a string`, o[key]);
    }
  }
}

const badAuth = (what: string, value: unknown): Error => tsvirtError(VIR_ERR_INVALID_ARG, AUTH_FN, `${AUTH_FN}: ${what}, got ${describeValue(value)}`);

const credentialType = enumNamer<CredentialTypeName>(v.virConnectCredentialType);
const allTypes = Object.entries(v.virConnectCredentialType).filter(([k]) => !k.endsWith('_LAST')).map(([, n]) => n);

/** The callback for fixed answers: asking for anything it lacks fails the open with a clear error. */
function fixedAnswers(o: { username?: string; password?: string }): AuthCallback {
  return (credentials) => credentials.map((c) => {
    const answer = c.type.name === 'passphrase' || c.type.name === 'noechoprompt' ? o.password
      : c.type.name === 'username' || c.type.name === 'authname' ? o.username : undefined;
    if (answer !== undefined) return answer;
    if (c.defaultResult !== null) return c.defaultResult;
    throw tsvirtError(v.VIR_ERR_AUTH_FAILED, 'auth', `the driver asks for a ${c.type.name} credential (${c.prompt ?? 'no prompt'}) that the auth options do not give`);
  });
}

/** A native virConnectAuth (and its credential type array), freed by the caller. */
function buildAuth(types: readonly number[], callback: bigint): { auth: bigint; credtypes: bigint } {
  const list = Buffer.alloc(types.length * 4);
  types.forEach((t, i) => list.writeInt32LE(t, i * 4));
  const credtypes = allocNative(list);
  const struct = Buffer.alloc(sizeOf('virConnectAuth'));
  struct.writeBigUInt64LE(credtypes, koffiOffsetOf('virConnectAuth', 'credtype'));
  struct.writeUInt32LE(types.length, koffiOffsetOf('virConnectAuth', 'ncredtype'));
  struct.writeBigUInt64LE(callback, koffiOffsetOf('virConnectAuth', 'cb'));
  return { auth: allocNative(struct), credtypes };
}

export async function openWithAuth(uri: string, options: AuthOptions, readOnly: boolean): Promise<bigint> {
  hold(); // the event threads may still be starting; nothing else keeps the process alive meanwhile
  try {
    return await open(uri, options, readOnly);
  } finally {
    release();
  }
}

async function open(uri: string, options: AuthOptions, readOnly: boolean): Promise<bigint> {
  const callback = 'callback' in options ? options.callback : fixedAnswers(options);
  const types = 'callback' in options && options.types ? options.types : allTypes;
  const entries = await sinkEntries();
  let callbackError: unknown;
  const handler = async (requests: CredentialRequest[]): Promise<(string | null)[] | null> => {
    try {
      return await callback(requests.map((r) => ({ ...r, type: credentialType(r.type) })));
    } catch (err) {
      callbackError ??= err;
      return null;
    }
  };
  const { auth, credtypes } = buildAuth(types, entries.auth);
  try {
    return (await withAuthHandler(handler, () => sharedPool().call('virConnectOpenAuth', [uri, auth, readOnly ? v.VIR_CONNECT_RO : 0]))) as bigint;
  } catch (err) {
    if (callbackError !== undefined) throw callbackError;
    throw err;
  } finally {
    freeNative(auth);
    freeNative(credtypes);
  }
}
