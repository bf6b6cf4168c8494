// The typed events a Connection emits. Field names are those of libvirt's callback arguments
// (virConnectDomainEvent*Callback), so libvirt's documentation applies as is; enum values carry
// their number and name ({ code, name }), 64-bit values are bigint.
import type { Domain } from '../domain.js';
import type { StoragePool } from '../storage-pool.js';
import type { Network } from '../network.js';
import type { NodeDevice } from '../node-device.js';
import type { Secret } from '../secret.js';
import type { Named } from '../enum-names.js';
import type { TypedParameterValue } from '../typed-params.js';

/** Every domain event: the domain as an object the listener may keep (it owns a reference). */
export interface DomainEventBase<T extends string> {
  type: T;
  domain: Domain;
  /** Read while libvirt's callback ran: the domain may be gone by the time the listener runs. */
  domainName: string;
  domainUuid: string;
}

export type DomainLifecycleEventName = 'defined' | 'undefined' | 'started' | 'suspended' | 'resumed' | 'stopped' | 'shutdown' | 'pmsuspended' | 'crashed';

export interface DomainLifecycleEvent extends DomainEventBase<'domain:lifecycle'> {
  event: Named<DomainLifecycleEventName>;
  /** Named from the detail enum of `event` (VIR_DOMAIN_EVENT_STOPPED_DESTROYED -> 'destroyed'). */
  detail: Named<string>;
}
export type DomainRebootEvent = DomainEventBase<'domain:reboot'>;
export interface DomainRtcChangeEvent extends DomainEventBase<'domain:rtc-change'> { utcoffset: bigint }
export interface DomainWatchdogEvent extends DomainEventBase<'domain:watchdog'> { action: Named<string> }
export interface DomainIoErrorEvent extends DomainEventBase<'domain:io-error'> { srcPath: string | null; devAlias: string | null; action: Named<string> }
export interface GraphicsAddress { family: Named<string>; node: string | null; service: string | null }
export interface DomainGraphicsEvent extends DomainEventBase<'domain:graphics'> {
  phase: Named<string>;
  local: GraphicsAddress | null;
  remote: GraphicsAddress | null;
  authScheme: string | null;
  subject: { type: string | null; name: string | null }[];
}
export interface DomainIoErrorReasonEvent extends DomainEventBase<'domain:io-error-reason'> {
  srcPath: string | null; devAlias: string | null; action: Named<string>; reason: string | null;
}
export type DomainControlErrorEvent = DomainEventBase<'domain:control-error'>;
export interface DomainBlockJobEvent<T extends 'domain:block-job' | 'domain:block-job-2' = 'domain:block-job'> extends DomainEventBase<T> {
  /** A path for block-job, a target (vda) for block-job-2. */
  disk: string | null;
  type: T;
  jobType: Named<string>;
  status: Named<string>;
}
export interface DomainDiskChangeEvent extends DomainEventBase<'domain:disk-change'> {
  oldSrcPath: string | null; newSrcPath: string | null; devAlias: string | null; reason: Named<string>;
}
export interface DomainTrayChangeEvent extends DomainEventBase<'domain:tray-change'> { devAlias: string | null; reason: Named<string> }
export interface DomainPmWakeupEvent extends DomainEventBase<'domain:pmwakeup'> { reason: number }
export interface DomainPmSuspendEvent extends DomainEventBase<'domain:pmsuspend'> { reason: number }
export interface DomainPmSuspendDiskEvent extends DomainEventBase<'domain:pmsuspend-disk'> { reason: number }
export interface DomainBalloonChangeEvent extends DomainEventBase<'domain:balloon-change'> { /** KiB */ actual: bigint }
export interface DomainDeviceRemovedEvent extends DomainEventBase<'domain:device-removed'> { devAlias: string | null }
export interface DomainDeviceAddedEvent extends DomainEventBase<'domain:device-added'> { devAlias: string | null }
export interface DomainDeviceRemovalFailedEvent extends DomainEventBase<'domain:device-removal-failed'> { devAlias: string | null }
export interface DomainTunableEvent extends DomainEventBase<'domain:tunable'> { params: Record<string, TypedParameterValue> }
export interface DomainAgentLifecycleEvent extends DomainEventBase<'domain:agent-lifecycle'> { state: Named<string>; reason: Named<string> }
export interface DomainMigrationIterationEvent extends DomainEventBase<'domain:migration-iteration'> { iteration: number }
export interface DomainJobCompletedEvent extends DomainEventBase<'domain:job-completed'> { params: Record<string, TypedParameterValue> }
export interface DomainMetadataChangeEvent extends DomainEventBase<'domain:metadata-change'> { metadataType: Named<string>; nsuri: string | null }
export interface DomainBlockThresholdEvent extends DomainEventBase<'domain:block-threshold'> {
  dev: string | null; path: string | null; threshold: bigint; excess: bigint;
}
export interface DomainMemoryFailureEvent extends DomainEventBase<'domain:memory-failure'> { recipient: Named<string>; action: Named<string>; flags: number }
export interface DomainMemoryDeviceSizeChangeEvent extends DomainEventBase<'domain:memory-device-size-change'> { alias: string | null; /** KiB */ size: bigint }

