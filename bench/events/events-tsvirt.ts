// tsvirt's side of bench:events: lifecycle events of `cycles` suspend/resume pairs of one
// guest through Connection#on. Prints {"events": N, "ms": elapsed} as JSON.
import { Connection, type DomainLifecycleEvent } from '../../src/sdk/index.js';

const [uri = 'qemu:///system', name = '', cyclesArg = '300'] = process.argv.slice(2);
const cycles = Number(cyclesArg);
const conn = await Connection.open(uri);
const dom = await conn.lookupDomain(name);
let count = 0;
let allSeen: () => void = () => undefined;
const done = new Promise<void>((r) => { allSeen = r; });
const listener = (e: DomainLifecycleEvent): void => {
  e.domain.free();
  if (e.domainName === name && ++count >= 2 * cycles) allSeen();
};
conn.on('domain:lifecycle', listener);
await conn.eventsReady();
const t0 = performance.now();
for (let i = 0; i < cycles; i++) {
  await dom.suspend();
  await dom.resume();
}
await Promise.race([done, new Promise((r) => setTimeout(r, 120_000))]);
const ms = performance.now() - t0;
conn.off('domain:lifecycle', listener);
dom.free();
await conn.close();
console.log(JSON.stringify({ events: count, ms }));
