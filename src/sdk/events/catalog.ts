// Every event libvirt can deliver, as data: its family, its event ID, the C callback type
// libvirt calls for it, and the SDK's name for it ('domain:lifecycle', 'pool:refresh', ...).
// Names and IDs come from the generated constants; the callback type of each ID is the one fact
// the API XML does not record, so it is listed here (libvirt documents it per VIR_*_EVENT_ID_*).
import * as v from '../../../generated/index.js';

export type EventFamily = 'domain' | 'pool' | 'network' | 'nodedev' | 'secret' | 'qemu';

interface FamilyInfo {
  /** Prefix of the family's event ID constants; null for QEMU monitor events, which have no IDs. */
  idPrefix: string | null;
  register: string;
  deregister: string;
  /** The callback type of each ID (by the constant's suffix). */
  functypes: Readonly<Record<string, string>>;
  /** The register function's arguments, where they are not the *RegisterAny ones (conn, NULL, id, callback, opaque). */
  registerArgs?: (conn: bigint, id: number, callback: unknown, opaque: bigint) => unknown[];
  /** Watched only when named (`tsvirt events` leaves the family out of "everything"). */
  onlyWhenNamed?: true;
}

const domainCb = (name: string): string => `virConnectDomainEvent${name}Callback`;

export const families: Readonly<Record<EventFamily, FamilyInfo>> = {
  domain: {
    idPrefix: 'VIR_DOMAIN_EVENT_ID_', register: 'virConnectDomainEventRegisterAny', deregister: 'virConnectDomainEventDeregisterAny',
    functypes: {
      LIFECYCLE: 'virConnectDomainEventCallback', REBOOT: domainCb('Generic'), RTC_CHANGE: domainCb('RTCChange'),
      WATCHDOG: domainCb('Watchdog'), IO_ERROR: domainCb('IOError'), GRAPHICS: domainCb('Graphics'),
      IO_ERROR_REASON: domainCb('IOErrorReason'), CONTROL_ERROR: domainCb('Generic'), BLOCK_JOB: domainCb('BlockJob'),
      DISK_CHANGE: domainCb('DiskChange'), TRAY_CHANGE: domainCb('TrayChange'), PMWAKEUP: domainCb('PMWakeup'),
      PMSUSPEND: domainCb('PMSuspend'), BALLOON_CHANGE: domainCb('BalloonChange'), PMSUSPEND_DISK: domainCb('PMSuspendDisk'),
      DEVICE_REMOVED: domainCb('DeviceRemoved'), BLOCK_JOB_2: domainCb('BlockJob'), TUNABLE: domainCb('Tunable'),
      AGENT_LIFECYCLE: domainCb('AgentLifecycle'), DEVICE_ADDED: domainCb('DeviceAdded'),
      MIGRATION_ITERATION: domainCb('MigrationIteration'), JOB_COMPLETED: domainCb('JobCompleted'),
      DEVICE_REMOVAL_FAILED: domainCb('DeviceRemovalFailed'), METADATA_CHANGE: domainCb('MetadataChange'),
      BLOCK_THRESHOLD: domainCb('BlockThreshold'), MEMORY_FAILURE: domainCb('MemoryFailure'),
      MEMORY_DEVICE_SIZE_CHANGE: domainCb('MemoryDeviceSizeChange'),
    },
  },
  pool: {
    idPrefix: 'VIR_STORAGE_POOL_EVENT_ID_', register: 'virConnectStoragePoolEventRegisterAny', deregister: 'virConnectStoragePoolEventDeregisterAny',
    functypes: { LIFECYCLE: 'virConnectStoragePoolEventLifecycleCallback', REFRESH: 'virConnectStoragePoolEventGenericCallback' },
  },
  network: {
    idPrefix: 'VIR_NETWORK_EVENT_ID_', register: 'virConnectNetworkEventRegisterAny', deregister: 'virConnectNetworkEventDeregisterAny',
    functypes: { LIFECYCLE: 'virConnectNetworkEventLifecycleCallback' },
  },
  nodedev: {
    idPrefix: 'VIR_NODE_DEVICE_EVENT_ID_', register: 'virConnectNodeDeviceEventRegisterAny', deregister: 'virConnectNodeDeviceEventDeregisterAny',
    functypes: { LIFECYCLE: 'virConnectNodeDeviceEventLifecycleCallback', UPDATE: 'virConnectNodeDeviceEventGenericCallback' },
  },
  secret: {
    idPrefix: 'VIR_SECRET_EVENT_ID_', register: 'virConnectSecretEventRegisterAny', deregister: 'virConnectSecretEventDeregisterAny',
    functypes: { LIFECYCLE: 'virConnectSecretEventLifecycleCallback', VALUE_CHANGED: 'virConnectSecretEventGenericCallback' },
  },
  // Every QMP event of every domain (libvirt-qemu; the QEMU driver only): one registration with
  // no event name and no domain, its own register function (subscriptions.ts).
  qemu: {
    idPrefix: null, register: 'virConnectDomainQemuMonitorEventRegister', deregister: 'virConnectDomainQemuMonitorEventDeregister',
    functypes: { MONITOR: 'virConnectDomainQemuMonitorEventCallback' },
    // Every event name (NULL) of every domain (NULL), no flags.
    registerArgs: (conn, _id, callback, opaque) => [conn, null, null, callback, opaque, 0],
    // Raw QMP repeats what the domain events say.
    onlyWhenNamed: true,
  },
};

export interface EventSpec {
  /** 'domain:lifecycle', 'pool:refresh', ... */
  name: string;
  family: EventFamily;
  /** The VIR_*_EVENT_ID_* value. */
  id: number;
  /** The C constant, e.g. VIR_DOMAIN_EVENT_ID_LIFECYCLE. */
  constant: string;
  functype: string;
}

const constants = v as unknown as Readonly<Record<string, unknown>>;

/** The event IDs the generated constants define for a family (the _LAST sentinel excluded). */
export function eventIdConstants(family: EventFamily): [string, number][] {
  const { idPrefix } = families[family];
  if (idPrefix === null) return [];
  return Object.entries(constants)
    .filter((e): e is [string, number] => e[0].startsWith(idPrefix) && !e[0].endsWith('_LAST') && typeof e[1] === 'number')
    .sort((a, b) => a[1] - b[1]);
}

function buildCatalog(): Map<string, EventSpec> {
  const out = new Map<string, EventSpec>();
  for (const family of Object.keys(families) as EventFamily[]) {
    const { idPrefix, functypes } = families[family];
    const ids = idPrefix === null ? Object.keys(functypes).map((s): [string, number] => [s, 0]) : eventIdConstants(family);
    for (const [constant, id] of ids) {
      const suffix = constant.slice(idPrefix?.length ?? 0);
      const functype = families[family].functypes[suffix];
      if (functype === undefined) continue; // an ID newer than this table: not offered (the catalog test lists it)
      const name = `${family}:${suffix.toLowerCase().replace(/_/g, '-')}`;
      out.set(name, { name, family, id, constant, functype });
    }
  }
  return out;
}

/** Event name -> its spec. */
export const eventCatalog: ReadonlyMap<string, EventSpec> = buildCatalog();

/** The callback types the event thread needs an entry point for. */
export function eventFunctypes(): string[] {
  return [...new Set([...eventCatalog.values()].map((s) => s.functype))];
}