export interface StoragePoolEventBase<T extends string> { type: T; pool: StoragePool; poolName: string; poolUuid: string }
export interface StoragePoolLifecycleEvent extends StoragePoolEventBase<'pool:lifecycle'> { event: Named<string>; detail: number }
export type StoragePoolRefreshEvent = StoragePoolEventBase<'pool:refresh'>;

export interface NetworkLifecycleEvent { type: 'network:lifecycle'; network: Network; networkName: string; networkUuid: string; event: Named<string>; detail: number }
export interface NodeDeviceEventBase<T extends string> { type: T; device: NodeDevice; deviceName: string }
export interface NodeDeviceLifecycleEvent extends NodeDeviceEventBase<'nodedev:lifecycle'> { event: Named<string>; detail: number }
export type NodeDeviceUpdateEvent = NodeDeviceEventBase<'nodedev:update'>;
export interface SecretEventBase<T extends string> { type: T; secret: Secret; secretUuid: string; usageType: number; usageId: string | null }
export interface SecretLifecycleEvent extends SecretEventBase<'secret:lifecycle'> { event: Named<string>; detail: number }
export type SecretValueChangedEvent = SecretEventBase<'secret:value-changed'>;

/**
 * A QMP event of a domain as QEMU reported it (QEMU driver only; libvirt-qemu's monitor events,
 * which libvirt does not support as an API: for debugging and for what libvirt has no event of).
 */
export interface QemuMonitorEvent extends DomainEventBase<'qemu:monitor'> {
  /** The QMP event name (STOP, RESUME, ...). */
  event: string | null;
  /** When QEMU sent it: seconds and microseconds since the epoch. */
  seconds: bigint;
  micros: number;
  /** The event's data as JSON text, or null. */
  details: string | null;
}

export type CloseReasonName = 'error' | 'eof' | 'keepalive' | 'client';
/** The connection to the daemon is gone (virConnectRegisterCloseCallback). */
export interface ConnectionCloseEvent { type: 'close'; reason: Named<CloseReasonName> }

export interface ConnectionEventMap {
  'domain:lifecycle': DomainLifecycleEvent;
  'domain:reboot': DomainRebootEvent;
  'domain:rtc-change': DomainRtcChangeEvent;
  'domain:watchdog': DomainWatchdogEvent;
  'domain:io-error': DomainIoErrorEvent;
  'domain:graphics': DomainGraphicsEvent;
  'domain:io-error-reason': DomainIoErrorReasonEvent;
  'domain:control-error': DomainControlErrorEvent;
  'domain:block-job': DomainBlockJobEvent;
  'domain:disk-change': DomainDiskChangeEvent;
  'domain:tray-change': DomainTrayChangeEvent;
  'domain:pmwakeup': DomainPmWakeupEvent;
  'domain:pmsuspend': DomainPmSuspendEvent;
  'domain:balloon-change': DomainBalloonChangeEvent;
  'domain:pmsuspend-disk': DomainPmSuspendDiskEvent;
  'domain:device-removed': DomainDeviceRemovedEvent;
  'domain:block-job-2': DomainBlockJobEvent<'domain:block-job-2'>;
  'domain:tunable': DomainTunableEvent;
  'domain:agent-lifecycle': DomainAgentLifecycleEvent;
  'domain:device-added': DomainDeviceAddedEvent;
  'domain:migration-iteration': DomainMigrationIterationEvent;
  'domain:job-completed': DomainJobCompletedEvent;
  'domain:device-removal-failed': DomainDeviceRemovalFailedEvent;
  'domain:metadata-change': DomainMetadataChangeEvent;
  'domain:block-threshold': DomainBlockThresholdEvent;
  'domain:memory-failure': DomainMemoryFailureEvent;
  'domain:memory-device-size-change': DomainMemoryDeviceSizeChangeEvent;
  'pool:lifecycle': StoragePoolLifecycleEvent;
  'pool:refresh': StoragePoolRefreshEvent;
  'network:lifecycle': NetworkLifecycleEvent;
  'nodedev:lifecycle': NodeDeviceLifecycleEvent;
  'nodedev:update': NodeDeviceUpdateEvent;
  'secret:lifecycle': SecretLifecycleEvent;
  'secret:value-changed': SecretValueChangedEvent;
  'qemu:monitor': QemuMonitorEvent;
  close: ConnectionCloseEvent;
}

/** Names of the events libvirt delivers (everything but 'close'). */
export type LibvirtEventName = Exclude<keyof ConnectionEventMap, 'close'>;
export type ConnectionEvent = ConnectionEventMap[keyof ConnectionEventMap];
