// The generic method surface as types, derived from the generated signatures with the same
// naming rule as surface.ts: first argument dropped, handles in and out as SDK objects,
// Promise results except for local reads.
import type * as G from '../../generated/index.js';
import type { Connection } from './connection.js';
import type { Domain } from './domain.js';
import type { DomainSnapshot } from './domain-snapshot.js';
import type { DomainCheckpoint } from './domain-checkpoint.js';
import type { StoragePool } from './storage-pool.js';
import type { StorageVolume } from './storage-volume.js';
import type { Network, NetworkPort } from './network.js';
import type { Interface } from './host-interface.js';
import type { NodeDevice } from './node-device.js';
import type { Secret } from './secret.js';
import type { NWFilter, NWFilterBinding } from './nwfilter.js';
import type { LocalRead, ExcludedFunction } from './method-names.js';
import type { EnumValue, TypedParameter } from '../ffi/index.js';
import type { Named } from './enum-names.js';
import type { TypedParameterValues } from './typed-params.js';

type Gen = typeof G;

/** The SDK class for a handle type; `never` for anything else. */
type SdkObject<T> =
  T extends G.virConnectPtr ? Connection
  : T extends G.virDomainPtr ? Domain
  : T extends G.virDomainSnapshotPtr ? DomainSnapshot
  : T extends G.virDomainCheckpointPtr ? DomainCheckpoint
  : T extends G.virStoragePoolPtr ? StoragePool
  : T extends G.virStorageVolPtr ? StorageVolume
  : T extends G.virNetworkPtr ? Network
  : T extends G.virNetworkPortPtr ? NetworkPort
  : T extends G.virInterfacePtr ? Interface
  : T extends G.virNodeDevicePtr ? NodeDevice
  : T extends G.virSecretPtr ? Secret
  : T extends G.virNWFilterPtr ? NWFilter
  : T extends G.virNWFilterBindingPtr ? NWFilterBinding
  : never;
type IsHandle<T> = [SdkObject<T>] extends [never] ? false : true;

/** Handles in results become SDK objects, enum values `{ code, name }`, also inside arrays and objects. */
export type Wrap<T> = T extends unknown ? WrapOne<T> : never;
type WrapOne<T> =
  IsHandle<T> extends true ? SdkObject<T>
  : T extends EnumValue<string> ? Named<string>
  : T extends Uint8Array | bigint | string | number | boolean | null | undefined ? T
  : T extends readonly TypedParameter[] ? Record<string, TypedParameter['value']>
  : T extends readonly (infer E)[] ? Wrap<E>[]
  : T extends object ? { [K in keyof T as K extends ParamsCount<T> ? never : K]: Wrap<T[K]> }
  : T;
/** A struct's typed-parameter array becomes an object and its C count goes (wrap.ts): virDomainStatsRecord.nparams. */
type ParamsCount<T> = T extends { params: readonly TypedParameter[]; nparams: number } ? 'nparams' : never;

/** Handle arguments are given as SDK objects. */
export type ArgIn<T> = T extends unknown ? ArgInOne<T> : never;
type ArgInOne<T> =
  IsHandle<T> extends true ? SdkObject<T>
  : T extends readonly TypedParameter[] ? T | TypedParameterValues
  : T extends readonly (infer E)[] ? readonly ArgIn<E>[]
  : T;

type ArgsIn<A extends unknown[]> = { [I in keyof A]: ArgIn<A[I]> };

type First<F> = F extends (first: infer P, ...rest: never[]) => unknown ? P : never;
/** Functions whose first parameter is exactly the handle H (not a plain pointer, not H | null). */
type OwnedBy<H> = { [K in keyof Gen]: [NonNullable<First<Gen[K]>>] extends [H] ? ([H] extends [NonNullable<First<Gen[K]>>] ? K : never) : never }[keyof Gen];

type Strip<K extends string, P extends string> = K extends `${P}${infer R}` ? R : K extends `vir${infer R}` ? R : K;

type Method<K extends keyof Gen> = Gen[K] extends (first: never, ...rest: infer A) => infer R
  ? (...args: ArgsIn<A>) => K extends LocalRead ? Wrap<R> : Promise<Wrap<R>>
  : never;

type Chars<S extends string> = S extends `${infer C}${infer R}` ? C | Chars<R> : never;
type LowerCase = Chars<'abcdefghijklmnopqrstuvwxyz'>;
type UpperCase = Uppercase<LowerCase>;
/** method-names.ts's lowerFirstWord: FSFreeze -> fsFreeze, GetInfo -> getInfo, URI -> uri. */
type LowerFirstWord<S extends string> =
  S extends `${infer A}${infer B}${infer R}`
    ? A extends UpperCase
      ? B extends UpperCase
        ? R extends `${infer C}${string}`
          ? C extends LowerCase ? `${Lowercase<A>}${B}${R}` : `${Lowercase<A>}${LowerFirstWord<`${B}${R}`>}`
          : Lowercase<S>
        : `${Lowercase<A>}${B}${R}`
      : S
    : Lowercase<S>;

/** Every generated function owned by handle H, as a method named by the rule, minus `Own`. */
export type GeneratedMethods<H, P extends string, Own extends string> = {
  [K in OwnedBy<H> as K extends ExcludedFunction | Own ? never : LowerFirstWord<Strip<K & string, P>>]: Method<K>;
};
