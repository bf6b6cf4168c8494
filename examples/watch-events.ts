// Watch lifecycle events while a guest is stopped, started, paused and resumed. Runs on
// test:///default (no daemon), or on a real hypervisor with a guest name:
//   npx tsx examples/watch-events.ts [URI] [GUEST]
// libvirt's event loop runs on a thread of tsvirt's own: nothing to pump. Events arrive as
// typed objects; the listener keeps the process alive until it is removed.
import { Connection, type DomainLifecycleEvent } from 'tsvirt/sdk';

const [uri = 'test:///default', guest = 'test'] = process.argv.slice(2);
await using conn = await Connection.open(uri);
const dom = await conn.lookupDomain(guest);

let seen = 0;
let allSeen: () => void = () => undefined;
const done = new Promise<void>((resolve) => { allSeen = resolve; });
const onLifecycle = (e: DomainLifecycleEvent): void => {
  console.log(`${e.domainName}: ${e.event.name} (${e.detail.name})`);
  e.domain.free(); // each event's domain is a reference of its own
  if (++seen === 4) allSeen();
};
conn.on('domain:lifecycle', onLifecycle);
await conn.eventsReady(); // registered with libvirt: from here on nothing is missed

if ((await dom.getState()).state.name === 'running') await dom.destroy();
else seen++; // (a guest already shut off gives no stop event)
await dom.start();
await dom.suspend();
await dom.resume();
await done;
conn.off('domain:lifecycle', onLifecycle);
dom.free();
