// Domain events through the generated layer alone: libvirt's default loop registered and pumped
// on this thread, a lifecycle callback registered with a TypedCallback. Prints what it saw and
// the live callback count (relative to the start) before and after deregistration, as JSON.
import * as v from '../../generated/index.js';
import { liveCallbackCount } from '../../src/ffi/index.js';

v.virEventRegisterDefaultImpl();
const c = v.virConnectOpen('test:///default');
const dom = v.virDomainLookupByName(c, 'test');
const baseline = liveCallbackCount();
const seen: [number, number][] = [];
const onLifecycle = (_c: v.virConnectPtr, _d: v.virDomainPtr, event: number, detail: number): number => { seen.push([event, detail]); return 0; };
const id = v.virConnectDomainEventRegisterAny(c, null, v.VIR_DOMAIN_EVENT_ID_LIFECYCLE, { functype: 'virConnectDomainEventCallback', fn: onLifecycle }, null);
const tick = v.virEventAddTimeout(5, () => undefined, null);
const registered = liveCallbackCount() - baseline;
v.virDomainDestroy(dom);
v.virDomainCreate(dom);
for (let i = 0; i < 5 && seen.length < 2; i++) v.virEventRunDefaultImpl();
v.virConnectDomainEventDeregisterAny(c, id);
// Run the loop while the timer still fires (it returns after each dispatch), then drop it;
// the last run dispatches the timer's removal and returns.
for (let i = 0; i < 3; i++) v.virEventRunDefaultImpl();
v.virEventRemoveTimeout(tick);
v.virEventRunDefaultImpl();
v.virDomainFree(dom);
v.virConnectClose(c);
await new Promise((r) => setImmediate(r));
console.log(JSON.stringify({ seen, registered, released: liveCallbackCount() - baseline }));
