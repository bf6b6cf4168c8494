// Enum-valued results carry the number and a readable name derived from the C constant
// (VIR_DOMAIN_RUNNING -> 'running'). Unknown numbers (a newer libvirt) keep the number.
import * as v from '../../generated/index.js';

function namesOf(table: Readonly<Record<string, number>>, prefix: string): Map<number, string> {
  // _LAST is a count, not a value, and so is an alias of it (VIR_DOMAIN_MEMORY_STAT_NR): a newer
  // libvirt's next value is that number, which must not read as 'nr'.
  const counts = new Set(Object.entries(table).filter(([c]) => c.endsWith('_LAST')).map(([, n]) => n));
  const out = new Map<number, string>();
  for (const [c, n] of Object.entries(table)) {
    if (!c.startsWith(prefix) || counts.has(n) || out.has(n)) continue;
    out.set(n, c.slice(prefix.length).toLowerCase().replace(/_/g, '-'));
  }
  return out;
}

export interface Named<N extends string> { code: number; name: N | `unknown-${number}` }

/**
 * The namer of an enum: one frozen { code, name } per value, shared by every result that
 * carries it (a listing of 5000 domains makes no 5000 state objects).
 */
export function namer<N extends string>(table: Readonly<Record<string, number>>, prefix: string): (n: number) => Named<N> {
  const names = namesOf(table, prefix);
  const made = new Map<number, Named<N>>();
  return (n) => {
    let named = made.get(n);
    if (!named) {
      named = Object.freeze({ code: n, name: (names.get(n) ?? `unknown-${n}`) as N | `unknown-${number}` });
      // Unknown values (a newer libvirt, a bad number) are not kept: their count has no bound.
      if (names.has(n)) made.set(n, named);
    }
    return named;
  };
}

/** A namer whose prefix is the one the table's constants share, up to an underscore. */
export function enumNamer<N extends string = string>(table: Readonly<Record<string, number>>): (n: number) => Named<N> {
  const keys = Object.keys(table).filter((k) => !k.endsWith('_LAST'));
  let prefix = keys[0] ?? '';
  for (const k of keys) while (!k.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return namer<N>(table, prefix.slice(0, prefix.lastIndexOf('_') + 1));
}

export type DomainStateName = 'nostate' | 'running' | 'blocked' | 'paused' | 'shutdown' | 'shutoff' | 'crashed' | 'pmsuspended';
export const domainState = namer<DomainStateName>(v.virDomainState, 'VIR_DOMAIN_');

export type StoragePoolStateName = 'inactive' | 'building' | 'running' | 'degraded' | 'inaccessible';
export const storagePoolState = namer<StoragePoolStateName>(v.virStoragePoolState, 'VIR_STORAGE_POOL_');

export type StorageVolumeTypeName = 'file' | 'block' | 'dir' | 'network' | 'netdir' | 'ploop';
export const storageVolumeType = namer<StorageVolumeTypeName>(v.virStorageVolType, 'VIR_STORAGE_VOL_');

const namers = new Map<string, (n: number) => Named<string>>([
  ['virDomainState', domainState], ['virStoragePoolState', storagePoolState], ['virStorageVolType', storageVolumeType],
]);

/**
 * The namer of the enum type `enumName` of the generated layer: the typed ones above where
 * there is one, so that a value names the same whichever way it was read.
 */
export function namerFor(enumName: string): (n: number) => Named<string> {
  let n = namers.get(enumName);
  if (!n) {
    const table = (v as unknown as Record<string, unknown>)[enumName];
    if (table === null || typeof table !== 'object') throw new TypeError(`tsvirt: no enum type ${enumName} in the generated layer`);
    n = enumNamer(table as Record<string, number>);
    namers.set(enumName, n);
  }
  return n;
}

/** The enum of a state's reasons, by state (virDomainGetState's reason means nothing without its state). */
const reasonEnums: Readonly<Record<number, string>> = {
  [v.VIR_DOMAIN_NOSTATE]: 'virDomainNostateReason', [v.VIR_DOMAIN_RUNNING]: 'virDomainRunningReason',
  [v.VIR_DOMAIN_BLOCKED]: 'virDomainBlockedReason', [v.VIR_DOMAIN_PAUSED]: 'virDomainPausedReason',
  [v.VIR_DOMAIN_SHUTDOWN]: 'virDomainShutdownReason', [v.VIR_DOMAIN_SHUTOFF]: 'virDomainShutoffReason',
  [v.VIR_DOMAIN_CRASHED]: 'virDomainCrashedReason', [v.VIR_DOMAIN_PMSUSPENDED]: 'virDomainPMSuspendedReason',
};

/** A domain state's reason, named by the reason enum of that state ('booted' for running/1); a state this table lacks keeps the number. */
export function domainStateReason(state: number, reason: number): Named<string> {
  const table = reasonEnums[state];
  return table === undefined ? Object.freeze({ code: reason, name: `unknown-${reason}` as const }) : namerFor(table)(reason);
}
