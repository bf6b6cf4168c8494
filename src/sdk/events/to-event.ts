// Raw events from the loop thread -> the typed events of event-types.ts: handles become SDK
// objects that own the reference taken during the callback, enum values get their names.
import * as v from '../../../generated/index.js';
import type { TypedParameter } from '../../ffi/index.js';
import { enumNamer, namerFor, type Named } from '../enum-names.js';
import { LibvirtObject, wrapFor } from '../libvirt-object.js';
import { paramsToObject } from '../typed-params.js';
import { wrapHandle } from '../wrap.js';
import type { EventSpec } from './catalog.js';
import type { ConnectionEvent } from './event-types.js';
import type { EventField, RawEvent } from './protocol.js';

type Table = Readonly<Record<string, number>>;
type Namer = (n: number) => Named<string>;

const exportsOf = v as unknown as Readonly<Record<string, unknown>>;
const lifecycle = namerFor('virDomainEventType');
/** Lifecycle event code -> the namer of its detail enum (virDomainEvent<Event>DetailType). */
const lifecycleDetails = new Map<number, Namer>();
for (const [key, table] of Object.entries(exportsOf)) {
  const m = /^virDomainEvent(\w+)DetailType$/.exec(key);
  if (!m) continue;
  const event = Object.entries(v.virDomainEventType).find(([c]) => c === `VIR_DOMAIN_EVENT_${(m[1] as string).toUpperCase()}`);
  if (event) lifecycleDetails.set(event[1], enumNamer(table as Table));
}

type Convert = (fields: Record<string, EventField>) => Record<string, unknown>;
const named = (field: string, namer: Namer, as = field): Convert => (f) => ({ [as]: namer(f[field] as number) });
const params: Convert = (f) => ({ params: paramsToObject((f['params'] as TypedParameter[] | null) ?? []) });
const address = (a: EventField): unknown => {
  if (a === null || typeof a !== 'object' || Array.isArray(a)) return null;
  return { family: namerFor('virDomainEventGraphicsAddressType')(a['family'] as number), node: a['node'] ?? null, service: a['service'] ?? null };
};
const blockJob: Convert[] = [named('type', namerFor('virDomainBlockJobType'), 'jobType'), named('status', namerFor('virConnectDomainEventBlockJobStatus'))];

const converters: Readonly<Record<string, Convert[]>> = {
  'domain:lifecycle': [(f) => ({
    event: lifecycle(f['event'] as number),
    detail: (lifecycleDetails.get(f['event'] as number) ?? ((n: number) => ({ code: n, name: `unknown-${n}` })))(f['detail'] as number),
  })],
  'domain:watchdog': [named('action', namerFor('virDomainEventWatchdogAction'))],
  'domain:io-error': [named('action', namerFor('virDomainEventIOErrorAction'))],
  'domain:io-error-reason': [named('action', namerFor('virDomainEventIOErrorAction'))],
  'domain:graphics': [named('phase', namerFor('virDomainEventGraphicsPhase')), (f) => ({
    local: address(f['local'] ?? null), remote: address(f['remote'] ?? null),
    subject: ((f['subject'] as { identities?: { type: string | null; name: string | null }[] } | null)?.identities ?? []).map((i) => ({ type: i.type, name: i.name })),
  })],
  'domain:block-job': blockJob,
  'domain:block-job-2': blockJob,
  'domain:disk-change': [named('reason', namerFor('virConnectDomainEventDiskChangeReason'))],
  'domain:tray-change': [named('reason', namerFor('virDomainEventTrayChangeReason'))],
  'domain:agent-lifecycle': [named('state', namerFor('virConnectDomainEventAgentLifecycleState')), named('reason', namerFor('virConnectDomainEventAgentLifecycleReason'))],
  'domain:metadata-change': [named('type', namerFor('virDomainMetadataType'), 'metadataType')],
  'domain:memory-failure': [named('recipient', namerFor('virDomainMemoryFailureRecipientType')), named('action', namerFor('virDomainMemoryFailureActionType'))],
  'domain:tunable': [params],
  'domain:job-completed': [params],
  'pool:lifecycle': [named('event', namerFor('virStoragePoolEventLifecycleType'))],
  'network:lifecycle': [named('event', namerFor('virNetworkEventLifecycleType'))],
  'nodedev:lifecycle': [named('event', namerFor('virNodeDeviceEventLifecycleType'))],
  'secret:lifecycle': [named('event', namerFor('virSecretEventLifecycleType'))],
};

function subjectOf(spec: EventSpec, e: RawEvent): Record<string, unknown> {
  const s = e.subject;
  switch (spec.family) {
    case 'domain': return { domain: wrapHandle(s.handleType ?? 'virDomainPtr', s.handle), domainName: s.name, domainUuid: s.uuid };
    case 'pool': return { pool: wrapHandle('virStoragePoolPtr', s.handle), poolName: s.name, poolUuid: s.uuid };
    case 'network': return { network: wrapHandle('virNetworkPtr', s.handle), networkName: s.name, networkUuid: s.uuid };
    case 'nodedev': return { device: wrapHandle('virNodeDevicePtr', s.handle), deviceName: s.name };
    case 'secret': return { secret: wrapHandle('virSecretPtr', s.handle), secretUuid: s.uuid, usageType: s.usageType, usageId: s.usageId ?? null };
    case 'qemu': return { domain: wrapHandle(s.handleType ?? 'virDomainPtr', s.handle), domainName: s.name, domainUuid: s.uuid };
  }
}

export function toEvent(spec: EventSpec, e: RawEvent): ConnectionEvent {
  const out: Record<string, unknown> = { ...wrapFor(e.subject.conn ?? undefined, () => subjectOf(spec, e)), ...e.fields };
  for (const convert of converters[spec.name] ?? []) Object.assign(out, convert(e.fields));
  // Last: a C argument named `type` (block jobs, metadata) is renamed by its converter.
  out['type'] = spec.name;
  return out as unknown as ConnectionEvent;
}

/** Releases the reference an undelivered event carries. */
export function dropEvent(e: RawEvent): void {
  const { handle, handleType } = e.subject;
  if (handle !== null && handleType !== null) wrapFor(e.subject.conn ?? undefined, () => wrapHandle(handleType, handle) as LibvirtObject).free();
}
